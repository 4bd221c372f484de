package dev.saidentity.tokenrequest;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-cluster client-java {@link ApiClient} whose token is always fresh: the server from {@code
 * KUBERNETES_SERVICE_HOST}/{@code _PORT} (IPv6 bracketed), the CA from the mount's {@code ca.crt}
 * (when it parses as PEM, else the JVM's roots, as client-go does), and the token re-read from the
 * mount's {@code token} file as the kubelet rotates it. The token file may appear after the client is
 * built: it is read on the first request.
 *
 * <pre>{@code
 * ApiClient client = InClusterClient.builder().build();
 * }</pre>
 */
public final class InClusterClient {

  private static final Logger LOG = LoggerFactory.getLogger(InClusterClient.class);

  /** Where the kubelet mounts the ServiceAccount volume. */
  public static final Path DEFAULT_MOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

  private InClusterClient() {}

  /** A builder: the default mount and the process environment. */
  public static Builder builder() {
    return new Builder();
  }

  /** Settings of an in-cluster client. */
  public static final class Builder {
    private Path mount = DEFAULT_MOUNT;
    private Map<String, String> env = System.getenv();
    private @Nullable TokenSource tokens;

    private Builder() {}

    /** The ServiceAccount volume's directory; default {@link #DEFAULT_MOUNT}. */
    public Builder mount(Path value) {
      this.mount = Objects.requireNonNull(value, "mount");
      return this;
    }

    /** The environment to read {@code KUBERNETES_SERVICE_HOST}/{@code _PORT} from; default the process's. */
    public Builder environment(Map<String, String> value) {
      this.env = Map.copyOf(value);
      return this;
    }

    /** Another token source (default: the mount's {@code token} file). */
    public Builder tokens(TokenSource value) {
      this.tokens = Objects.requireNonNull(value, "tokens");
      return this;
    }

    /**
     * The client.
     *
     * @throws IllegalStateException outside a cluster (client-go's {@code ErrNotInCluster} text)
     */
    public ApiClient build() {
      String host = env.get("KUBERNETES_SERVICE_HOST");
      String port = env.get("KUBERNETES_SERVICE_PORT");
      if (host == null || host.isEmpty() || port == null || port.isEmpty()) {
        throw new IllegalStateException("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined");
      }
      String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
      ClientBuilder b = new ClientBuilder().setBasePath("https://" + h + ":" + port)
          .setAuthentication(new TokenAuthentication(tokens != null ? tokens : ProjectedTokenFile.of(mount.resolve("token"))));
      Path ca = mount.resolve("ca.crt");
      try {
        byte[] pem = Files.readAllBytes(ca);
        if (new String(pem, java.nio.charset.StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
          b.setCertificateAuthority(pem);
        } else {
          LOG.error("{} is not a PEM certificate bundle; using the JVM's trusted roots", ca);
        }
      } catch (IOException e) {
        LOG.error("cannot read {} ({}); using the JVM's trusted roots", ca, e.getClass().getSimpleName());
      }
      return b.build();
    }
  }
}
