package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 13 for the files the online commands and the fake cluster read: the kubeconfig (1 MiB),
 * the in-cluster namespace (4 KiB) and {@code --seed} (64 MiB) are read up to their caps, checked while
 * reading; over a cap is one line and exit 2. Big inputs are sparse files: no test needs a big heap.
 */
class KubeInputBoundsTest extends CliRunner {

  private static final Duration QUICKLY = Duration.ofSeconds(15);

  @TempDir
  Path dir;

  private Path sparse(String name, long size) throws Exception {
    Path p = dir.resolve(name);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(size);
    }
    return p;
  }

  @Test
  void kubeconfigOverOneMiB_exits2_withOneLine() throws Exception {
    Path kc = sparse("config", 3L << 30);
    for (String command : new String[] {"audit", "review"}) {
      String[] args = command.equals("audit") ? new String[] {"audit", "--cluster", "--kubeconfig", kc.toString()}
          : new String[] {"review", "--kubeconfig", kc.toString(), "some.token.text"};
      assertThat(assertTimeoutPreemptively(QUICKLY, () -> run(args))).as(command).isEqualTo(2);
      assertThat(err).as(command).isEqualTo("sa-identity " + command + ": the kubeconfig " + kc + " is larger than 1048576 bytes"
          + System.lineSeparator());
    }
  }

  @Test
  void validYamlKubeconfigOverOneMiB_exits2_beforeAnyConnection() throws Exception {
    // 2 MiB of comment, then a kubeconfig: valid YAML under SnakeYAML's own 3 MiB limit, so only a cap stops it.
    Path kc = Files.writeString(dir.resolve("big-config"), "# " + "x".repeat(2 << 20) + "\napiVersion: v1\nkind: Config\n"
        + "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\n"
        + "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n");
    assertThat(assertTimeoutPreemptively(QUICKLY, () -> run("audit", "--cluster", "--kubeconfig", kc.toString()))).isEqualTo(2);
    assertThat(err).isEqualTo("sa-identity audit: the kubeconfig " + kc + " is larger than 1048576 bytes" + System.lineSeparator());
  }

  @Test
  void brokenKubeconfig_isOneLine_withoutItsText() throws Exception {
    // SnakeYAML's messages quote the offending line: here the one holding the token.
    Path kc = Files.writeString(dir.resolve("broken-config"), "apiVersion: v1\nusers: [{name: u, user: {token: SECRET-TOKEN-TEXT}\n");
    for (String command : new String[] {"audit", "review"}) {
      String[] args = command.equals("audit") ? new String[] {"audit", "--cluster", "--kubeconfig", kc.toString()}
          : new String[] {"review", "--kubeconfig", kc.toString(), "some.token.text"};
      assertThat(assertTimeoutPreemptively(QUICKLY, () -> run(args))).as(command).isEqualTo(2);
      assertThat(err).as(command).doesNotContain("SECRET-T").startsWith("sa-identity " + command + ": cannot use the kubeconfig " + kc)
          .contains("line 3");
      assertThat(err.lines().filter(l -> !l.startsWith("Try '"))).as(command).hasSize(1);
    }
  }

  @Test
  void seedOverItsCap_exits2_withOneLine() throws Exception {
    Path seed = sparse("seed.yaml", 3L << 30);
    assertThat(assertTimeoutPreemptively(QUICKLY, () -> run("fake-cluster", "--seed", seed.toString()))).isEqualTo(2);
    assertThat(err).isEqualTo("sa-identity fake-cluster: --seed " + seed + " is larger than 67108864 bytes" + System.lineSeparator());
  }

  @Test
  void inClusterNamespaceOverFourKiB_isRefused() throws Exception {
    Path ns = sparse("namespace", 3L << 30);
    assertThatThrownBy(() -> assertTimeoutPreemptively(QUICKLY, () -> Kube.inClusterNamespace(dir)))
        .isInstanceOf(TokenInput.TooLarge.class)
        .hasMessage("the namespace file " + ns + " is larger than 4096 bytes");
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void inClusterNamespaceLinkedToDevZero_isRefused_quickly() throws Exception {
    Path ns = Files.createSymbolicLink(dir.resolve("namespace"), Path.of("/dev/zero"));
    assertThatThrownBy(() -> assertTimeoutPreemptively(QUICKLY, () -> Kube.inClusterNamespace(dir)))
        .isInstanceOf(TokenInput.TooLarge.class)
        .hasMessage("the namespace file " + ns + " is larger than 4096 bytes");
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void kubeconfigLinkedToDevZero_exits2_withOneLine() throws Exception {
    Path kc = Files.createSymbolicLink(dir.resolve("zero-config"), Path.of("/dev/zero"));
    assertThat(assertTimeoutPreemptively(QUICKLY, () -> run("audit", "--cluster", "--kubeconfig", kc.toString()))).isEqualTo(2);
    assertThat(err).isEqualTo("sa-identity audit: the kubeconfig " + kc + " is larger than 1048576 bytes" + System.lineSeparator());
  }

  @Test
  void inClusterNamespace_readAsBefore() throws Exception {
    assertThat(Kube.inClusterNamespace(dir)).isEqualTo("default");
    Files.writeString(dir.resolve("namespace"), "shop\n");
    assertThat(Kube.inClusterNamespace(dir)).isEqualTo("shop");
    Files.writeString(dir.resolve("namespace"), "x".repeat(4096));
    assertThat(Kube.inClusterNamespace(dir)).hasSize(4096);
  }
}
