package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kubectl 1.33 and 1.27 (the {@code kubectl.1.NN} beside the real path of the PATH's kubectl) against
 * the fake over HTTPS, with the kubeconfig it writes: {@code get -w} prints a ServiceAccount created
 * after it started watching, {@code apply --server-side} creates and then updates a ServiceAccount and
 * a RoleBinding, and {@code get -l 'app in (a,b)'} selects by a set. Skipped, saying so, where a
 * version is not installed.
 */
class KubectlWatchApplyTest {

  static final Duration DEADLINE = Duration.ofSeconds(60);

  @TempDir
  Path dir;
  FakeKubernetesApiServer server;
  Map<String, String> env;

  @BeforeEach
  void start() {
    server = FakeKubernetesApiServer.builder().tls(true).start();
    Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
    env = Map.of("KUBECONFIG", kubeconfig.toString(), "HOME", dir.toString());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** {@code kubectl.<version>} beside the real path of {@code which kubectl}; skips the test, saying so, when there is none. */
  static Path kubectl(String version) throws Exception {
    Path kubectl = KubectlTest.kubectl("kubectl").orElse(null);
    String skip = null;
    Path versioned = null;
    if (kubectl == null) {
      skip = "kubectl is not on the PATH: kubectl " + version + " is not tried";
    } else {
      versioned = kubectl.toRealPath().resolveSibling("kubectl." + version);
      if (!Files.isExecutable(versioned)) {
        skip = "no " + versioned + ": kubectl " + version + " is not tried";
      }
    }
    if (skip != null) {
      System.out.println("KubectlWatchApplyTest: SKIPPED: " + skip);
    }
    Assumptions.assumeTrue(skip == null, skip);
    return versioned;
  }

  RealClients.Result ok(Path kubectl, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(kubectl.toString());
    cmd.addAll(List.of(args));
    RealClients.Result r = RealClients.run(cmd, dir, env, DEADLINE);
    assertThat(r.code()).as("%s %s: %s", kubectl.getFileName(), String.join(" ", args), r.err()).isZero();
    return r;
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void getWatch_printsAServiceAccountCreatedAfterItStarted(String version) throws Exception {
    Path kubectl = kubectl(version);
    server.createNamespace("watched");
    try (RealClients.Streaming watch = new RealClients.Streaming(
        List.of(kubectl.toString(), "get", "sa", "-n", "watched", "-w", "--request-timeout=" + DEADLINE.toSeconds() + "s"), dir, env)) {
      // The list comes first (the namespace's default ServiceAccount), then the watch from its resourceVersion.
      watch.awaitLine(l -> l.startsWith("default "), "kubectl " + version + " listing default", DEADLINE);
      server.createServiceAccount("watched", "later");
      String line = watch.awaitLine(l -> l.startsWith("later "), "kubectl " + version + " printing the ServiceAccount created later", DEADLINE);
      assertThat(line).matches("later\\s+.*");
    }
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void applyServerSide_createsThenUpdates(String version) throws Exception {
    Path kubectl = kubectl(version);
    server.createNamespace("applied");
    Path sa = dir.resolve("sa.yaml");
    Path rb = dir.resolve("rb.yaml");
    String rbYaml = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: api-view\n  namespace: applied\n"
        + "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\nsubjects:\n"
        + "- kind: ServiceAccount\n  name: api\n  namespace: applied\n";
    Files.writeString(sa, saYaml("1"));
    Files.writeString(rb, rbYaml);
    String created = ok(kubectl, "apply", "--server-side", "--field-manager=sa-identity-test", "-f", sa.toString(), "-f", rb.toString()).out();
    assertThat(created.lines()).containsExactly("serviceaccount/api serverside-applied",
        "rolebinding.rbac.authorization.k8s.io/api-view serverside-applied");
    String uid = server.serviceAccount("applied", "api").orElseThrow().uid().orElseThrow();

    Files.writeString(sa, saYaml("2"));
    Files.writeString(rb, rbYaml + "- kind: ServiceAccount\n  name: default\n  namespace: applied\n");
    String updated = ok(kubectl, "apply", "--server-side", "--field-manager=sa-identity-test", "-f", sa.toString(), "-f", rb.toString()).out();
    assertThat(updated.lines()).containsExactly("serviceaccount/api serverside-applied",
        "rolebinding.rbac.authorization.k8s.io/api-view serverside-applied");
    assertThat(server.serviceAccount("applied", "api").orElseThrow().uid()).contains(uid);
    assertThat(ok(kubectl, "get", "sa", "api", "-n", "applied", "-o", "jsonpath={.metadata.labels.rev}").out()).isEqualTo("2");
    assertThat(ok(kubectl, "get", "rolebinding", "api-view", "-n", "applied", "-o", "jsonpath={.subjects[*].name}").out())
        .isEqualTo("api default");
  }

  static String saYaml(String rev) {
    return "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: applied\n  labels:\n    app: a\n    rev: \"" + rev + "\"\n";
  }

  @ParameterizedTest(name = "kubectl {0}")
  @ValueSource(strings = {"1.33", "1.27"})
  void getWithASetBasedSelector(String version) throws Exception {
    Path kubectl = kubectl(version);
    server.createNamespace("selected");
    server.create(labelled("sa-a", "a") + "---\n" + labelled("sa-b", "b") + "---\n" + labelled("sa-x", "x"));
    assertThat(ok(kubectl, "get", "sa", "-n", "selected", "-l", "app in (a,b)", "-o", "name").out().lines())
        .containsExactly("serviceaccount/sa-a", "serviceaccount/sa-b");
    assertThat(ok(kubectl, "get", "sa", "-n", "selected", "-l", "app notin (a,b)", "-o", "name").out().lines())
        .containsExactly("serviceaccount/default", "serviceaccount/sa-x");
  }

  static String labelled(String name, String app) {
    return "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: " + name + "\n  namespace: selected\n  labels:\n    app: " + app + "\n";
  }
}
