package dev.saidentity.cli;

import dev.saidentity.tokenrequest.InClusterClient;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/** The cluster connection of the online commands: --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else in-cluster. */
final class Kube {

  /** A kubeconfig is read up to this size (real ones are a few KiB, with embedded certificates tens of KiB). */
  static final int MAX_KUBECONFIG = 1 << 20;
  /** The in-cluster namespace file is read up to this size (a namespace name is at most 63 characters). */
  static final int MAX_NAMESPACE = 4 << 10;

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
   * @throws TokenInput.TooLarge when the kubeconfig or the in-cluster namespace file is over its cap (exit 2)
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
        return new Kube(InClusterClient.builder().build(), inClusterNamespace(InClusterClient.DEFAULT_MOUNT));
      } catch (IllegalStateException e) {
        throw new IllegalArgumentException("no kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not in a cluster");
      }
    }
    String text = new String(readKubeconfig(file), StandardCharsets.UTF_8);
    try (Reader r = new StringReader(text)) {
      KubeConfig kc = KubeConfig.loadKubeConfig(r);
      kc.setFile(file.toAbsolutePath().toFile());
      String ns = kc.getNamespace();
      return new Kube(ClientBuilder.kubeconfig(kc).build(), ns == null || ns.isEmpty() ? "default" : ns);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot use the kubeconfig " + file + ": " + why(e));
    }
  }

  /**
   * Why a kubeconfig cannot be used, on one line and without its text: SnakeYAML's messages quote the
   * offending lines (which may hold a token or a key), so a YAML error says only its problem and position.
   */
  static String why(Exception e) {
    if (e instanceof MarkedYAMLException) {
      MarkedYAMLException y = (MarkedYAMLException) e;
      Mark m = y.getProblemMark() != null ? y.getProblemMark() : y.getContextMark();
      String problem = y.getProblem() != null ? y.getProblem() : y.getContext();
      return e.getClass().getSimpleName() + " (" + (problem == null ? "invalid YAML" : problem.replaceAll("\\s+", " ").strip())
          + (m == null ? "" : " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1)) + ")";
    }
    if (e instanceof YAMLException) {
      return e.getClass().getSimpleName();
    }
    String msg = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("").strip();
    return e.getClass().getSimpleName() + (msg.isEmpty() ? "" : " (" + (msg.length() > 200 ? msg.substring(0, 200) + "..." : msg) + ")");
  }

  /**
   * Reads a kubeconfig up to {@link #MAX_KUBECONFIG}.
   *
   * @throws TokenInput.TooLarge when it is larger (exit 2)
   * @throws IllegalArgumentException when it cannot be read
   */
  static byte[] readKubeconfig(Path file) {
    try {
      return CappedFile.read(file, MAX_KUBECONFIG, "the kubeconfig " + file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot use the kubeconfig " + file + ": "
          + (e instanceof NoSuchFileException ? "no such file" : e.getClass().getSimpleName()));
    }
  }

  /**
   * The namespace of the mount's {@code namespace} file, read up to {@link #MAX_NAMESPACE}; "default" when it cannot be read.
   *
   * @throws TokenInput.TooLarge when the file is larger (exit 2)
   */
  static String inClusterNamespace(Path mount) {
    Path file = mount.resolve("namespace");
    try {
      return new String(CappedFile.read(file, MAX_NAMESPACE, "the namespace file " + file), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "default";
    }
  }
}
