package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The discovery documents kubectl and client-java read: /version, /api, /apis, resource lists, /openapi/v3. */
final class Discovery {

  static final String KUBE_VERSION_MINOR = "33";

  private Discovery() {}

  static JsonObject version() {
    JsonObject v = new JsonObject();
    v.addProperty("major", "1");
    v.addProperty("minor", KUBE_VERSION_MINOR);
    v.addProperty("gitVersion", "v1." + KUBE_VERSION_MINOR + ".0-sa-identity-fake");
    v.addProperty("gitCommit", "0000000000000000000000000000000000000000");
    v.addProperty("gitTreeState", "clean");
    v.addProperty("buildDate", "2026-01-01T00:00:00Z");
    v.addProperty("goVersion", "go1.24.0");
    v.addProperty("compiler", "gc");
    v.addProperty("platform", "linux/amd64");
    return v;
  }

  static JsonObject coreVersions(String serverAddress) {
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIVersions");
    o.add("versions", Rbac.arr("v1"));
    JsonArray cidrs = new JsonArray();
    JsonObject c = new JsonObject();
    c.addProperty("clientCIDR", "0.0.0.0/0");
    c.addProperty("serverAddress", serverAddress);
    cidrs.add(c);
    o.add("serverAddressByClientCIDRs", cidrs);
    return o;
  }

  static Set<String> groups() {
    Set<String> g = new LinkedHashSet<>();
    for (ResourceType r : ResourceType.ALL) {
      if (!r.group.isEmpty()) {
        g.add(r.group);
      }
    }
    return g;
  }

  static JsonObject groupList() {
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIGroupList");
    o.addProperty("apiVersion", "v1");
    JsonArray groups = new JsonArray();
    for (String g : groups()) {
      groups.add(group(g));
    }
    o.add("groups", groups);
    return o;
  }

  static @Nullable JsonObject group(String name) {
    if (!groups().contains(name)) {
      return null;
    }
    JsonArray versions = new JsonArray();
    for (String v : versions(name)) {
      JsonObject gv = new JsonObject();
      gv.addProperty("groupVersion", name + "/" + v);
      gv.addProperty("version", v);
      versions.add(gv);
    }
    JsonObject g = new JsonObject();
    g.addProperty("kind", "APIGroup");
    g.addProperty("apiVersion", "v1");
    g.addProperty("name", name);
    g.add("versions", versions);
    g.add("preferredVersion", versions.get(0).deepCopy());
    return g;
  }

  /** The versions of a group, v1 (preferred) first. */
  static List<String> versions(String group) {
    Set<String> out = new LinkedHashSet<>();
    out.add("v1");
    for (ResourceType r : ResourceType.ALL) {
      if (r.group.equals(group)) {
        out.add(r.version);
      }
    }
    return new java.util.ArrayList<>(out);
  }

  static @Nullable JsonObject resourceList(String group, String version) {
    JsonArray resources = new JsonArray();
    for (ResourceType r : ResourceType.ALL) {
      if (r.group.equals(group) && r.version.equals(version)) {
        JsonObject o = new JsonObject();
        o.addProperty("name", r.plural);
        o.addProperty("singularName", r.kind.toLowerCase(java.util.Locale.ROOT));
        o.addProperty("namespaced", r.namespaced);
        o.addProperty("kind", r.kind);
        o.add("verbs", Rbac.arr(r.verbs.toArray(new String[0])));
        if (!r.shortNames.isEmpty()) {
          o.add("shortNames", Rbac.arr(r.shortNames.toArray(new String[0])));
        }
        resources.add(o);
        if (r.plural.equals("serviceaccounts")) {
          JsonObject token = new JsonObject();
          token.addProperty("name", "serviceaccounts/token");
          token.addProperty("singularName", "");
          token.addProperty("namespaced", true);
          token.addProperty("group", "authentication.k8s.io");
          token.addProperty("version", "v1");
          token.addProperty("kind", "TokenRequest");
          token.add("verbs", Rbac.arr("create"));
          resources.add(token);
        }
      }
    }
    if (resources.isEmpty()) {
      return null;
    }
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIResourceList");
    o.addProperty("apiVersion", "v1");
    o.addProperty("groupVersion", group.isEmpty() ? version : group + "/" + version);
    o.add("resources", resources);
    return o;
  }

  /** How clients ask for the protobuf-encoded OpenAPI v2 document ({@code gnostic}'s {@code openapi_v2.Document}). */
  static final String OPENAPI_V2_PROTOBUF_ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
  /** The Content-Type kube-openapi answers it with ({@code @} is not valid in a media type, so a {@code .}). */
  static final String OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

  /**
   * {@code /openapi/v2} as JSON: a valid Swagger 2.0 document with no paths or definitions. Clients
   * that validate against it (kubectl 1.27's strict validation) skip kinds it does not describe.
   */
  static JsonObject openApiV2() {
    JsonObject doc = openApiDocument("swagger", "2.0", new JsonObject());
    doc.add("definitions", new JsonObject());
    return doc;
  }

  /** An OpenAPI document's head: its version field ({@code swagger} or {@code openapi}), info and paths. */
  private static JsonObject openApiDocument(String versionField, String version, JsonObject paths) {
    JsonObject info = new JsonObject();
    info.addProperty("title", "Kubernetes");
    info.addProperty("version", openApiVersion());
    JsonObject doc = new JsonObject();
    doc.addProperty(versionField, version);
    doc.add("info", info);
    doc.add("paths", paths);
    return doc;
  }

  /** {@link #openApiV2()} as protobuf: {@code Document{swagger = 1; info = 2}}, {@code Info{title = 1; version = 2}}. */
  static byte[] openApiV2Protobuf() {
    java.io.ByteArrayOutputStream info = new java.io.ByteArrayOutputStream();
    protoString(info, 1, "Kubernetes");
    protoString(info, 2, openApiVersion());
    java.io.ByteArrayOutputStream doc = new java.io.ByteArrayOutputStream();
    protoString(doc, 1, "2.0");
    protoBytes(doc, 2, info.toByteArray());
    return doc.toByteArray();
  }

  private static String openApiVersion() {
    return "v1." + KUBE_VERSION_MINOR + ".0";
  }

  private static void protoString(java.io.ByteArrayOutputStream out, int field, String value) {
    protoBytes(out, field, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** A length-delimited field; the values here are shorter than 128 bytes, so each length is one byte. */
  private static void protoBytes(java.io.ByteArrayOutputStream out, int field, byte[] value) {
    if (value.length > 127 || field > 15) {
      throw new IllegalArgumentException("a field this small encoder cannot write");
    }
    out.write(field << 3 | 2);
    out.write(value.length);
    out.write(value, 0, value.length);
  }

  /** {@code /openapi/v3}: one entry per group-version. */
  static JsonObject openApiV3Root() {
    JsonObject paths = new JsonObject();
    for (String gv : groupVersionPaths().keySet()) {
      JsonObject ref = new JsonObject();
      ref.addProperty("serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + Integer.toHexString(gv.hashCode()).toUpperCase(java.util.Locale.ROOT));
      paths.add(gv, ref);
    }
    JsonObject o = new JsonObject();
    o.add("paths", paths);
    return o;
  }

  static Map<String, String[]> groupVersionPaths() {
    Map<String, String[]> m = new LinkedHashMap<>();
    m.put("api/v1", new String[] {"", "v1"});
    for (String g : groups()) {
      for (String v : versions(g)) {
        m.put("apis/" + g + "/" + v, new String[] {g, v});
      }
    }
    return m;
  }

  /**
   * An OpenAPI v3 document for a group-version: every stored kind has a PATCH operation with {@code
   * x-kubernetes-group-version-kind} and a {@code fieldValidation} parameter, which tells kubectl
   * that the server validates fields itself; schemas allow any field.
   */
  static @Nullable JsonObject openApiV3(String groupVersionPath) {
    String[] gv = groupVersionPaths().get(groupVersionPath);
    if (gv == null) {
      return null;
    }
    JsonObject paths = new JsonObject();
    JsonObject schemas = new JsonObject();
    for (ResourceType r : ResourceType.ALL) {
      if (!r.group.equals(gv[0]) || !r.version.equals(gv[1])) {
        continue;
      }
      String base = "/" + groupVersionPath + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.plural;
      JsonObject gvk = new JsonObject();
      gvk.addProperty("group", r.group);
      gvk.addProperty("version", r.version);
      gvk.addProperty("kind", r.kind);
      String schemaName = "io.k8s.api." + (r.group.isEmpty() ? "core" : r.group.split("\\.")[0]) + ".v1." + r.kind;
      JsonObject schema = new JsonObject();
      schema.addProperty("type", "object");
      schema.add("x-kubernetes-group-version-kind", arrayOf(gvk));
      schema.addProperty("x-kubernetes-preserve-unknown-fields", true);
      schemas.add(schemaName, schema);
      JsonObject item = new JsonObject();
      JsonObject fieldValidation = new JsonObject();
      fieldValidation.addProperty("name", "fieldValidation");
      fieldValidation.addProperty("in", "query");
      fieldValidation.addProperty("description", "fieldValidation instructs the server on how to handle objects with unknown or duplicate fields.");
      JsonObject fvSchema = new JsonObject();
      fvSchema.addProperty("type", "string");
      fieldValidation.add("schema", fvSchema);
      JsonObject post = new JsonObject();
      post.addProperty("operationId", "create" + r.kind);
      post.add("x-kubernetes-group-version-kind", gvk.deepCopy());
      post.addProperty("x-kubernetes-action", "post");
      post.add("parameters", arrayOf(fieldValidation.deepCopy()));
      post.add("responses", new JsonObject());
      JsonObject collection = new JsonObject();
      collection.add("post", post);
      paths.add(base, collection);
      if (!r.virtual) {
        JsonObject patch = new JsonObject();
        patch.addProperty("operationId", "patch" + r.kind);
        patch.add("x-kubernetes-group-version-kind", gvk.deepCopy());
        patch.addProperty("x-kubernetes-action", "patch");
        patch.add("parameters", arrayOf(fieldValidation));
        patch.add("responses", new JsonObject());
        item.add("patch", patch);
        paths.add(base + "/{name}", item);
      }
    }
    JsonObject components = new JsonObject();
    components.add("schemas", schemas);
    JsonObject doc = openApiDocument("openapi", "3.0.0", paths);
    doc.add("components", components);
    return doc;
  }

  private static JsonArray arrayOf(JsonObject o) {
    JsonArray a = new JsonArray();
    a.add(o);
    return a;
  }
}
