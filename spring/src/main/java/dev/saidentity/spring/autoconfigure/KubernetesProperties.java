package dev.saidentity.spring.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code sa-identity.kubernetes.*}: where this pod's ServiceAccount mount and API server are.
 *
 * @param mount the ServiceAccount volume; default {@code /var/run/secrets/kubernetes.io/serviceaccount}
 * @param apiServer the API server, {@code https://host:port}; default from {@code
 *     KUBERNETES_SERVICE_HOST} and {@code KUBERNETES_SERVICE_PORT}
 */
@ConfigurationProperties("sa-identity.kubernetes")
public record KubernetesProperties(@DefaultValue("/var/run/secrets/kubernetes.io/serviceaccount") Path mount,
    @Nullable URI apiServer) {

  /** The environment the in-cluster client and the health indicator read: the API server's host and port, or the process's. */
  Map<String, String> environment() {
    URI s = apiServer;
    if (s == null) {
      return System.getenv();
    }
    String host = s.getHost();
    if (host == null) {
      throw new IllegalStateException("sa-identity.kubernetes.api-server has no host: " + s);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return Map.of("KUBERNETES_SERVICE_HOST", host, "KUBERNETES_SERVICE_PORT", String.valueOf(s.getPort() < 0 ? 443 : s.getPort()));
  }

  /** The API server's base URL. */
  URI apiServerUrl() {
    if (apiServer != null) {
      return apiServer;
    }
    Map<String, String> env = System.getenv();
    String host = env.get("KUBERNETES_SERVICE_HOST");
    String port = env.get("KUBERNETES_SERVICE_PORT");
    if (host == null || host.isEmpty() || port == null || port.isEmpty()) {
      throw new IllegalStateException("in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not in a pod);"
          + " set sa-identity.kubernetes.api-server");
    }
    return URI.create("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
  }
}
