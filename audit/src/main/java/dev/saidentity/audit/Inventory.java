package dev.saidentity.audit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The objects an audit looks at, from manifests or from a cluster. In a cluster every namespace's
 * ServiceAccounts are known; from manifests, only those of namespaces in which the input defines at
 * least one ServiceAccount ({@code default} always exists).
 */
public final class Inventory {

  static final Set<String> WORKLOADS = Set.of("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
      "Job", "CronJob");

  final List<JsonObject> objects;
  final boolean complete;
  final Set<String> serviceAccountNamespaces = new HashSet<>();

  private Inventory(List<JsonObject> objects, boolean complete) {
    this.objects = List.copyOf(objects);
    this.complete = complete;
    for (JsonObject o : this.objects) {
      if ("ServiceAccount".equals(str(o, "kind"))) {
        serviceAccountNamespaces.add(namespace(o));
      }
    }
  }

  /** Objects from manifests (objects without a namespace are in {@code default}). */
  public static Inventory fromManifests(List<JsonObject> objects) {
    return new Inventory(Objects.requireNonNull(objects, "objects"), false);
  }

  /** Objects listed from a cluster: existence checks apply everywhere. */
  public static Inventory fromCluster(List<JsonObject> objects) {
    return new Inventory(Objects.requireNonNull(objects, "objects"), true);
  }

  /** Whether ServiceAccount existence can be judged in this namespace. */
  boolean knowsServiceAccountsOf(String namespace) {
    return complete || serviceAccountNamespaces.contains(namespace);
  }

  @Nullable JsonObject serviceAccount(String namespace, String name) {
    for (JsonObject o : objects) {
      if ("ServiceAccount".equals(str(o, "kind")) && namespace(o).equals(namespace) && name(o).equals(name)) {
        return o;
      }
    }
    return null;
  }

  @Nullable JsonObject secret(String namespace, String name) {
    for (JsonObject o : objects) {
      if ("Secret".equals(str(o, "kind")) && namespace(o).equals(namespace) && name(o).equals(name)) {
        return o;
      }
    }
    return null;
  }

  List<JsonObject> ofKind(String kind) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject o : objects) {
      if (kind.equals(str(o, "kind"))) {
        out.add(o);
      }
    }
    return out;
  }

  /** The pod spec of a workload, or null. */
  static @Nullable JsonObject podSpec(JsonObject o) {
    switch (str(o, "kind")) {
      case "Pod":
        return obj(o, "spec");
      case "CronJob":
        return obj(obj(obj(obj(obj(o, "spec"), "jobTemplate"), "spec"), "template"), "spec");
      default:
        return WORKLOADS.contains(str(o, "kind")) ? obj(obj(obj(o, "spec"), "template"), "spec") : null;
    }
  }

  static String namespace(JsonObject o) {
    String ns = str(obj(o, "metadata"), "namespace");
    return ns.isEmpty() ? "default" : ns;
  }

  static String name(JsonObject o) {
    return str(obj(o, "metadata"), "name");
  }

  static @Nullable JsonObject obj(@Nullable JsonObject o, String field) {
    if (o == null) {
      return null;
    }
    JsonElement e = o.get(field);
    return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
  }

  static String str(@Nullable JsonObject o, String field) {
    if (o == null) {
      return "";
    }
    JsonElement e = o.get(field);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
  }

  /** A boolean field: TRUE, FALSE, or null when absent. */
  static @Nullable Boolean bool(@Nullable JsonObject o, String field) {
    if (o == null) {
      return null;
    }
    JsonElement e = o.get(field);
    if (e == null || !e.isJsonPrimitive()) {
      return null;
    }
    if (e.getAsJsonPrimitive().isBoolean()) {
      return e.getAsBoolean();
    }
    return "true".equalsIgnoreCase(e.getAsString()) ? Boolean.TRUE : "false".equalsIgnoreCase(e.getAsString()) ? Boolean.FALSE : null;
  }

  static List<JsonObject> objects(@Nullable JsonObject o, String field) {
    List<JsonObject> out = new ArrayList<>();
    if (o != null && o.has(field) && o.get(field).isJsonArray()) {
      o.getAsJsonArray(field).forEach(e -> {
        if (e.isJsonObject()) {
          out.add(e.getAsJsonObject());
        }
      });
    }
    return out;
  }
}
