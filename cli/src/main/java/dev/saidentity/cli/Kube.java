package dev.saidentity.cli;

import dev.saidentity.tokenrequest.InClusterClient;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** The cluster connection of the online commands: --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else in-cluster. */
final class Kube {

  final ApiClient client;
  final String namespace;

  private Kube(ApiClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /**
   * Connects.
   *
   * @throws IllegalArgumentException when no configuration can be found or read (a usage error)
   */
  static Kube connect(@Nullable Path kubeconfig) {
    Path file = kubeconfig;
    if (file == null) {
      String env = System.getenv("KUBECONFIG");
      if (env != null && !env.isBlank()) {
        file = Path.of(env.split(java.io.File.pathSeparator)[0]);
      } else {
        Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
        if (Files.isRegularFile(home)) {
          file = home;
        }
      }
    }
    if (file == null) {
      try {
        return new Kube(InClusterClient.builder().build(), inClusterNamespace());
      } catch (IllegalStateException e) {
        throw new IllegalArgumentException("no kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not in a cluster");
      }
    }
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      KubeConfig kc = KubeConfig.loadKubeConfig(r);
      kc.setFile(file.toAbsolutePath().toFile());
      String ns = kc.getNamespace();
      return new Kube(ClientBuilder.kubeconfig(kc).build(), ns == null || ns.isEmpty() ? "default" : ns);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot use the kubeconfig " + file + ": " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
    }
  }

  private static String inClusterNamespace() {
    try {
      return Files.readString(InClusterClient.DEFAULT_MOUNT.resolve("namespace")).strip();
    } catch (IOException e) {
      return "default";
    }
  }
}
