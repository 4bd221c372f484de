package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Python client ({@code kubernetes}) and {@code @kubernetes/client-node} 1.x as real
 * clients of the fake over HTTPS, through the scripts in {@code src/test/clients}: each creates labelled
 * ServiceAccounts, lists them with a set-based selector, applies one server-side twice, watches for an
 * ADDED event and requests a token, printing a line a step. Skipped, with a message saying so, where
 * the interpreter or the client library is not installed ({@code .ci/run} installs both).
 */
class RealClientScriptsTest {

  /** The steps each script prints, in order, as {@code ok <step>: ...}. */
  static final List<String> STEPS = List.of("create-namespace", "create-serviceaccounts-with-labels", "list-label-selector-in",
      "server-side-apply-create", "server-side-apply-update", "watch-sees-added", "token-request");
  static final Duration DEADLINE = Duration.ofSeconds(120);
  static final Path CLIENTS = Path.of(System.getProperty("basedir", ".")).resolve("src/test/clients").toAbsolutePath();

  @TempDir
  Path dir;
  FakeKubernetesApiServer server;
  Path kubeconfig;

  @BeforeEach
  void start() {
    server = FakeKubernetesApiServer.builder().tls(true).start();
    kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** The first of {@code /usr/bin/python3} and the PATH's {@code python3} that can import {@code kubernetes}. */
  Optional<Path> pythonWithKubernetes() throws Exception {
    for (String candidate : List.of("/usr/bin/python3", "python3")) {
      Optional<Path> python = RealClients.executable(candidate);
      if (python.isPresent()
          && RealClients.run(List.of(python.get().toString(), "-c", "import kubernetes"), dir, Map.of(), Duration.ofSeconds(60)).code() == 0) {
        return python;
      }
    }
    return Optional.empty();
  }

  static void skipUnless(boolean condition, String message) {
    if (!condition) {
      System.out.println("RealClientScriptsTest: SKIPPED: " + message);
    }
    Assumptions.assumeTrue(condition, message);
  }

  @Test
  void pythonClient() throws Exception {
    Optional<Path> python = pythonWithKubernetes();
    skipUnless(python.isPresent(), "no python3 that imports kubernetes (apt-get install -y python3-kubernetes): the Python client is not tried");
    runScript("python", List.of(python.get().toString(), CLIENTS.resolve("python/smoke.py").toString(), kubeconfig.toString()));
  }

  @Test
  void nodeClient() throws Exception {
    Optional<Path> node = RealClients.executable("node");
    Path nodeDir = CLIENTS.resolve("node");
    skipUnless(node.isPresent(), "node is not on the PATH: @kubernetes/client-node is not tried");
    skipUnless(Files.isDirectory(nodeDir.resolve("node_modules/@kubernetes/client-node")),
        "no node_modules in " + nodeDir + " (run npm ci there): @kubernetes/client-node is not tried");
    runScript("node", List.of(node.get().toString(), nodeDir.resolve("smoke.mjs").toString(), kubeconfig.toString()));
  }

  void runScript(String name, List<String> command) throws Exception {
    // HOME is the test's own directory: no user's kubeconfig or client cache is read or written.
    RealClients.Result r = RealClients.run(command, dir, Map.of("HOME", dir.toString()), DEADLINE);
    // Checked before anything is printed, and without echoing it.
    assertThat(TokenLeakGuard.JWT.matcher(r.out() + r.err()).find()).as("%s printed something that looks like a token (output withheld)", name)
        .isFalse();
    System.out.println("RealClientScriptsTest " + name + " printed:\n" + r.out().indent(2)
        + (r.err().isEmpty() ? "" : "stderr:\n" + r.err().indent(2)));
    List<String> expected = new ArrayList<>();
    STEPS.forEach(s -> expected.add("ok " + s + ": "));
    assertThat(r.out().lines().filter(l -> l.startsWith("ok ")).map(l -> l.substring(0, l.indexOf(": ") + 2)).toList())
        .as("%s: the steps it passed (exit %d)\n%s\n%s", name, r.code(), r.out(), r.err())
        .containsExactlyElementsOf(expected);
    assertThat(r.out()).contains("all steps passed");
    assertThat(r.code()).as("%s exit code (-1: killed after %d s)", name, DEADLINE.toSeconds()).isZero();
  }
}
