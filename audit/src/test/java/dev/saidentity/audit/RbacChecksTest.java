package dev.saidentity.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** RBAC judged by what the rules grant (SAI-011, SAI-013 to SAI-017), with aggregated ClusterRoles resolved from the input. */
class RbacChecksTest {

  private static List<AuditFinding> audit(String yaml) {
    return Auditor.audit(Inventory.fromManifests(Manifests.parse("rbac.yaml", yaml)));
  }

  /** "ID binding" per finding of the RBAC checks. */
  private static List<String> rbac(String yaml) {
    return audit(yaml).stream().filter(f -> f.id().compareTo("SAI-011") >= 0 && !f.id().equals("SAI-012"))
        .map(f -> f.id() + " " + f.resource().name()).collect(Collectors.toList());
  }

  private static String clusterRole(String name, String rules) {
    return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: " + name + "}\nrules: " + rules + "\n---\n";
  }

  private static String crb(String name, String role) {
    return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: " + name + "}\n"
        + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: " + role + "}\n"
        + "subjects: [{kind: ServiceAccount, name: app, namespace: ops}]\n---\n";
  }

  private static String rb(String name, String roleKind, String role) {
    return "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: " + name + ", namespace: ops}\n"
        + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: " + roleKind + ", name: " + role + "}\n"
        + "subjects: [{kind: ServiceAccount, name: app}]\n---\n";
  }

  /** One input in which every RBAC check (and several others) fires; the SARIF test uses it too. */
  static final String ALL_CHECKS = clusterRole("everything", "[{apiGroups: ['*'], resources: ['*'], verbs: ['*']}, {nonResourceURLs: ['*'], verbs: ['*']}]")
      + crb("god", "everything")
      + clusterRole("wild", "[{apiGroups: [apps], resources: ['*'], verbs: [get]}]") + crb("wild", "wild")
      + clusterRole("secrets", "[{apiGroups: [''], resources: [secrets], verbs: [list]}]") + crb("secrets", "secrets")
      + clusterRole("pods", "[{apiGroups: [''], resources: [pods, pods/exec], verbs: [create]}]") + crb("pods", "pods")
      + clusterRole("esc", "[{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind, escalate]},"
          + " {apiGroups: [''], resources: [users], verbs: [impersonate]}]") + crb("esc", "esc")
      + clusterRole("tokens", "[{apiGroups: [''], resources: [serviceaccounts/token], verbs: [create]}]") + crb("tokens", "tokens")
      + "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: admin-to-default}\n"
      + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
      + "subjects: [{kind: ServiceAccount, name: default, namespace: ops}, {kind: Group, name: 'system:serviceaccounts'}]\n---\n"
      + "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\nmetadata: {name: t, namespace: ops,"
      + " annotations: {kubernetes.io/service-account.name: gone}}\n---\n"
      + "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: ops}\n---\n"
      + "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ops}\nspec:\n  serviceAccount: nobody\n  containers: [{name: c, image: i}]\n"
      + "  volumes: [{name: v, secret: {secretName: t}}, {name: w, projected: {sources: [{serviceAccountToken: {path: t, expirationSeconds: 99999}}]}}]\n";

  @Test
  void aRoleGrantingEverything_isClusterAdmin_whateverItsName_andReportedOnce() {
    // Argo CD's argocd-application-controller: cluster-admin's rules under its own name, bound to a ServiceAccount.
    String yaml = clusterRole("argocd-application-controller", "[{apiGroups: ['*'], resources: ['*'], verbs: ['*']}, {nonResourceURLs: ['*'], verbs: ['*']}]")
        + crb("argocd-application-controller", "argocd-application-controller");
    List<AuditFinding> f = audit(yaml);
    assertThat(f).extracting(AuditFinding::id).containsExactly("SAI-011");
    assertThat(f.get(0).message()).isEqualTo("ClusterRoleBinding argocd-application-controller binds ClusterRole argocd-application-controller,"
        + " which grants what cluster-admin grants (* verbs on * resources in * API groups) to ServiceAccount ops/app");
    assertThat(f.get(0).location()).contains(new Location("rbac.yaml", 6));
    // Not also SAI-013 (wildcards), SAI-014 (Secrets), SAI-015 (pods), SAI-016, SAI-017: one cause, one finding.
  }

  @Test
  void eachCheck_firesOnWhatItsRuleGrants() {
    assertThat(rbac(ALL_CHECKS)).containsExactly("SAI-011 admin-to-default", "SAI-011 god", "SAI-013 wild", "SAI-014 secrets",
        "SAI-015 pods", "SAI-016 esc", "SAI-017 tokens");
    List<AuditFinding> all = audit(ALL_CHECKS);
    assertThat(all.stream().filter(x -> x.id().equals("SAI-015")).findFirst().orElseThrow().message())
        .contains("create pods and exec into pods in every namespace");
    assertThat(all.stream().filter(x -> x.id().equals("SAI-016")).findFirst().orElseThrow().message()).contains("bind, escalate, impersonate");
    assertThat(all.stream().filter(x -> x.id().equals("SAI-011") && x.resource().name().equals("admin-to-default")).findFirst().orElseThrow()
        .message()).endsWith("binds cluster-admin to ServiceAccount ops/default, group system:serviceaccounts");
  }

  @Test
  void whatDoesNotGrantIt_isNotReported() {
    String yaml = clusterRole("named", "[{apiGroups: [''], resources: [secrets], resourceNames: [one], verbs: [get, list]}]") + crb("named", "named")
        + clusterRole("reader", "[{apiGroups: [''], resources: [pods, configmaps], verbs: [get, list, watch]}, {apiGroups: [apps],"
            + " resources: [deployments], verbs: [create]}]") + crb("reader", "reader")
        + clusterRole("exec-get", "[{apiGroups: [''], resources: [pods/exec], verbs: [get]}]") + crb("exec-get", "exec-get")
        // Secrets read in one namespace only (a RoleBinding): not cluster-wide.
        + clusterRole("ns-secrets", "[{apiGroups: [''], resources: [secrets], verbs: [get, list, watch]}]") + rb("ns-secrets", "ClusterRole", "ns-secrets")
        // A role not in the input: unknown, not guessed.
        + crb("unknown", "somebody-elses-role")
        // Granted to a user, not a ServiceAccount.
        + clusterRole("all", "[{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]")
        + "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: to-user}\n"
        + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: all}\nsubjects: [{kind: User, name: alice}]\n";
    assertThat(rbac(yaml)).isEmpty();
  }

  @Test
  void subresourceWildcards_andRoleBindings_matchAsUpstream() {
    String yaml = clusterRole("star-exec", "[{apiGroups: [''], resources: ['*/exec'], verbs: [create]}]") + crb("star-exec", "star-exec")
        + "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: maker, namespace: ops}\n"
        + "rules: [{apiGroups: [''], resources: [pods], verbs: ['*']}]\n---\n" + rb("maker", "Role", "maker")
        // The same Role name in another namespace does not count for ops.
        + "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: tokens, namespace: elsewhere}\n"
        + "rules: [{apiGroups: [''], resources: [serviceaccounts/token], verbs: [create]}]\n---\n" + rb("tokens", "Role", "tokens");
    List<AuditFinding> f = audit(yaml);
    assertThat(rbac(yaml)).containsExactlyInAnyOrder("SAI-013 maker", "SAI-015 maker", "SAI-015 star-exec");
    assertThat(f.stream().filter(x -> x.id().equals("SAI-015") && x.resource().name().equals("maker")).findFirst().orElseThrow().message())
        .contains("create pods in namespace ops");
    assertThat(f.stream().filter(x -> x.id().equals("SAI-015") && x.resource().name().equals("star-exec")).findFirst().orElseThrow().message())
        .contains("exec into pods in every namespace").doesNotContain("create pods");
  }

  @Test
  void aggregatedClusterRoles_areResolvedFromTheInput() {
    String yaml = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: monitoring}\n"
        + "aggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {rbac.example.com/aggregate-to-monitoring: 'true'}\n"
        + "  - matchExpressions: [{key: tier, operator: In, values: [secrets]}]\nrules: []\n---\n"
        + "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: part-a, labels: {rbac.example.com/aggregate-to-monitoring: 'true'}}\n"
        + "rules: [{apiGroups: [''], resources: [pods], verbs: [get]}]\n---\n"
        + "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: part-b, labels: {tier: secrets}}\n"
        + "rules: [{apiGroups: [''], resources: [secrets], verbs: [list]}]\n---\n"
        + "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: not-selected, labels: {tier: other}}\n"
        + "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n---\n"
        // Aggregation of an aggregated role, and a loop, resolve without running forever.
        + "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: outer, labels: {tier: secrets}}\n"
        + "aggregationRule: {clusterRoleSelectors: [{matchLabels: {tier: secrets}}]}\nrules: []\n---\n"
        + crb("monitoring", "monitoring") + crb("outer", "outer");
    assertThat(rbac(yaml)).containsExactly("SAI-014 monitoring", "SAI-014 outer");
  }
}
