package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.core.ServiceAccount;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.FakePodMount;
import dev.saidentity.testing.SettableClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** whoami (healthy, rotated, stale, legacy, missing; online against the fake), audit (exit codes, formats), demo. */
class WhoamiAuditDemoTest extends CliRunner {

  @TempDir
  Path dir;
  final SettableClock clock = SettableClock.startingNow();
  final FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().tls(true).clock(clock).start();

  @AfterEach
  void stop() {
    server.close();
  }


  /** whoami with a controlled environment and clock (the command's seams). */
  int whoami(Map<String, String> env, String... args) {
    WhoamiCommand cmd = new WhoamiCommand();
    cmd.env = env;
    cmd.clock = clock;
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CommandLine cl = new CommandLine(cmd);
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    int code = cl.execute(args);
    out = o.toString().strip();
    err = e.toString();
    return code;
  }

  Map<String, String> inCluster() {
    return Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1", "KUBERNETES_SERVICE_PORT", Integer.toString(server.port()));
  }

  List<String> ids() {
    List<String> ids = new ArrayList<>();
    JsonArray f = JsonParser.parseString(out).getAsJsonObject().getAsJsonArray("findings");
    f.forEach(x -> ids.add(x.getAsJsonObject().get("id").getAsString()));
    return ids;
  }

  FakePodMount mountFor(String saName, String podName) {
    server.createServiceAccount("default", saName);
    String podUid = server.createPod("default", podName, saName, null);
    ServiceAccount sa = server.serviceAccount("default", saName).orElseThrow();
    String token = server.issuer().projected(sa).boundToPod(podName, podUid).kubeletExtended().mint();
    return FakePodMount.projected(dir, "default", token, server.caCertificatePem(), clock);
  }

  @Test
  void whoami_healthyMount_online_hasNoFinding_andPrintsTheIdentity() {
    try (FakePodMount m = mountFor("api", "api-1")) {
      assertThat(whoami(inCluster(), "--mount", m.path().toString(), "--format", "json")).as(out + err).isZero();
      JsonObject j = JsonParser.parseString(out).getAsJsonObject();
      assertThat(j.keySet()).containsExactly("identity", "findings");
      assertThat(j.getAsJsonObject("identity").get("username").getAsString()).isEqualTo("system:serviceaccount:default:api");
      assertThat(j.getAsJsonObject("identity").getAsJsonObject("pod").get("name").getAsString()).isEqualTo("api-1");
      assertThat(ids()).isEmpty();
      assertThat(whoami(inCluster(), "--mount", m.path().toString())).isZero();
      assertThat(out).contains("identity:   system:serviceaccount:default:api").contains("no findings")
          .contains("permissions (SelfSubjectRulesReview, ").contains("[create] on [selfsubjectaccessreviews, selfsubjectrulesreviews]");
    }
  }

  @Test
  void whoami_staleRotatedAndOld_offlineFindings() {
    try (FakePodMount m = mountFor("api", "api-1")) {
      clock.advance(Duration.ofHours(2));
      assertThat(whoami(Map.of(), "--mount", m.path().toString(), "--offline", "--format", "json")).isZero();
      assertThat(ids()).containsExactly("SAI-104", "SAI-107", "SAI-108");
      assertThat(whoami(Map.of(), "--mount", m.path().toString(), "--offline", "--format", "json", "--fail-on", "warning")).isEqualTo(1);
      ServiceAccount sa = server.serviceAccount("default", "api").orElseThrow();
      m.rotate(server.issuer().projected(sa).kubeletExtended().mint());
      assertThat(whoami(Map.of(), "--mount", m.path().toString(), "--offline", "--format", "json")).isZero();
      assertThat(ids()).containsExactly("SAI-108");
      m.namespace("other");
      assertThat(whoami(Map.of(), "--mount", m.path().toString(), "--offline", "--format", "json")).isEqualTo(1);
      assertThat(ids()).containsExactly("SAI-102", "SAI-108");
      m.namespace("default");
      m.rotate(server.issuer().projected(sa).expiresIn(Duration.ofMinutes(10)).issuedAt(clock.instant().minus(Duration.ofHours(1))).mint());
      assertThat(whoami(Map.of(), "--mount", m.path().toString(), "--offline", "--format", "json")).isEqualTo(1);
      assertThat(ids()).contains("SAI-103");
    }
  }

  @Test
  void whoami_legacyDefaultAndMissingMounts() throws Exception {
    server.createServiceAccount("default", "old");
    String legacy = server.createLegacyTokenSecret("default", "old", "old-token-x7k2p");
    try (FakePodMount m = FakePodMount.legacySecret(dir, "default", legacy, server.caCertificatePem())) {
      assertThat(whoami(inCluster(), "--mount", m.path().toString(), "--format", "json")).isZero();
      assertThat(ids()).containsExactly("SAI-105");
    }
    ServiceAccount def = server.serviceAccount("default", "default").orElseThrow();
    server.create("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: oops, namespace: default}\n"
        + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
        + "subjects: [{kind: ServiceAccount, name: default, namespace: default}]\n");
    try (FakePodMount m = FakePodMount.projected(dir, "default", server.issuer().projected(def).mint(), server.caCertificatePem(), clock)) {
      assertThat(whoami(inCluster(), "--mount", m.path().toString(), "--format", "json")).isZero();
      assertThat(ids()).containsExactly("SAI-106", "SAI-110", "SAI-111");
    }
    assertThat(whoami(Map.of(), "--mount", dir.resolve("nothing").toString(), "--format", "json")).isEqualTo(1);
    assertThat(ids()).containsExactly("SAI-101", "SAI-108");
    assertThat(JsonParser.parseString(out).getAsJsonObject().get("identity").isJsonNull()).isTrue();
    assertThat(whoami(Map.of(), "--fail-on", "fatal")).isEqualTo(2);
  }

  @Test
  void whoami_apiServerDisagrees_isSai109() {
    try (FakePodMount m = mountFor("api", "api-1")) {
      server.delete("v1", "Pod", "default", "api-1");
      assertThat(whoami(inCluster(), "--mount", m.path().toString(), "--format", "json")).isEqualTo(1);
      assertThat(ids()).containsExactly("SAI-109");
    }
  }

  @Test
  void audit_manifests_formatsAndExitCodes() throws Exception {
    Path clean = Files.writeString(dir.resolve("clean.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api}\n"
        + "automountServiceAccountToken: false\n");
    assertThat(run("audit", "-f", clean.toString())).isZero();
    assertThat(out).isEqualTo("0 findings: 0 error, 0 warning, 0 info");
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
        + "metadata: {name: x}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
        + "subjects: [{kind: ServiceAccount, name: ci, namespace: build}]\n");
    assertThat(run("audit", "-f", bad.toString(), "--format", "json")).isEqualTo(1);
    JsonObject f = JsonParser.parseString(out).getAsJsonObject().getAsJsonArray("findings").get(0).getAsJsonObject();
    assertThat(f.keySet()).containsExactly("id", "severity", "resource", "message", "remedy", "file", "line");
    assertThat(f.get("file").getAsString()).isEqualTo(bad.toString());
    assertThat(f.get("line").getAsInt()).isEqualTo(1);
    assertThat(f.get("id").getAsString()).isEqualTo("SAI-011");
    assertThat(f.getAsJsonObject("resource").toString()).isEqualTo("{\"kind\":\"ClusterRoleBinding\",\"namespace\":\"\",\"name\":\"x\"}");
    assertThat(run("audit", "-f", clean.toString(), "--format", "sarif")).isZero();
    assertThat(JsonParser.parseString(out).getAsJsonObject().get("version").getAsString()).isEqualTo("2.1.0");
    assertThat(run("audit", "-f", dir.toString(), "--fail-on", "info", "--format", "json")).isEqualTo(1);
    Files.writeString(dir.resolve("broken.yaml"), "kind: [\n");
    assertThat(run("audit", "-f", dir.resolve("broken.yaml").toString())).isEqualTo(2);
    assertThat(err.strip()).startsWith(dir.resolve("broken.yaml") + ":2:1: invalid YAML").doesNotContain("\n");
    assertThat(run("audit", "-f", dir.resolve("missing.yaml").toString())).isEqualTo(2);
    assertThat(run("audit")).isEqualTo(2);
    assertThat(run("audit", "-f", clean.toString(), "--cluster")).isEqualTo(2);
  }

  @Test
  void audit_cluster() {
    server.createNamespace("shop");
    server.createPod("shop", "web", "default", null);
    String kc = server.writeKubeconfig(dir.resolve("kc")).toString();
    assertThat(run("audit", "--cluster", "--kubeconfig", kc, "-n", "shop", "--format", "json", "--fail-on", "warning")).isEqualTo(1);
    assertThat(out).contains("\"SAI-001\"");
  }

  @Test
  void audit_clusterThatCannotBeListed_exits2_notTheFindingsCode() throws Exception {
    String kc = server.writeKubeconfig(dir.resolve("kc")).toString();
    server.close(); // nothing listens there any more
    assertThat(run("audit", "--cluster", "--kubeconfig", kc)).isEqualTo(2);
    assertThat(err.strip()).startsWith("sa-identity audit: ").doesNotContain("\n");
  }

  @Test
  void demo_runsToTheEnd() {
    assertThat(run("demo")).as(err).isZero();
    assertThat(out).contains("== 8. Audit the cluster").contains("REVOKED").doesNotContain("eyJ");
  }
}
