package dev.saidentity.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.testing.FakeKubernetesApiServer;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuditorTest {

  static List<AuditFinding> audit(String yaml) {
    return Auditor.audit(Inventory.fromManifests(Manifests.parse("test.yaml", yaml)));
  }

  static List<String> ids(List<AuditFinding> f) {
    return f.stream().map(AuditFinding::id).distinct().sorted().collect(Collectors.toList());
  }

  static final String CLEAN = """
      apiVersion: v1
      kind: ServiceAccount
      metadata: {name: api, namespace: shop}
      automountServiceAccountToken: false
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: api, namespace: shop}
      spec:
        template:
          spec:
            serviceAccountName: api
            automountServiceAccountToken: true
            containers: [{name: app, image: app}]
            volumes:
            - name: vault
              projected:
                sources:
                - serviceAccountToken: {audience: vault, expirationSeconds: 3600, path: token}
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: RoleBinding
      metadata: {name: api, namespace: shop}
      roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
      subjects: [{kind: ServiceAccount, name: api, namespace: shop}]
      """;

  @Test
  void cleanManifests_haveNoFinding() {
    assertThat(audit(CLEAN)).isEmpty();
  }

  @Test
  void everyCheck_isFound() {
    String bad = """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: api, namespace: shop}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p1, namespace: shop}
        spec:
          serviceAccount: api
          containers: [{name: c, image: i}]
          volumes:
          - name: legacy
            secret: {secretName: old-sa-token-abc12}
          - name: long
            projected:
              sources:
              - serviceAccountToken: {expirationSeconds: 172800, path: t}
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly, namespace: shop}
        spec:
          jobTemplate:
            spec:
              template:
                spec:
                  containers: [{name: c, image: i}]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: shop}
        spec:
          template:
            spec:
              serviceAccountName: ghost
              containers: [{name: c, image: i}]
        ---
        apiVersion: v1
        kind: Secret
        type: kubernetes.io/service-account-token
        metadata:
          name: orphan-token
          namespace: shop
          annotations: {kubernetes.io/service-account.name: gone}
          labels: {kubernetes.io/legacy-token-last-used: "2026-01-02"}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: everyone-admin}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
        subjects:
        - {kind: ServiceAccount, name: default, namespace: shop}
        - {kind: Group, name: "system:serviceaccounts"}
        """;
    List<AuditFinding> f = audit(bad);
    assertThat(ids(f)).containsExactly("SAI-001", "SAI-002", "SAI-003", "SAI-004", "SAI-005", "SAI-006", "SAI-007", "SAI-008", "SAI-009",
        "SAI-010", "SAI-011", "SAI-012");
    assertThat(f).filteredOn(x -> x.id().equals("SAI-003")).singleElement()
        .satisfies(x -> assertThat(x.message()).contains("last used: 2026-01-02").contains("invalid since: not marked"));
    assertThat(f).filteredOn(x -> x.id().equals("SAI-001")).extracting(x -> x.resource().name()).containsExactly("nightly");
    assertThat(f).filteredOn(x -> x.id().equals("SAI-009")).extracting(x -> x.resource().name()).containsExactly("db");
    assertThat(f).filteredOn(x -> x.id().equals("SAI-011")).singleElement()
        .satisfies(x -> assertThat(x.resource()).isEqualTo(new AuditFinding.Resource("ClusterRoleBinding", "", "everyone-admin")));
  }

  @ParameterizedTest(name = "pod={0} sa={1} -> automount={2}, byDefault={3}")
  @CsvSource({
    "unset, unset, true, true",
    "unset, true, true, false",
    "unset, false, false, false",
    "true, unset, true, false",
    "true, false, true, false",
    "false, unset, false, false",
    "false, true, false, false",
  })
  void effectiveAutomount_podWins_thenServiceAccount_thenTrue(String pod, String sa, boolean automount, boolean byDefault) {
    String yaml = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: shop}\n"
        + (sa.equals("unset") ? "" : "automountServiceAccountToken: " + sa + "\n")
        + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
        + (pod.equals("unset") ? "" : "  automountServiceAccountToken: " + pod + "\n") + "  containers: [{name: c, image: i}]\n";
    List<String> ids = ids(audit(yaml));
    assertThat(ids.contains("SAI-001")).as("SAI-001 (default SA with a token)").isEqualTo(automount);
    // One cause, one finding: the ServiceAccount is in the input, so a token mounted only by default is
    // reported on it (SAI-010), where it is fixed, and never again on the pod (SAI-002).
    assertThat(ids.contains("SAI-010")).as("SAI-010 (the ServiceAccount leaves automount unset)").isEqualTo(sa.equals("unset"));
    assertThat(ids).doesNotContain("SAI-002");
    assertThat(byDefault).isEqualTo(pod.equals("unset") && sa.equals("unset"));
  }

  @Test
  void existenceChecks_applyOnlyWhereTheInputDefinesServiceAccounts() {
    String workloadOnly = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: other}\nspec:\n  serviceAccountName: api\n"
        + "  automountServiceAccountToken: false\n  containers: [{name: c, image: i}]\n";
    assertThat(ids(audit(workloadOnly))).doesNotContain("SAI-009");
    assertThat(ids(audit(workloadOnly + "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x, namespace: other}\n"
        + "automountServiceAccountToken: false\n"))).contains("SAI-009");
    String list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  type: kubernetes.io/service-account-token\n"
        + "  metadata: {name: t, namespace: shop}\n";
    assertThat(ids(audit(list))).containsExactly("SAI-003");
  }

  @Test
  void deprecatedField_flaggedOnlyWhenReliedOn_andDefaultPolicyBindingsAreNotFindings() {
    String both = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  serviceAccount: api\n"
        + "  serviceAccountName: api\n  automountServiceAccountToken: false\n  containers: [{name: c, image: i}]\n";
    assertThat(ids(audit(both))).doesNotContain("SAI-012");
    String bootstrap = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: system:service-account-issuer-discovery\n"
        + "  labels: {kubernetes.io/bootstrapping: rbac-defaults}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole,"
        + " name: system:service-account-issuer-discovery}\nsubjects: [{kind: Group, name: \"system:serviceaccounts\"}]\n";
    assertThat(audit(bootstrap)).isEmpty();
    assertThat(ids(audit(bootstrap.replace("  labels: {kubernetes.io/bootstrapping: rbac-defaults}\n", "")))).containsExactly("SAI-007");
  }

  @Test
  void legacySecretMount_byTypeWhenKnown_byNameWhenNot() {
    String pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  automountServiceAccountToken: false\n"
        + "  serviceAccountName: app\n  containers: [{name: c, image: i}]\n  volumes:\n  - name: s\n    secret: {secretName: %s}\n";
    assertThat(ids(audit(String.format(pod, "app-token-x7k2p")))).contains("SAI-004");
    assertThat(ids(audit(String.format(pod, "app-config")))).doesNotContain("SAI-004");
    assertThat(ids(audit(String.format(pod, "app-token-x7k2p") + "---\napiVersion: v1\nkind: Secret\ntype: Opaque\n"
        + "metadata: {name: app-token-x7k2p, namespace: shop}\n"))).doesNotContain("SAI-004");
  }

  @Test
  void reports_jsonAndSarif() {
    List<AuditFinding> f = audit("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api}\n");
    String json = Reports.json(f);
    assertThat(json).isEqualTo("{\"findings\":[{\"id\":\"SAI-010\",\"severity\":\"info\",\"resource\":{\"kind\":\"ServiceAccount\","
        + "\"namespace\":\"\",\"name\":\"api\"},\"message\":\"ServiceAccount api leaves automountServiceAccountToken unset,"
        + " so pods get its token unless they opt out\",\"remedy\":\"set automountServiceAccountToken: false on the ServiceAccount and true"
        + " only on pods that call the API\",\"file\":\"test.yaml\",\"line\":1}]}");
    JsonObject sarif = JsonParser.parseString(Reports.sarif(f)).getAsJsonObject();
    assertThat(sarif.get("version").getAsString()).isEqualTo("2.1.0");
    JsonObject run = sarif.getAsJsonArray("runs").get(0).getAsJsonObject();
    assertThat(run.getAsJsonObject("tool").getAsJsonObject("driver").getAsJsonArray("rules")).hasSize(17);
    assertThat(run.getAsJsonArray("results").get(0).getAsJsonObject().get("level").getAsString()).isEqualTo("note");
    assertThat(Reports.text(f)).endsWith("1 findings: 0 error, 0 warning, 1 info\n");
  }

  @Test
  void brokenYamlOrMissingFile_namesTheFileAndPosition(@TempDir Path dir) throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n");
    assertThatThrownBy(() -> Manifests.read(List.of(bad))).isInstanceOf(ManifestException.class)
        .hasMessageStartingWith(bad + ":4:1: invalid YAML");
    assertThatThrownBy(() -> Manifests.read(List.of(dir.resolve("nope.yaml")))).hasMessage(dir.resolve("nope.yaml") + ": cannot read the file (no such file)");
    Files.writeString(dir.resolve("sub.yml"), CLEAN);
    Files.delete(bad);
    assertThat(Manifests.read(List.of(dir))).hasSize(3);
  }

  @Test
  void clusterAudit_throughClientJava_againstTheFake() {
    try (FakeKubernetesApiServer server = FakeKubernetesApiServer.start()) {
      server.createNamespace("shop");
      server.createServiceAccount("shop", "api");
      server.createPod("shop", "web", "default", null);
      server.createLegacyTokenSecret("shop", "api", "api-token-abcde");
      server.create("{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"bad\",\"namespace\":\"shop\"},"
          + "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"view\"},"
          + "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"default\",\"namespace\":\"shop\"}]}");
      var client = new ClientBuilder().setBasePath(server.url()).setAuthentication(new AccessTokenAuthentication(server.adminToken())).build();
      List<AuditFinding> f = Auditor.audit(ClusterInventory.load(client, "shop"));
      assertThat(ids(f)).contains("SAI-001", "SAI-003", "SAI-006", "SAI-010");
      assertThat(f).filteredOn(x -> x.id().equals("SAI-001")).extracting(x -> x.resource().name()).containsExactly("web");
    }
  }
  @Test
  void manyWorkloads_areAuditedInLinearTime() {
    // 50,000 pods (a 5.7 MB file) took more than 300 s: every pod looked its ServiceAccount up by a scan of all objects.
    java.util.List<KubeObject> objects = new java.util.ArrayList<>();
    objects.add(KubeObject.of(java.util.Map.of("kind", "ServiceAccount", "metadata", java.util.Map.of("name", "x"),
        "automountServiceAccountToken", false)));
    for (int i = 0; i < 30_000; i++) {
      objects.add(KubeObject.of(java.util.Map.of("kind", "Pod", "metadata", java.util.Map.of("name", "p" + i),
          "spec", java.util.Map.of("serviceAccountName", "s" + i, "automountServiceAccountToken", false,
              "volumes", java.util.List.of(java.util.Map.of("name", "v", "secret", java.util.Map.of("secretName", "sec" + i)))))));
    }
    java.util.List<AuditFinding> f = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
        () -> Auditor.audit(Inventory.fromManifests(objects)));
    assertThat(f).filteredOn(x -> x.id().equals("SAI-009")).hasSize(30_000);
  }
}
