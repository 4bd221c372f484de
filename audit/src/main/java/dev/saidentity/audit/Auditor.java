package dev.saidentity.audit;

import dev.saidentity.core.Severity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The checks, SAI-001 to SAI-012, over an {@link Inventory}:
 *
 * <table>
 *   <caption>checks</caption>
 *   <tr><td>SAI-001</td><td>warning</td><td>workload runs as the {@code default} ServiceAccount with a token automounted</td></tr>
 *   <tr><td>SAI-002</td><td>info</td><td>token automounted only by default: neither the pod nor its ServiceAccount sets automountServiceAccountToken</td></tr>
 *   <tr><td>SAI-003</td><td>warning</td><td>a legacy token Secret exists</td></tr>
 *   <tr><td>SAI-004</td><td>error</td><td>a workload mounts a legacy token Secret</td></tr>
 *   <tr><td>SAI-005</td><td>warning</td><td>a legacy token Secret names a ServiceAccount that does not exist</td></tr>
 *   <tr><td>SAI-006</td><td>error</td><td>a binding grants a role to a {@code default} ServiceAccount</td></tr>
 *   <tr><td>SAI-007</td><td>error</td><td>a binding grants to system:serviceaccounts or system:serviceaccounts:NS</td></tr>
 *   <tr><td>SAI-008</td><td>warning</td><td>a projected serviceAccountToken source asks for more than 24 h</td></tr>
 *   <tr><td>SAI-009</td><td>error</td><td>a workload names a ServiceAccount that does not exist</td></tr>
 *   <tr><td>SAI-010</td><td>info</td><td>a ServiceAccount leaves automountServiceAccountToken unset</td></tr>
 *   <tr><td>SAI-011</td><td>error</td><td>cluster-admin is bound to a ServiceAccount</td></tr>
 *   <tr><td>SAI-012</td><td>info</td><td>a pod uses the deprecated serviceAccount field</td></tr>
 * </table>
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
    for (KubeObject sa : inv.ofKind("ServiceAccount")) {
      if (Inventory.bool(sa.fields(), "automountServiceAccountToken") == null) {
        out.add(f("SAI-010", Severity.INFO, sa, "ServiceAccount " + Inventory.namespace(sa) + "/" + sa.name()
            + " leaves automountServiceAccountToken unset, so pods get its token unless they opt out",
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
      out.add(f("SAI-003", Severity.WARNING, s, "legacy token Secret " + Inventory.namespace(s) + "/" + s.name()
          + " (last used: " + (lastUsed.isEmpty() ? "unknown" : lastUsed) + ", invalid since: " + (invalidSince.isEmpty() ? "not marked" : invalidSince) + ")",
          "move its users to projected tokens (TokenRequest) and delete the Secret"));
      String saName = Inventory.str(Inventory.obj(meta, "annotations"), "kubernetes.io/service-account.name");
      String ns = Inventory.namespace(s);
      if (!saName.isEmpty() && inv.knowsServiceAccountsOf(ns) && !saExists(inv, ns, saName)) {
        out.add(f("SAI-005", Severity.WARNING, s, "legacy token Secret " + ns + "/" + s.name() + " names ServiceAccount "
            + saName + ", which does not exist", "delete the orphaned token Secret"));
      }
    }
    for (String kind : List.of("RoleBinding", "ClusterRoleBinding")) {
      for (KubeObject b : inv.ofKind(kind)) {
        // Kubernetes' own default policy (e.g. system:service-account-issuer-discovery for
        // system:serviceaccounts) is labelled as such and is not a finding.
        if (!"rbac-defaults".equals(Inventory.str(Inventory.obj(Inventory.obj(b.fields(), "metadata"), "labels"), "kubernetes.io/bootstrapping"))) {
          binding(b, kind, out);
        }
      }
    }
    out.sort(Comparator.comparing(AuditFinding::id).thenComparing(x -> x.resource().namespace()).thenComparing(x -> x.resource().kind())
        .thenComparing(x -> x.resource().name()));
    return out;
  }

  private static boolean saExists(Inventory inv, String ns, String name) {
    return name.equals("default") || inv.serviceAccount(ns, name) != null;
  }

  private static void workload(Inventory inv, KubeObject w, Map<String, @Nullable Object> spec, List<AuditFinding> out) {
    String ns = Inventory.namespace(w);
    String what = w.kind() + " " + ns + "/" + w.name();
    String saName = Inventory.str(spec, "serviceAccountName");
    String deprecated = Inventory.str(spec, "serviceAccount");
    // The API server mirrors serviceAccountName into the deprecated field, so a stored pod has both:
    // only a pod that relies on the deprecated field (alone, or disagreeing) is flagged.
    if (!deprecated.isEmpty() && !deprecated.equals(saName)) {
      out.add(f("SAI-012", Severity.INFO, w, what + " uses the deprecated field serviceAccount (\"" + deprecated + "\")",
          "use spec.serviceAccountName"));
    }
    if (saName.isEmpty()) {
      saName = deprecated.isEmpty() ? "default" : deprecated;
    }
    KubeObject sa = inv.serviceAccount(ns, saName);
    Boolean podSetting = Inventory.bool(spec, "automountServiceAccountToken");
    Boolean saSetting = sa == null ? null : Inventory.bool(sa.fields(), "automountServiceAccountToken");
    boolean automount = podSetting != null ? podSetting : saSetting == null || saSetting;
    if (saName.equals("default") && automount) {
      out.add(f("SAI-001", Severity.WARNING, w, what + " runs as the default ServiceAccount with its token automounted",
          "give the workload its own ServiceAccount, or set automountServiceAccountToken: false"));
    }
    if (podSetting == null && saSetting == null) {
      out.add(f("SAI-002", Severity.INFO, w, what + " gets a token only by default: neither the pod nor ServiceAccount " + saName
          + " sets automountServiceAccountToken", "set automountServiceAccountToken explicitly: false unless the workload calls the API"));
    }
    if (inv.knowsServiceAccountsOf(ns) && !saExists(inv, ns, saName)) {
      out.add(f("SAI-009", Severity.ERROR, w, what + " names ServiceAccount " + saName + ", which does not exist in " + ns,
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
            out.add(f("SAI-008", Severity.WARNING, w, what + " projects a ServiceAccount token for " + exp + " s in volume "
                + Inventory.str(v, "name") + ", more than 24 h", "ask for at most 86400 s (the kubelet refreshes it anyway)"));
          }
        }
      }
      for (String sn : secretNames) {
        KubeObject secret = inv.secret(ns, sn);
        boolean legacy = secret != null ? LEGACY_TOKEN_TYPE.equals(Inventory.str(secret.fields(), "type")) : LEGACY_NAME.matcher(sn).matches();
        if (legacy) {
          out.add(f("SAI-004", Severity.ERROR, w, what + " mounts the legacy token Secret " + sn + " (a token that never expires)",
              "mount a projected serviceAccountToken instead and delete the Secret"));
        }
      }
    }
  }

  private static void binding(KubeObject b, String kind, List<AuditFinding> out) {
    Map<String, @Nullable Object> ref = Inventory.obj(b.fields(), "roleRef");
    String role = Inventory.str(ref, "kind") + " " + Inventory.str(ref, "name");
    String what = kind + " " + (kind.equals("RoleBinding") ? Inventory.namespace(b) + "/" : "") + b.name();
    for (Map<String, @Nullable Object> s : Inventory.objects(b.fields(), "subjects")) {
      String sk = Inventory.str(s, "kind");
      String sn = Inventory.str(s, "name");
      String sns = Inventory.str(s, "namespace");
      if (sns.isEmpty() && kind.equals("RoleBinding")) {
        sns = Inventory.namespace(b);
      }
      if ("ServiceAccount".equals(sk) && "default".equals(sn)) {
        out.add(f("SAI-006", Severity.ERROR, b, what + " grants " + role + " to the default ServiceAccount of " + sns,
            "bind the role to a dedicated ServiceAccount instead"));
      }
      if ("Group".equals(sk) && (sn.equals("system:serviceaccounts") || sn.startsWith("system:serviceaccounts:"))) {
        out.add(f("SAI-007", Severity.ERROR, b, what + " grants " + role + " to the group " + sn + ", every ServiceAccount"
            + (sn.equals("system:serviceaccounts") ? " in the cluster" : " of namespace " + sn.substring("system:serviceaccounts:".length())),
            "bind the role to the ServiceAccounts that need it"));
      }
      if ("ServiceAccount".equals(sk) && "ClusterRole".equals(Inventory.str(ref, "kind")) && "cluster-admin".equals(Inventory.str(ref, "name"))) {
        out.add(f("SAI-011", Severity.ERROR, b, what + " binds cluster-admin to ServiceAccount " + sns + "/" + sn,
            "grant a least-privilege Role instead of cluster-admin"));
      }
    }
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

  private static AuditFinding f(String id, Severity sev, KubeObject o, String message, String remedy) {
    String kind = o.kind();
    boolean clusterScoped = kind.equals("ClusterRoleBinding") || kind.equals("ClusterRole") || kind.equals("Namespace") || kind.equals("Node");
    return new AuditFinding(id, sev, new AuditFinding.Resource(kind, clusterScoped ? "" : Inventory.namespace(o), o.name()), message, remedy);
  }
}
