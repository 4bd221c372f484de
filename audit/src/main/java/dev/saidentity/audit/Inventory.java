package dev.saidentity.audit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The objects an audit looks at, from manifests or from a cluster. In a cluster every namespace's
 * ServiceAccounts are known; from manifests, only those of namespaces in which the input defines at
 * least one ServiceAccount ({@code default} always exists). Immutable; thread-safe.
 */
public final class Inventory {

  static final Set<String> WORKLOADS = Set.of("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
      "Job", "CronJob");

  final List<KubeObject> objects;
  final boolean complete;
  final Set<String> serviceAccountNamespaces = new HashSet<>();

  private Inventory(List<KubeObject> objects, boolean complete) {
    this.objects = List.copyOf(objects);
    this.complete = complete;
    for (KubeObject o : this.objects) {
      if ("ServiceAccount".equals(o.kind())) {
        serviceAccountNamespaces.add(namespace(o));
      }
      if ("ServiceAccount".equals(o.kind()) || "Secret".equals(o.kind())) {
        byName.putIfAbsent(key(o.kind(), namespace(o), o.name()), o); // the first, as a scan in input order finds
      }
    }
  }

  /** ServiceAccounts and Secrets by kind, namespace and name: each workload looks them up, and a scan per lookup was quadratic. */
  private final Map<String, KubeObject> byName = new HashMap<>();

  private static String key(String kind, String namespace, String name) {
    return kind + '\u0000' + namespace + '\u0000' + name;
  }

  /**
   * Objects from manifests (objects without a namespace are in {@code default}).
   *
   * @throws NullPointerException when {@code objects} or an element is null
   */
  public static Inventory fromManifests(List<KubeObject> objects) {
    return new Inventory(Objects.requireNonNull(objects, "objects"), false);
  }

  /**
   * Objects listed from a cluster: existence checks apply everywhere.
   *
   * @throws NullPointerException when {@code objects} or an element is null
   */
  public static Inventory fromCluster(List<KubeObject> objects) {
    return new Inventory(Objects.requireNonNull(objects, "objects"), true);
  }

  /** The objects, in input order. */
  public List<KubeObject> objects() {
    return objects;
  }

  /** Whether ServiceAccount existence can be judged in this namespace. */
  boolean knowsServiceAccountsOf(String namespace) {
    return complete || serviceAccountNamespaces.contains(namespace);
  }

  @Nullable KubeObject serviceAccount(String namespace, String name) {
    return find("ServiceAccount", namespace, name);
  }

  @Nullable KubeObject secret(String namespace, String name) {
    return find("Secret", namespace, name);
  }

  private @Nullable KubeObject find(String kind, String namespace, String name) {
    return byName.get(key(kind, namespace, name));
  }

  List<KubeObject> ofKind(String kind) {
    List<KubeObject> out = new ArrayList<>();
    for (KubeObject o : objects) {
      if (kind.equals(o.kind())) {
        out.add(o);
      }
    }
    return out;
  }

  /** The pod spec of a workload, or null. */
  static @Nullable Map<String, @Nullable Object> podSpec(KubeObject o) {
    Map<String, @Nullable Object> f = o.fields();
    switch (o.kind()) {
      case "Pod":
        return obj(f, "spec");
      case "CronJob":
        return obj(obj(obj(obj(obj(f, "spec"), "jobTemplate"), "spec"), "template"), "spec");
      default:
        return WORKLOADS.contains(o.kind()) ? obj(obj(obj(f, "spec"), "template"), "spec") : null;
    }
  }

  /** The object's namespace, {@code default} when unset. */
  static String namespace(KubeObject o) {
    String ns = o.namespace();
    return ns.isEmpty() ? "default" : ns;
  }

  @SuppressWarnings("unchecked")
  static @Nullable Map<String, @Nullable Object> obj(@Nullable Map<String, @Nullable Object> o, String field) {
    Object v = o == null ? null : o.get(field);
    return v instanceof Map ? (Map<String, @Nullable Object>) v : null;
  }

  /** A scalar field as text (numbers and booleans too), or empty. */
  static String str(@Nullable Map<String, @Nullable Object> o, String field) {
    Object v = o == null ? null : o.get(field);
    return v instanceof String || v instanceof Number || v instanceof Boolean ? String.valueOf(v) : "";
  }

  /** A boolean field (or the strings true/false): TRUE, FALSE, or null when absent or neither. */
  static @Nullable Boolean bool(@Nullable Map<String, @Nullable Object> o, String field) {
    Object v = o == null ? null : o.get(field);
    if (v instanceof Boolean) {
      return (Boolean) v;
    }
    if (v instanceof String) {
      return "true".equalsIgnoreCase((String) v) ? Boolean.TRUE : "false".equalsIgnoreCase((String) v) ? Boolean.FALSE : null;
    }
    return null;
  }

  /** The mapping elements of a list field. */
  @SuppressWarnings("unchecked")
  static List<Map<String, @Nullable Object>> objects(@Nullable Map<String, @Nullable Object> o, String field) {
    List<Map<String, @Nullable Object>> out = new ArrayList<>();
    Object v = o == null ? null : o.get(field);
    if (v instanceof List) {
      for (Object e : (List<?>) v) {
        if (e instanceof Map) {
          out.add((Map<String, @Nullable Object>) e);
        }
      }
    }
    return out;
  }
}
