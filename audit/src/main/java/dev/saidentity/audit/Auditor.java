package dev.saidentity.audit;

import dev.saidentity.core.Severity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The checks, SAI-001 to SAI-017, over an {@link Inventory}:
 *
 * <table>
 *   <caption>checks</caption>
 *   <tr><td>SAI-001</td><td>warning</td><td>workload runs as the {@code default} ServiceAccount with a token automounted</td></tr>
 *   <tr><td>SAI-002</td><td>info</td><td>token automounted only by default: neither the pod nor its ServiceAccount sets
 *       automountServiceAccountToken, and the ServiceAccount is not in the input (when it is, SAI-010 reports the cause once, on it)</td></tr>
 *   <tr><td>SAI-003</td><td>warning</td><td>a legacy token Secret exists</td></tr>
 *   <tr><td>SAI-004</td><td>error</td><td>a workload mounts a legacy token Secret</td></tr>
 *   <tr><td>SAI-005</td><td>warning</td><td>a legacy token Secret names a ServiceAccount that does not exist</td></tr>
 *   <tr><td>SAI-006</td><td>error</td><td>a binding grants a role to a {@code default} ServiceAccount</td></tr>
 *   <tr><td>SAI-007</td><td>error</td><td>a binding grants to system:serviceaccounts or system:serviceaccounts:NS</td></tr>
 *   <tr><td>SAI-008</td><td>warning</td><td>a projected serviceAccountToken source asks for more than 24 h</td></tr>
 *   <tr><td>SAI-009</td><td>error</td><td>a workload names a ServiceAccount that does not exist</td></tr>
 *   <tr><td>SAI-010</td><td>info</td><td>a ServiceAccount leaves automountServiceAccountToken unset (naming the workloads that get its token so)</td></tr>
 *   <tr><td>SAI-011</td><td>error</td><td>cluster-admin, or a role whose rules grant {@code *} verbs on {@code *} resources in {@code *} groups, is bound to ServiceAccounts</td></tr>
 *   <tr><td>SAI-012</td><td>info</td><td>a pod uses the deprecated serviceAccount field</td></tr>
 *   <tr><td>SAI-013</td><td>warning</td><td>a role bound to ServiceAccounts grants wildcard verbs, resources or API groups</td></tr>
 *   <tr><td>SAI-014</td><td>warning</td><td>ServiceAccounts may read Secrets cluster-wide (get, list or watch through a ClusterRoleBinding)</td></tr>
 *   <tr><td>SAI-015</td><td>warning</td><td>ServiceAccounts may create pods or pods/exec</td></tr>
 *   <tr><td>SAI-016</td><td>error</td><td>ServiceAccounts may bind or escalate roles, or impersonate</td></tr>
 *   <tr><td>SAI-017</td><td>warning</td><td>ServiceAccounts may create tokens of ServiceAccounts (serviceaccounts/token)</td></tr>
 * </table>
 *
 * <p>SAI-011 and SAI-013 to SAI-017 judge what a binding's role grants, from its rules (with
 * aggregated ClusterRoles resolved from the input; of roles not in the input, only cluster-admin is
 * known), to the binding's ServiceAccount subjects and {@code system:serviceaccounts} groups: one
 * finding per binding and check. A role that grants everything is reported once, as SAI-011, not
 * also as each of its parts. Rules limited by resourceNames do not read "all" Secrets.
 *
 * <p>The effective automount is the pod's field, else its ServiceAccount's, else true (upstream's
 * {@code shouldAutomount}). Bindings labelled {@code kubernetes.io/bootstrapping: rbac-defaults}
 * (Kubernetes' default policy) are not judged. SAI-012 flags a pod whose deprecated {@code
 * serviceAccount} is set and {@code serviceAccountName} is not (or differs): the API server fills
 * both in stored pods. Stateless; thread-safe.
 */
public final class Auditor {

  /** {@code kubernetes.io/service-account-token}. */
  public static final String LEGACY_TOKEN_TYPE = "kubernetes.io/service-account-token";
  private static final Pattern LEGACY_NAME = Pattern.compile(".+-token-[a-z0-9]{5}");
  private static final long DAY = 86400;

  private Auditor() {}

  /** Every finding, ordered by id, then namespace, kind and name. */
  public static List<AuditFinding> audit(Inventory inv) {
    List<AuditFinding> out = new ArrayList<>();
    for (KubeObject w : inv.objects) {
      Map<String, @Nullable Object> spec = Inventory.podSpec(w);
      if (spec != null) {
        workload(inv, w, spec, out);
      }
    }
    Map<KubeObject, List<String>> byDefault = new IdentityHashMap<>();
    for (KubeObject w : inv.objects) {
      Map<String, @Nullable Object> spec = Inventory.podSpec(w);
      if (spec != null) {
        KubeObject sa = inv.serviceAccount(inv.scope(w), serviceAccountName(spec));
        if (sa != null && Inventory.bool(spec, "automountServiceAccountToken") == null) {
          byDefault.computeIfAbsent(sa, k -> new ArrayList<>()).add(w.kind() + " " + w.name());
        }
      }
    }
    for (KubeObject sa : inv.ofKind("ServiceAccount")) {
      if (Inventory.bool(sa.fields(), "automountServiceAccountToken") == null) {
        List<String> users = byDefault.getOrDefault(sa, List.of());
        out.add(f(inv, "SAI-010", Severity.INFO, sa, "ServiceAccount " + ref(inv, sa)
            + " leaves automountServiceAccountToken unset, so pods get its token unless they opt out"
            + (users.isEmpty() ? "" : " (used so by " + users.size() + " workload" + (users.size() == 1 ? "" : "s") + " here: "
                + String.join(", ", users.subList(0, Math.min(3, users.size()))) + (users.size() > 3 ? ", ..." : "") + ")"),
            "set automountServiceAccountToken: false on the ServiceAccount and true only on pods that call the API"));
      }
    }
    for (KubeObject s : inv.ofKind("Secret")) {
      if (!LEGACY_TOKEN_TYPE.equals(Inventory.str(s.fields(), "type"))) {
        continue;
      }
      Map<String, @Nullable Object> meta = Inventory.obj(s.fields(), "metadata");
      Map<String, @Nullable Object> labels = Inventory.obj(meta, "labels");
      String lastUsed = Inventory.str(labels, "kubernetes.io/legacy-token-last-used");
      String invalidSince = Inventory.str(labels, "kubernetes.io/legacy-token-invalid-since");
      out.add(f(inv, "SAI-003", Severity.WARNING, s, "legacy token Secret " + ref(inv, s)
          + " (last used: " + (lastUsed.isEmpty() ? "unknown" : lastUsed) + ", invalid since: " + (invalidSince.isEmpty() ? "not marked" : invalidSince) + ")",
          "move its users to projected tokens (TokenRequest) and delete the Secret"));
      String saName = Inventory.str(Inventory.obj(meta, "annotations"), "kubernetes.io/service-account.name");
      String ns = inv.scope(s);
      if (!saName.isEmpty() && inv.knowsServiceAccountsOf(ns) && !saExists(inv, ns, saName)) {
        out.add(f(inv, "SAI-005", Severity.WARNING, s, "legacy token Secret " + ref(inv, s) + " names ServiceAccount "
            + saName + ", which does not exist", "delete the orphaned token Secret"));
      }
    }
    for (String kind : List.of("RoleBinding", "ClusterRoleBinding")) {
      for (KubeObject b : inv.ofKind(kind)) {
        // Kubernetes' own default policy (e.g. system:service-account-issuer-discovery for
        // system:serviceaccounts) is labelled as such and is not a finding.
        if (!"rbac-defaults".equals(Inventory.str(Inventory.obj(Inventory.obj(b.fields(), "metadata"), "labels"), "kubernetes.io/bootstrapping"))) {
          binding(inv, b, kind, out);
        }
      }
    }
    out.sort(Comparator.comparing(AuditFinding::id).thenComparing(x -> x.resource().namespace()).thenComparing(x -> x.resource().kind())
        .thenComparing(x -> x.resource().name()).thenComparing(x -> x.location().map(Location::toString).orElse("")));
    return out;
  }

  private static boolean saExists(Inventory inv, String ns, String name) {
    return name.equals("default") || inv.serviceAccount(ns, name) != null;
  }

  /** The ServiceAccount a pod spec runs as: serviceAccountName, else the deprecated serviceAccount, else default. */
  private static String serviceAccountName(Map<String, @Nullable Object> spec) {
    String saName = Inventory.str(spec, "serviceAccountName");
    String deprecated = Inventory.str(spec, "serviceAccount");
    return !saName.isEmpty() ? saName : deprecated.isEmpty() ? "default" : deprecated;
  }

  /** {@code namespace/name}, or the name alone when the namespace is unset or the kind has none. */
  private static String ref(Inventory inv, KubeObject o) {
    String ns = inv.namespace(o);
    return ns.isEmpty() ? o.name() : ns + "/" + o.name();
  }

  private static void workload(Inventory inv, KubeObject w, Map<String, @Nullable Object> spec, List<AuditFinding> out) {
    String ns = inv.scope(w);
    String what = w.kind() + " " + ref(inv, w);
    String saName = Inventory.str(spec, "serviceAccountName");
    String deprecated = Inventory.str(spec, "serviceAccount");
    // The API server mirrors serviceAccountName into the deprecated field, so a stored pod has both:
    // only a pod that relies on the deprecated field (alone, or disagreeing) is flagged.
    if (!deprecated.isEmpty() && !deprecated.equals(saName)) {
      out.add(f(inv, "SAI-012", Severity.INFO, w, what + " uses the deprecated field serviceAccount (\"" + deprecated + "\")",
          "use spec.serviceAccountName"));
    }
    if (saName.isEmpty()) {
      saName = deprecated.isEmpty() ? "default" : deprecated;
    }
    KubeObject sa = inv.serviceAccount(ns, saName);
    Boolean podSetting = Inventory.bool(spec, "automountServiceAccountToken");
    Boolean saSetting = sa == null ? null : Inventory.bool(sa.fields(), "automountServiceAccountToken");
    boolean automount = podSetting != null ? podSetting : saSetting == null || saSetting;
    boolean sai001 = saName.equals("default") && automount;
    if (sai001) {
      out.add(f(inv, "SAI-001", Severity.WARNING, w, what + " runs as the default ServiceAccount with its token automounted",
          "give the workload its own ServiceAccount, or set automountServiceAccountToken: false"));
    }
    // One cause, one finding: a ServiceAccount in the input that leaves it unset is reported once, as SAI-010, and
    // SAI-001 already says that a default ServiceAccount's token is mounted.
    if (podSetting == null && saSetting == null && sa == null && !sai001) {
      out.add(f(inv, "SAI-002", Severity.INFO, w, what + " gets a token only by default: the pod does not set automountServiceAccountToken"
          + " and its ServiceAccount " + saName + " is not in the input", "set automountServiceAccountToken explicitly on the pod (false unless"
          + " the workload calls the API), or on the ServiceAccount"));
    }
    if (inv.knowsServiceAccountsOf(ns) && !saExists(inv, ns, saName)) {
      out.add(f(inv, "SAI-009", Severity.ERROR, w, what + " names ServiceAccount " + saName + ", which does not exist in "
          + (Inventory.unset(ns) ? "its file (namespace unset)" : ns),
          "create the ServiceAccount or fix spec.serviceAccountName: the pod cannot start"));
    }
    for (Map<String, @Nullable Object> v : Inventory.objects(spec, "volumes")) {
      List<String> secretNames = new ArrayList<>();
      String direct = Inventory.str(Inventory.obj(v, "secret"), "secretName");
      if (!direct.isEmpty()) {
        secretNames.add(direct);
      }
      for (Map<String, @Nullable Object> src : Inventory.objects(Inventory.obj(v, "projected"), "sources")) {
        String projected = Inventory.str(Inventory.obj(src, "secret"), "name");
        if (!projected.isEmpty()) {
          secretNames.add(projected);
        }
        Map<String, @Nullable Object> sat = Inventory.obj(src, "serviceAccountToken");
        if (sat != null && sat.containsKey("expirationSeconds")) {
          long exp = seconds(sat.get("expirationSeconds"));
          if (exp > DAY) {
            out.add(f(inv, "SAI-008", Severity.WARNING, w, what + " projects a ServiceAccount token for " + exp + " s in volume "
                + Inventory.str(v, "name") + ", more than 24 h", "ask for at most 86400 s (the kubelet refreshes it anyway)"));
          }
        }
      }
      for (String sn : secretNames) {
        KubeObject secret = inv.secret(ns, sn);
        boolean legacy = secret != null ? LEGACY_TOKEN_TYPE.equals(Inventory.str(secret.fields(), "type")) : LEGACY_NAME.matcher(sn).matches();
        if (legacy) {
          out.add(f(inv, "SAI-004", Severity.ERROR, w, what + " mounts the legacy token Secret " + sn + " (a token that never expires)",
              "mount a projected serviceAccountToken instead and delete the Secret"));
        }
      }
    }
  }

  private static void binding(Inventory inv, KubeObject b, String kind, List<AuditFinding> out) {
    Map<String, @Nullable Object> ref = Inventory.obj(b.fields(), "roleRef");
    String roleKind = Inventory.str(ref, "kind");
    String roleName = Inventory.str(ref, "name");
    String role = roleKind + " " + roleName;
    String what = kind + " " + ref(inv, b);
    List<String> accounts = new ArrayList<>();
    for (Map<String, @Nullable Object> s : Inventory.objects(b.fields(), "subjects")) {
      String sk = Inventory.str(s, "kind");
      String sn = Inventory.str(s, "name");
      String sns = Inventory.str(s, "namespace");
      if (sns.isEmpty() && kind.equals("RoleBinding")) {
        sns = inv.namespace(b);
      }
      String saRef = sns.isEmpty() ? sn : sns + "/" + sn;
      if ("ServiceAccount".equals(sk) && "default".equals(sn)) {
        out.add(f(inv, "SAI-006", Severity.ERROR, b, what + " grants " + role + " to the default ServiceAccount"
            + (sns.isEmpty() ? " (namespace unset)" : " of " + sns), "bind the role to a dedicated ServiceAccount instead"));
      }
      boolean group = "Group".equals(sk) && (sn.equals("system:serviceaccounts") || sn.startsWith("system:serviceaccounts:"));
      if (group) {
        out.add(f(inv, "SAI-007", Severity.ERROR, b, what + " grants " + role + " to the group " + sn + ", every ServiceAccount"
            + (sn.equals("system:serviceaccounts") ? " in the cluster" : " of namespace " + sn.substring("system:serviceaccounts:".length())),
            "bind the role to the ServiceAccounts that need it"));
      }
      if ("ServiceAccount".equals(sk)) {
        accounts.add("ServiceAccount " + saRef);
      } else if (group) {
        accounts.add("group " + sn);
      }
    }
    if (accounts.isEmpty()) {
      return;
    }
    String who = String.join(", ", accounts);
    boolean byName = "ClusterRole".equals(roleKind) && "cluster-admin".equals(roleName);
    KubeObject roleObject = byName ? null : inv.role(roleKind, inv.scope(b), roleName);
    if (!byName && roleObject == null) {
      return; // a role not in the input (and not cluster-admin): what it grants is unknown here
    }
    List<Rbac.Rule> rules = byName ? Rbac.clusterAdmin() : Rbac.rules(inv, roleObject);
    boolean cluster = kind.equals("ClusterRoleBinding");
    String where = cluster ? " in every namespace" : Inventory.unset(inv.scope(b)) ? " in its namespace (unset)" : " in namespace " + inv.scope(b);
    if (byName || rules.stream().anyMatch(Rbac.Rule::allWildcard)) {
      out.add(f(inv, "SAI-011", Severity.ERROR, b, what + " binds " + (byName ? "cluster-admin" : role + ", which grants what cluster-admin"
          + " grants (* verbs on * resources in * API groups)") + " to " + who + (cluster ? "" : where),
          "grant a least-privilege Role instead of cluster-admin"));
      return;
    }
    List<String> wild = new ArrayList<>();
    for (Rbac.Rule r : rules) {
      List<String> parts = new ArrayList<>();
      if (r.verbs().contains("*")) {
        parts.add("verbs");
      }
      if (r.resources().contains("*")) {
        parts.add("resources");
      }
      if (r.groups().contains("*")) {
        parts.add("API groups");
      }
      if (!parts.isEmpty()) {
        wild.add("* " + String.join(" and ", parts) + " (on " + describe(r) + ")");
      }
    }
    if (!wild.isEmpty()) {
      out.add(f(inv, "SAI-013", Severity.WARNING, b, what + " grants " + role + " with wildcards to " + who + ": " + String.join("; ", wild),
          "list the verbs, resources and API groups the ServiceAccount needs"));
    }
    if (cluster && rules.stream().anyMatch(r -> r.allowsAll("get", "", "secrets") || r.allowsAll("list", "", "secrets")
        || r.allowsAll("watch", "", "secrets"))) {
      out.add(f(inv, "SAI-014", Severity.WARNING, b, what + " lets " + who + " read every Secret in the cluster (" + role + ")",
          "grant Secret access through RoleBindings in the namespaces that need it, with resourceNames where possible"));
    }
    List<String> pods = new ArrayList<>();
    if (rules.stream().anyMatch(r -> r.allows("create", "", "pods"))) {
      pods.add("create pods");
    }
    if (rules.stream().anyMatch(r -> r.allows("create", "", "pods/exec"))) {
      pods.add("exec into pods");
    }
    if (!pods.isEmpty()) {
      out.add(f(inv, "SAI-015", Severity.WARNING, b, what + " lets " + who + " " + String.join(" and ", pods) + where + " (" + role
          + "): a pod may run as any ServiceAccount of its namespace, and exec reaches a running pod's token",
          "keep pod creation and exec to the controllers and people that need them"));
    }
    List<String> esc = new ArrayList<>();
    String rbac = "rbac.authorization.k8s.io";
    for (String verb : List.of("bind", "escalate")) {
      if (rules.stream().anyMatch(r -> r.allows(verb, rbac, "roles") || r.allows(verb, rbac, "clusterroles"))) {
        esc.add(verb);
      }
    }
    if (rules.stream().anyMatch(r -> r.allows("impersonate", "", "users") || r.allows("impersonate", "", "groups")
        || r.allows("impersonate", "", "serviceaccounts") || r.allows("impersonate", "authentication.k8s.io", "uids")
        || r.allows("impersonate", "authentication.k8s.io", "userextras/*"))) {
      esc.add("impersonate");
    }
    if (!esc.isEmpty()) {
      out.add(f(inv, "SAI-016", Severity.ERROR, b, what + " lets " + who + " " + String.join(", ", esc) + where + " (" + role
          + "): each grants more than the role holds", "remove bind, escalate and impersonate; grant the permissions themselves"));
    }
    List<String> tokenNames = new ArrayList<>();
    boolean tokens = false;
    for (Rbac.Rule r : rules) {
      if (r.allows("create", "", "serviceaccounts/token")) {
        tokens = true;
        tokenNames.addAll(r.names());
        if (r.names().isEmpty()) {
          tokenNames.clear();
          break;
        }
      }
    }
    if (tokens) {
      out.add(f(inv, "SAI-017", Severity.WARNING, b, what + " lets " + who + " create tokens of "
          + (tokenNames.isEmpty() ? "every ServiceAccount" : "the ServiceAccounts " + String.join(", ", tokenNames)) + where + " (" + role + ")",
          "let each workload use its own projected token; keep serviceaccounts/token to the components that need it"));
    }
  }

  private static String describe(Rbac.Rule r) {
    return "verbs " + r.verbs() + ", resources " + r.resources() + ", API groups " + r.groups();
  }

  /** A number of seconds as written (a number or a numeric string); 0 when it is neither. */
  private static long seconds(@Nullable Object v) {
    if (v instanceof java.math.BigInteger) {
      return ((java.math.BigInteger) v).signum() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    if (v instanceof Number) {
      return ((Number) v).longValue();
    }
    if (v instanceof String) {
      try {
        return Long.parseLong(((String) v).strip());
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return 0;
  }

  private static AuditFinding f(Inventory inv, String id, Severity sev, KubeObject o, String message, String remedy) {
    return new AuditFinding(id, sev, new AuditFinding.Resource(o.kind(), inv.namespace(o), o.name()), message, remedy, o.location());
  }
}
