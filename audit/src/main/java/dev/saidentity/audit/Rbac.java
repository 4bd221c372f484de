package dev.saidentity.audit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the rules of a role grant, matched as upstream's RBAC authorizer matches them ({@code
 * k8s.io/kubernetes/pkg/apis/rbac/v1} {@code VerbMatches}, {@code APIGroupMatches}, {@code
 * ResourceMatches}: {@code *} matches all, a star before a slash any resource's subresource), with
 * aggregated ClusterRoles resolved from the objects of the inventory. Stateless.
 */
final class Rbac {

  /** One PolicyRule. */
  record Rule(Set<String> verbs, Set<String> groups, Set<String> resources, Set<String> names, Set<String> urls) {

    boolean allows(String verb, String group, String resource) {
      return (verbs.contains("*") || verbs.contains(verb)) && (groups.contains("*") || groups.contains(group)) && matches(resource);
    }

    /** Whether the rule grants {@code verb} on every object of the resource (no resourceNames). */
    boolean allowsAll(String verb, String group, String resource) {
      return names.isEmpty() && allows(verb, group, resource);
    }

    private boolean matches(String resource) {
      if (resources.contains("*") || resources.contains(resource)) {
        return true;
      }
      int slash = resource.indexOf('/');
      return slash > 0 && resources.contains("*" + resource.substring(slash));
    }

    boolean allWildcard() {
      return names.isEmpty() && verbs.contains("*") && groups.contains("*") && resources.contains("*");
    }
  }

  private Rbac() {}

  /** The rules of a role object, with those of the ClusterRoles its aggregationRule selects (recursively). */
  static List<Rule> rules(Inventory inv, KubeObject role) {
    List<Rule> out = new ArrayList<>();
    collect(inv, role, out, new HashSet<>());
    return out;
  }

  private static void collect(Inventory inv, KubeObject role, List<Rule> out, Set<String> visited) {
    if (!visited.add(role.kind() + "/" + role.name())) {
      return;
    }
    for (Map<String, @Nullable Object> r : Inventory.objects(role.fields(), "rules")) {
      out.add(new Rule(strings(r, "verbs"), strings(r, "apiGroups"), strings(r, "resources"), strings(r, "resourceNames"),
          strings(r, "nonResourceURLs")));
    }
    Map<String, @Nullable Object> agg = Inventory.obj(role.fields(), "aggregationRule");
    if (agg == null || !"ClusterRole".equals(role.kind())) {
      return;
    }
    List<Map<String, @Nullable Object>> selectors = Inventory.objects(agg, "clusterRoleSelectors");
    for (KubeObject other : inv.ofKind("ClusterRole")) {
      Map<String, @Nullable Object> labels = Inventory.obj(Inventory.obj(other.fields(), "metadata"), "labels");
      for (Map<String, @Nullable Object> sel : selectors) {
        if (selects(sel, labels)) {
          collect(inv, other, out, visited);
          break;
        }
      }
    }
  }

  /** A metav1.LabelSelector: matchLabels all equal, and every matchExpression (In, NotIn, Exists, DoesNotExist) holds. */
  static boolean selects(Map<String, @Nullable Object> selector, @Nullable Map<String, @Nullable Object> labels) {
    Map<String, @Nullable Object> ml = Inventory.obj(selector, "matchLabels");
    if (ml != null) {
      for (Map.Entry<String, @Nullable Object> e : ml.entrySet()) {
        if (labels == null || !labels.containsKey(e.getKey()) || !Inventory.str(ml, e.getKey()).equals(Inventory.str(labels, e.getKey()))) {
          return false;
        }
      }
    }
    for (Map<String, @Nullable Object> x : Inventory.objects(selector, "matchExpressions")) {
      String key = Inventory.str(x, "key");
      boolean has = labels != null && labels.containsKey(key);
      Set<String> values = strings(x, "values");
      String value = Inventory.str(labels, key);
      boolean ok;
      switch (Inventory.str(x, "operator")) {
        case "In":
          ok = has && values.contains(value);
          break;
        case "NotIn":
          ok = !has || !values.contains(value);
          break;
        case "Exists":
          ok = has;
          break;
        case "DoesNotExist":
          ok = !has;
          break;
        default:
          ok = false; // the API server refuses other operators
      }
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static Set<String> strings(@Nullable Map<String, @Nullable Object> o, String field) {
    Set<String> out = new LinkedHashSet<>();
    Object v = o == null ? null : o.get(field);
    if (v instanceof List) {
      for (Object e : (List<?>) v) {
        if (e instanceof String) {
          out.add((String) e);
        }
      }
    }
    return out;
  }

  /** cluster-admin's rules ({@code *} verbs on {@code *} resources of {@code *} groups, and {@code *} nonResourceURLs). */
  static List<Rule> clusterAdmin() {
    return List.of(new Rule(Set.of("*"), Set.of("*"), Set.of("*"), Set.of(), Set.of()), new Rule(Set.of("*"), Set.of(), Set.of(), Set.of(),
        Set.of("*")));
  }
}
