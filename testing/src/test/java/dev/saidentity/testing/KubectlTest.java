package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.core.UnverifiedToken;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kubectl as a real client of the fake (over HTTPS: kubectl sends bearer tokens only over TLS).
 * Skipped, with a message saying so, where kubectl is not installed.
 */
class KubectlTest {

  @TempDir
  Path dir;
  FakeKubernetesApiServer server;
  Path kubeconfig;

  static Optional<Path> kubectl(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String d : path.split(File.pathSeparator)) {
      Path p = Path.of(d, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  @BeforeEach
  void start() {
    Assumptions.assumeTrue(kubectl("kubectl").isPresent(), "kubectl is not on the PATH: the kubectl tests are skipped");
    server = FakeKubernetesApiServer.builder().tls(true).start();
    kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  record Run(int code, String out, String err) {}

  Run kubectl(String stdin, String... args) throws Exception {
    return kubectlWith(kubectl("kubectl").orElseThrow(), stdin, args);
  }

  Run kubectlWith(Path binary, String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("HOME", dir.toString());
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip(), new String(err, StandardCharsets.UTF_8).strip());
  }

  Run ok(String stdin, String... args) throws Exception {
    Run r = kubectl(stdin, args);
    assertThat(r.code()).as("kubectl %s: %s", String.join(" ", args), r.err()).isZero();
    return r;
  }

  @Test
  void createNamespaceServiceAccountAndTokens() throws Exception {
    assertThat(ok(null, "create", "namespace", "demo").out()).isEqualTo("namespace/demo created");
    assertThat(ok(null, "create", "serviceaccount", "api", "-n", "demo").out()).isEqualTo("serviceaccount/api created");
    String token = ok(null, "create", "token", "api", "-n", "demo", "--audience", "vault", "--duration", "20m").out();
    UnverifiedToken t = UnverifiedToken.decode(token);
    assertThat(t.serviceAccount().username()).isEqualTo("system:serviceaccount:demo:api");
    assertThat(t.audiences()).containsExactly("vault");
    assertThat(t.expiresAt().orElseThrow().getEpochSecond() - t.issuedAt().orElseThrow().getEpochSecond()).isEqualTo(1200);
    assertThat(server.issuer().validator().audience("vault").build().validate(token).username()).isEqualTo(t.serviceAccount().username());

    String pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: demo\nspec:\n  serviceAccountName: api\n"
        + "  containers:\n  - name: app\n    image: nginx\n";
    Files.writeString(dir.resolve("pod.yaml"), pod);
    assertThat(ok(null, "apply", "-f", dir.resolve("pod.yaml").toString()).out()).isEqualTo("pod/web created");
    String bound = ok(null, "create", "token", "api", "-n", "demo", "--bound-object-kind", "Pod", "--bound-object-name", "web").out();
    assertThat(UnverifiedToken.decode(bound).pod().orElseThrow().name()).isEqualTo("web");

    String review = "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + token
        + "\",\"audiences\":[\"vault\"]}}";
    JsonObject status = JsonParser.parseString(ok(review, "create", "--raw", "/apis/authentication.k8s.io/v1/tokenreviews", "-f", "-").out())
        .getAsJsonObject().getAsJsonObject("status");
    assertThat(status.get("authenticated").getAsBoolean()).isTrue();
    assertThat(status.getAsJsonObject("user").get("username").getAsString()).isEqualTo("system:serviceaccount:demo:api");
  }

  @Test
  void authWhoamiAndCanI_beforeAndAfterARoleBinding() throws Exception {
    ok(null, "create", "namespace", "demo");
    ok(null, "create", "serviceaccount", "api", "-n", "demo");
    assertThat(ok(null, "auth", "whoami", "-o", "json").out()).contains("\"username\": \"kubernetes-admin\"");
    String token = ok(null, "create", "token", "api", "-n", "demo").out();
    Path saConfig = Files.writeString(dir.resolve("sa-kubeconfig"), server.kubeconfig(token, "demo"));
    Path admin = kubeconfig;
    kubeconfig = saConfig;
    assertThat(ok(null, "auth", "whoami", "-o", "json").out()).contains("\"username\": \"system:serviceaccount:demo:api\"");
    Run before = kubectl(null, "auth", "can-i", "list", "pods", "-n", "demo");
    assertThat(before.out()).isEqualTo("no");
    assertThat(before.code()).isEqualTo(1);
    kubeconfig = admin;
    ok(null, "create", "role", "pod-reader", "-n", "demo", "--verb=get,list", "--resource=pods");
    ok(null, "create", "rolebinding", "api-pods", "-n", "demo", "--role=pod-reader", "--serviceaccount=demo:api");
    kubeconfig = saConfig;
    assertThat(ok(null, "auth", "can-i", "list", "pods", "-n", "demo").out()).isEqualTo("yes");
    assertThat(kubectl(null, "auth", "can-i", "delete", "pods", "-n", "demo").out()).isEqualTo("no");
    kubeconfig = admin;
    assertThat(ok(null, "auth", "can-i", "list", "pods", "-n", "demo", "--as=system:serviceaccount:demo:api").out()).isEqualTo("yes");
  }

  @Test
  void discoveryDocuments_viaGetRaw() throws Exception {
    JsonObject config = JsonParser.parseString(ok(null, "get", "--raw", "/.well-known/openid-configuration").out()).getAsJsonObject();
    assertThat(config.get("issuer").getAsString()).isEqualTo(server.url());
    assertThat(config.get("jwks_uri").getAsString()).isEqualTo(server.url() + "/openid/v1/jwks");
    assertThat(ok(null, "get", "--raw", "/openid/v1/jwks").out()).isEqualTo(server.issuer().jwks());
    assertThat(ok(null, "version", "-o", "json").out()).contains("\"gitVersion\": \"v1.33.0-sa-identity-fake\"");
  }

  @Test
  void olderKubectls_speakToTheFakeToo() throws Exception {
    Path kubectlPath = kubectl("kubectl").orElseThrow().toRealPath();
    List<Path> olds = new ArrayList<>();
    for (String v : List.of("1.27", "1.30")) {
      Path p = kubectlPath.resolveSibling("kubectl." + v);
      if (Files.isExecutable(p)) {
        olds.add(p);
      }
    }
    Assumptions.assumeFalse(olds.isEmpty(), "no versioned kubectl.1.NN beside " + kubectlPath);
    int n = 0;
    for (Path k : olds) {
      String ns = "old" + n++;
      assertThat(kubectlWith(k, null, "create", "namespace", ns).out()).isEqualTo("namespace/" + ns + " created");
      assertThat(kubectlWith(k, null, "create", "serviceaccount", "api", "-n", ns).out()).isEqualTo("serviceaccount/api created");
      String token = kubectlWith(k, null, "create", "token", "api", "-n", ns).out();
      assertThat(UnverifiedToken.decode(token).serviceAccount().namespace()).isEqualTo(ns);
      Run whoami = kubectlWith(k, null, "auth", "whoami");
      assertThat(whoami.out()).as(k + " auth whoami: " + whoami.err()).contains("kubernetes-admin");
      assertThat(kubectlWith(k, null, "auth", "can-i", "list", "pods", "-n", ns).out()).isEqualTo("yes");
    }
  }
}
