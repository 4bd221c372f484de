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
 * least one ServiceAccount ({@code default} always exists).
 *
 * <p>Namespaces as kubectl resolves them: an object of a namespaced kind without {@code
 * metadata.namespace} is in the namespace given to {@link #fromManifests(List, String)} (kubectl's
 * {@code -n}); without one, its namespace is unset: it is reported without a namespace and
 * references between such objects (a pod's ServiceAccount, a RoleBinding's Role) resolve only among
 * the objects without a namespace of the same file, as each file may be applied to another
 * namespace. Immutable; thread-safe.
 */
public final class Inventory {

  /** Kinds without a namespace (the built-in ones the checks meet, and the common cluster-scoped APIs). */
  static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
      "CustomResourceDefinition", "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode",
      "VolumeAttachment", "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "PodSecurityPolicy",
      "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "ComponentStatus");

  static final Set<String> WORKLOADS = Set.of("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
      "Job", "CronJob");

  final List<KubeObject> objects;
  final boolean complete;
  private final String defaultNamespace;
  final Set<String> serviceAccountNamespaces = new HashSet<>();
  /** Kinds the input's CustomResourceDefinitions declare cluster-scoped. */
  private final Set<String> clusterScopedCrds = new HashSet<>();

  private Inventory(List<KubeObject> objects, boolean complete, String defaultNamespace) {
    this.objects = List.copyOf(objects);
    this.complete = complete;
    this.defaultNamespace = defaultNamespace;
    for (KubeObject o : this.objects) {
      Map<String, @Nullable Object> spec = obj(o.fields(), "spec");
      if ("CustomResourceDefinition".equals(o.kind()) && "Cluster".equals(str(spec, "scope"))) {
        clusterScopedCrds.add(str(obj(spec, "names"), "kind"));
      }
    }
    for (KubeObject o : this.objects) {
      if ("ServiceAccount".equals(o.kind())) {
        serviceAccountNamespaces.add(scope(o));
      }
      if ("ServiceAccount".equals(o.kind()) || "Secret".equals(o.kind()) || "Role".equals(o.kind()) || "ClusterRole".equals(o.kind())) {
        byName.putIfAbsent(key(o.kind(), "ClusterRole".equals(o.kind()) ? "" : scope(o), o.name()), o); // the first, as a scan in input order finds
      }
    }
  }

  /** ServiceAccounts, Secrets and roles by kind, scope and name: each workload looks them up, and a scan per lookup was quadratic. */
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
    return new Inventory(Objects.requireNonNull(objects, "objects"), false, "");
  }

  /**
   * Objects from manifests, those of namespaced kinds without a namespace in {@code namespace} (as
   * {@code kubectl apply -n NAMESPACE} puts them).
   *
   * @throws NullPointerException when {@code objects}, an element or {@code namespace} is null
   * @throws IllegalArgumentException when {@code namespace} is empty
   */
  public static Inventory fromManifests(List<KubeObject> objects, String namespace) {
    if (Objects.requireNonNull(namespace, "namespace").isEmpty()) {
      throw new IllegalArgumentException("namespace must not be empty");
    }
    return new Inventory(Objects.requireNonNull(objects, "objects"), false, namespace);
  }

  /**
   * Objects listed from a cluster: existence checks apply everywhere.
   *
   * @throws NullPointerException when {@code objects} or an element is null
   */
  public static Inventory fromCluster(List<KubeObject> objects) {
    return new Inventory(Objects.requireNonNull(objects, "objects"), true, "default");
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

  /** A Role in a scope, or a ClusterRole (scope ignored). */
  @Nullable KubeObject role(String kind, String scope, String name) {
    return find(kind, kind.equals("ClusterRole") ? "" : scope, name);
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

  /** Whether objects of this kind have no namespace. */
  boolean clusterScoped(String kind) {
    return CLUSTER_SCOPED.contains(kind) || clusterScopedCrds.contains(kind);
  }

  /**
   * The namespace the object is in, as reported: its own, else the one given (kubectl's -n), else
   * empty (unset); empty for cluster-scoped kinds.
   */
  String namespace(KubeObject o) {
    if (clusterScoped(o.kind())) {
      return "";
    }
    String ns = o.namespace();
    return ns.isEmpty() ? defaultNamespace : ns;
  }

  /**
   * Where the object's references resolve: its namespace; for an object whose namespace is unset,
   * a scope of its own file (never equal to a namespace name).
   */
  String scope(KubeObject o) {
    String ns = namespace(o);
    if (!ns.isEmpty() || clusterScoped(o.kind())) {
      return ns;
    }
    return "\u0000" + o.unit();
  }

  /** Whether a scope is the unset namespace of a file. */
  static boolean unset(String scope) {
    return scope.startsWith("\u0000");
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
