package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * RBAC authorization evaluated from the stored Roles, ClusterRoles and bindings, as the API server's
 * RBAC authorizer does: verbs, apiGroups, resources ({@code resource/subresource}, {@code *}),
 * resourceNames, nonResourceURLs (exact or {@code prefix*}); {@code system:masters} may do anything.
 */
final class Rbac {

  static final ResourceType ROLES = ResourceType.find("rbac.authorization.k8s.io", "v1", "roles");
  static final ResourceType ROLE_BINDINGS = ResourceType.find("rbac.authorization.k8s.io", "v1", "rolebindings");
  static final ResourceType CLUSTER_ROLES = ResourceType.find("rbac.authorization.k8s.io", "v1", "clusterroles");
  static final ResourceType CLUSTER_ROLE_BINDINGS = ResourceType.find("rbac.authorization.k8s.io", "v1", "clusterrolebindings");

  /** The authenticated user of a request. */
  static final class User {
    final String name;
    final String uid;
    final List<String> groups;
    final Map<String, List<String>> extra;

    User(String name, String uid, List<String> groups, Map<String, List<String>> extra) {
      this.name = name;
      this.uid = uid;
      this.groups = groups;
      this.extra = extra;
    }

    boolean isMaster() {
      return groups.contains("system:masters");
    }
  }

  /** What a request asks to do. */
  static final class Attributes {
    final String verb;
    final boolean resourceRequest;
    final String apiGroup;
    final String resource;
    final String subresource;
    final String namespace;
    final String name;
    final String path;

    Attributes(String verb, boolean resourceRequest, String apiGroup, String resource, String subresource, String namespace,
        String name, String path) {
      this.verb = verb;
      this.resourceRequest = resourceRequest;
      this.apiGroup = apiGroup;
      this.resource = resource;
      this.subresource = subresource;
      this.namespace = namespace;
      this.name = name;
      this.path = path;
    }

    static Attributes resource(String verb, String group, String resource, String sub, String ns, String name) {
      return new Attributes(verb, true, group, resource, sub, ns, name, "");
    }

    static Attributes nonResource(String verb, String path) {
      return new Attributes(verb, false, "", "", "", "", "", path);
    }

    String describe() {
      if (!resourceRequest) {
        return "verb \"" + verb + "\" on nonResourceURL \"" + path + "\"";
      }
      String r = subresource.isEmpty() ? resource : resource + "/" + subresource;
      return "verb \"" + verb + "\" on resource \"" + r + "\" in API group \"" + apiGroup + "\"";
    }
  }

  private final ObjectStore store;

  Rbac(ObjectStore store) {
    this.store = store;
  }

  boolean allowed(User u, Attributes a) {
    if (u.isMaster()) {
      return true;
    }
    for (JsonObject rule : rules(u, a.resourceRequest ? a.namespace : "")) {
      if (matches(rule, a)) {
        return true;
      }
    }
    return false;
  }

  /** The rules that apply to the user in a namespace (cluster-wide ones included), as SelfSubjectRulesReview lists them. */
  List<JsonObject> rules(User u, String namespace) {
    List<JsonObject> out = new ArrayList<>();
    if (u.isMaster()) {
      JsonObject all = new JsonObject();
      all.add("verbs", arr("*"));
      all.add("apiGroups", arr("*"));
      all.add("resources", arr("*"));
      out.add(all);
      JsonObject nr = new JsonObject();
      nr.add("verbs", arr("*"));
      nr.add("nonResourceURLs", arr("*"));
      out.add(nr);
      return out;
    }
    for (JsonObject b : store.list(CLUSTER_ROLE_BINDINGS, null)) {
      if (bindsTo(b, u)) {
        addRoleRules(out, b, "");
      }
    }
    if (!namespace.isEmpty()) {
      for (JsonObject b : store.list(ROLE_BINDINGS, namespace)) {
        if (bindsTo(b, u)) {
          addRoleRules(out, b, namespace);
        }
      }
    }
    return out;
  }

  private void addRoleRules(List<JsonObject> out, JsonObject binding, String namespace) {
    // A binding patched into a wrong shape (patches are not type-checked) grants nothing, and fails no one's request.
    JsonElement refElement = binding.get("roleRef");
    if (refElement == null || !refElement.isJsonObject()) {
      return;
    }
    JsonObject ref = refElement.getAsJsonObject();
    String kind = str(ref, "kind");
    String name = str(ref, "name");
    if (kind.isEmpty() || name.isEmpty()) {
      return;
    }
    JsonObject role = "ClusterRole".equals(kind) ? store.get(CLUSTER_ROLES, "", name) : store.get(ROLES, namespace, name);
    if (role == null || !role.has("rules") || !role.get("rules").isJsonArray()) {
      return;
    }
    for (JsonElement r : role.getAsJsonArray("rules")) {
      if (r.isJsonObject()) {
        out.add(r.getAsJsonObject());
      }
    }
  }

  static boolean bindsTo(JsonObject binding, User u) {
    JsonElement subjects = binding.get("subjects");
    if (subjects == null || !subjects.isJsonArray()) {
      return false;
    }
    for (JsonElement s : subjects.getAsJsonArray()) {
      if (!s.isJsonObject()) {
        continue;
      }
      JsonObject o = s.getAsJsonObject();
      String kind = str(o, "kind");
      String name = str(o, "name");
      if ("User".equals(kind) && name.equals(u.name)) {
        return true;
      }
      if ("Group".equals(kind) && u.groups.contains(name)) {
        return true;
      }
      if ("ServiceAccount".equals(kind) && u.name.equals("system:serviceaccount:" + str(o, "namespace") + ":" + name)) {
        return true;
      }
    }
    return false;
  }

  static boolean matches(JsonObject rule, Attributes a) {
    if (!has(rule, "verbs", a.verb)) {
      return false;
    }
    if (!a.resourceRequest) {
      for (String url : strings(rule, "nonResourceURLs")) {
        if (url.equals("*") || url.equals(a.path) || (url.endsWith("*") && a.path.startsWith(url.substring(0, url.length() - 1)))) {
          return true;
        }
      }
      return false;
    }
    if (!has(rule, "apiGroups", a.apiGroup)) {
      return false;
    }
    String combined = a.subresource.isEmpty() ? a.resource : a.resource + "/" + a.subresource;
    boolean resourceOk = false;
    for (String r : strings(rule, "resources")) {
      if (r.equals("*") || r.equals(combined) || (!a.subresource.isEmpty() && r.equals("*/" + a.subresource))) {
        resourceOk = true;
        break;
      }
    }
    if (!resourceOk) {
      return false;
    }
    List<String> names = strings(rule, "resourceNames");
    return names.isEmpty() || names.contains(a.name);
  }

  private static boolean has(JsonObject rule, String field, String value) {
    for (String s : strings(rule, field)) {
      if (s.equals("*") || s.equals(value)) {
        return true;
      }
    }
    return false;
  }

  static List<String> strings(JsonObject o, String field) {
    List<String> out = new ArrayList<>();
    JsonElement e = o.get(field);
    if (e != null && e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) {
        if (x.isJsonPrimitive()) {
          out.add(x.getAsString());
        }
      }
    }
    return out;
  }

  static String str(@Nullable JsonObject o, String field) {
    if (o == null) {
      return "";
    }
    JsonElement e = o.get(field);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
  }

  static JsonArray arr(String... values) {
    JsonArray a = new JsonArray();
    for (String v : values) {
      a.add(v);
    }
    return a;
  }
}
