package dev.saidentity.testing;

import static dev.saidentity.testing.ResourceType.CONFIG_MAPS;
import static dev.saidentity.testing.ResourceType.NAMESPACES;
import static dev.saidentity.testing.ResourceType.PODS;
import static dev.saidentity.testing.ResourceType.SECRETS;
import static dev.saidentity.testing.ResourceType.SERVICE_ACCOUNTS;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.saidentity.core.ServiceAccount;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Routes and answers API requests against the store: discovery, CRUD, TokenRequest, reviews. */
final class ApiHandler {

  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private final FakeKubernetesApiServer server;
  private final ObjectStore store;
  private final Rbac rbac;
  private final NonResource nonResource;
  private final TokenRequests tokenRequests;
  private final Reviews reviews;
  private final Admission admission;

  ApiHandler(FakeKubernetesApiServer server, ObjectStore store, Rbac rbac) {
    this.server = server;
    this.store = store;
    this.rbac = rbac;
    this.nonResource = new NonResource(server);
    this.tokenRequests = new TokenRequests(server, store);
    this.reviews = new Reviews(server, store, rbac);
    this.admission = new Admission(server, store);
  }

  ApiResponse handle(ApiRequest req) {
    String p = req.path.length() > 1 && req.path.endsWith("/") ? req.path.substring(0, req.path.length() - 1) : req.path;
    String[] seg = p.equals("/") ? new String[0] : p.substring(1).split("/");
    if (seg.length >= 2 && seg[0].equals("api") && seg[1].equals("v1") && seg.length > 2) {
      return resource(req, "", "v1", java.util.Arrays.copyOfRange(seg, 2, seg.length));
    }
    if (seg.length > 3 && seg[0].equals("apis")) {
      return resource(req, seg[1], seg[2], java.util.Arrays.copyOfRange(seg, 3, seg.length));
    }
    if (!req.method.equals("GET") && !req.method.equals("HEAD")) {
      throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
    }
    authorize(req.user, Rbac.Attributes.nonResource("get", p), "");
    return nonResource.get(p, seg);
  }

  private void authorize(Rbac.User u, Rbac.Attributes a, String name) {
    if (rbac.allowed(u, a)) {
      return;
    }
    if (!a.resourceRequest) {
      throw new StatusError(403, "Forbidden", "forbidden: User \"" + u.name + "\" cannot " + a.verb + " path \"" + a.path + "\"", null);
    }
    String what = a.subresource.isEmpty() ? a.resource : a.resource + "/" + a.subresource;
    String grp = a.apiGroup.isEmpty() ? a.resource : a.resource + "." + a.apiGroup;
    String scope = a.namespace.isEmpty() ? " at the cluster scope" : " in the namespace \"" + a.namespace + "\"";
    StatusError e = StatusError.forbidden(grp, name, u.name,
        a.verb + " resource \"" + what + "\" in API group \"" + a.apiGroup + "\"" + scope);
    JsonObject d = StatusError.details(name, a.apiGroup, a.resource);
    throw new StatusError(403, "Forbidden", e.getMessage(), d);
  }

  private ApiResponse resource(ApiRequest req, String group, String version, String[] seg) {
    String ns = "";
    int i = 0;
    if (seg[0].equals("namespaces") && seg.length >= 3) {
      ResourceType inner = ResourceType.find(group, version, seg[2]);
      if (inner != null && inner.namespaced) {
        ns = seg[1];
        i = 2;
      }
    }
    ResourceType type = ResourceType.find(group, version, seg[i]);
    if (type == null) {
      throw new StatusError(404, "NotFound", "the server could not find the requested resource", null);
    }
    String name = seg.length > i + 1 ? seg[i + 1] : "";
    String sub = seg.length > i + 2 ? seg[i + 2] : "";
    if (seg.length > i + 3) {
      throw new StatusError(404, "NotFound", "the server could not find the requested resource", null);
    }
    String verb;
    switch (req.method) {
      case "GET":
      case "HEAD":
        verb = name.isEmpty() ? ("true".equals(req.param("watch")) ? "watch" : "list") : "get";
        break;
      case "POST":
        verb = "create";
        break;
      case "PUT":
        verb = "update";
        break;
      case "PATCH":
        verb = "patch";
        break;
      case "DELETE":
        verb = name.isEmpty() ? "deletecollection" : "delete";
        break;
      default:
        throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
    }
    if (req.method.equals("POST") && !name.isEmpty() && sub.isEmpty()) {
      throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
    }
    authorize(req.user, Rbac.Attributes.resource(verb, group, type.plural, sub, ns, name), name);
    if (!sub.isEmpty()) {
      if (type == SERVICE_ACCOUNTS && sub.equals("token") && verb.equals("create")) {
        return tokenRequests.create(req, ns, name);
      }
      throw new StatusError(404, "NotFound", "the server could not find the requested resource", null);
    }
    if (type.virtual) {
      if (!verb.equals("create")) {
        throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
      }
      return reviews.create(req, type);
    }
    switch (verb) {
      case "get":
        return ApiResponse.json(200, require(type, ns, name));
      case "list":
        return list(req, type, ns);
      case "watch":
        throw new StatusError(405, "MethodNotAllowed", "watch is not supported by the sa-identity fake API server", null);
      case "create":
        return create(req, type, ns);
      case "update":
        return update(req, type, ns, name);
      case "patch":
        return patch(req, type, ns, name);
      case "delete":
        return delete(req, type, ns, name);
      default:
        throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
    }
  }

  private JsonObject require(ResourceType type, String ns, String name) {
    if (type.namespaced) {
      requireNamespaceExists(ns, false);
    }
    JsonObject o = store.get(type, ns, name);
    if (o == null) {
      throw StatusError.notFound(type, name);
    }
    return o;
  }

  private void requireNamespaceExists(String ns, boolean forCreate) {
    if (store.get(NAMESPACES, "", ns) == null && forCreate) {
      throw StatusError.notFound(NAMESPACES, ns);
    }
  }

  private ApiResponse list(ApiRequest req, ResourceType type, String ns) {
    List<JsonObject> all = store.list(type, type.namespaced && !ns.isEmpty() ? ns : null);
    String labelSelector = req.param("labelSelector");
    String fieldSelector = req.param("fieldSelector");
    List<JsonObject> matching = new ArrayList<>();
    for (JsonObject o : all) {
      if (Selectors.labels(labelSelector, o) && Selectors.fields(fieldSelector, o)) {
        matching.add(o);
      }
    }
    int offset = 0;
    String cont = req.param("continue");
    if (!cont.isEmpty()) {
      try {
        offset = Integer.parseInt(new String(Base64.getUrlDecoder().decode(cont), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new StatusError(400, "BadRequest", "continue key is not valid: " + e.getClass().getSimpleName(), null);
      }
    }
    int limit = req.param("limit").isEmpty() ? 0 : Integer.parseInt(req.param("limit"));
    int end = limit > 0 ? Math.min(matching.size(), offset + limit) : matching.size();
    JsonArray items = new JsonArray();
    for (int k = Math.min(offset, matching.size()); k < end; k++) {
      JsonObject item = matching.get(k);
      item.remove("apiVersion");
      item.remove("kind");
      items.add(item);
    }
    JsonObject meta = new JsonObject();
    meta.addProperty("resourceVersion", store.currentResourceVersion());
    if (end < matching.size()) {
      meta.addProperty("continue", Base64.getUrlEncoder().withoutPadding().encodeToString(Integer.toString(end).getBytes(StandardCharsets.UTF_8)));
      meta.addProperty("remainingItemCount", matching.size() - end);
    }
    JsonObject list = new JsonObject();
    list.addProperty("kind", type.kind + "List");
    list.addProperty("apiVersion", type.apiVersion());
    list.add("metadata", meta);
    list.add("items", items);
    return ApiResponse.json(200, list);
  }

  private ApiResponse create(ApiRequest req, ResourceType type, String ns) {
    JsonObject obj = Bodies.object(req, type);
    return ApiResponse.json(201, create(type, ns, obj, "All".equals(req.param("dryRun")), false));
  }

  /**
   * Creates an object with the controllers' and admission's effects. Over HTTP a given uid is
   * ignored, as the API server ignores it; seeding ({@code keepUid}) keeps it, so that fixtures can
   * match tokens minted elsewhere.
   */
  JsonObject create(ResourceType type, String ns, JsonObject obj, boolean dryRun, boolean keepUid) {
    JsonObject meta = ObjectStore.meta(obj);
    String name = Rbac.str(meta, "name");
    if (name.isEmpty()) {
      String gen = Rbac.str(meta, "generateName");
      if (gen.isEmpty()) {
        throw StatusError.invalid(type.kind, type.group, "", "metadata.name", "\"\"", "name or generateName is required");
      }
      name = gen + randomSuffix();
      meta.addProperty("name", name);
    }
    Pattern rule = type == NAMESPACES ? DNS_LABEL : DNS_SUBDOMAIN;
    if (type.group.equals("rbac.authorization.k8s.io")) {
      rule = Pattern.compile("[^/%]+"); // RBAC names are path segment names
    }
    if (!rule.matcher(name).matches() || name.length() > 253) {
      throw StatusError.invalid(type.kind, type.group, name, "metadata.name", "\"" + name + "\"",
          type == NAMESPACES ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"
              : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'");
    }
    String metaNs = Rbac.str(meta, "namespace");
    if (type.namespaced && !metaNs.isEmpty() && !metaNs.equals(ns)) {
      throw StatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    if (type.namespaced) {
      requireNamespaceExists(ns, true);
    }
    if (store.get(type, ns, name) != null) {
      throw StatusError.alreadyExists(type, name);
    }
    if (!keepUid) {
      meta.remove("uid");
    }
    meta.remove("resourceVersion");
    meta.remove("creationTimestamp");
    meta.remove("deletionTimestamp");
    admission.admit(type, ns, name, obj);
    if (dryRun) {
      JsonObject preview = obj.deepCopy();
      ObjectStore.meta(preview).addProperty("creationTimestamp", store.now());
      preview.addProperty("apiVersion", type.apiVersion());
      preview.addProperty("kind", type.kind);
      return preview;
    }
    JsonObject created = store.create(type, ns, obj);
    admission.created(type, name);
    return created;
  }

  private static String randomSuffix() {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < 5; k++) {
      sb.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private ApiResponse update(ApiRequest req, ResourceType type, String ns, String name) {
    JsonObject current = require(type, ns, name);
    JsonObject obj = Bodies.object(req, type);
    String bodyName = Rbac.str(ObjectStore.meta(obj), "name");
    if (!bodyName.isEmpty() && !bodyName.equals(name)) {
      throw StatusError.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
    }
    String rv = Rbac.str(ObjectStore.meta(obj), "resourceVersion");
    if (!rv.isEmpty() && !rv.equals(Rbac.str(ObjectStore.meta(current), "resourceVersion"))) {
      throw StatusError.conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    if ("All".equals(req.param("dryRun"))) {
      return ApiResponse.json(200, obj);
    }
    return ApiResponse.json(200, store.update(type, ns, name, obj));
  }

  private ApiResponse patch(ApiRequest req, ResourceType type, String ns, String name) {
    JsonObject current = require(type, ns, name);
    String ct = req.contentType.toLowerCase(Locale.ROOT);
    JsonElement patched;
    String text = new String(req.body, StandardCharsets.UTF_8);
    try {
      if (ct.startsWith("application/json-patch+json")) {
        JsonElement ops = BoundedJson.parse(text);
        if (!ops.isJsonArray()) {
          throw StatusError.badRequest("a JSON patch must be an array of operations");
        }
        patched = Patches.jsonPatch(current, ops.getAsJsonArray());
      } else if (ct.startsWith("application/merge-patch+json") || ct.startsWith("application/strategic-merge-patch+json")) {
        patched = Patches.merge(current, BoundedJson.parse(text));
      } else if (ct.startsWith("application/apply-patch+yaml")) {
        patched = Patches.merge(current, Yaml.toJson(text));
      } else {
        throw new StatusError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
            + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json", null);
      }
    } catch (com.google.gson.JsonParseException e) {
      throw StatusError.badRequest("the patch could not be parsed as JSON" + (e instanceof BoundedJson.TooDeep ? ": " + e.getMessage() : ""));
    }
    if (!patched.isJsonObject()) {
      throw StatusError.badRequest("the patched object is not a JSON object");
    }
    JsonObject o = patched.getAsJsonObject();
    ObjectStore.meta(o).addProperty("name", name);
    if ("All".equals(req.param("dryRun"))) {
      return ApiResponse.json(200, o);
    }
    return ApiResponse.json(200, store.update(type, ns, name, o));
  }

  private ApiResponse delete(ApiRequest req, ResourceType type, String ns, String name) {
    JsonObject current = require(type, ns, name);
    if ("All".equals(req.param("dryRun"))) {
      return ApiResponse.json(200, current);
    }
    store.delete(type, ns, name);
    if (type == NAMESPACES) {
      store.deleteNamespaceContents(name);
    }
    if (type == PODS || type == SERVICE_ACCOUNTS) {
      return ApiResponse.json(200, current);
    }
    JsonObject status = new JsonObject();
    status.addProperty("kind", "Status");
    status.addProperty("apiVersion", "v1");
    status.add("metadata", new JsonObject());
    status.addProperty("status", "Success");
    JsonObject d = StatusError.details(name, type.group, type.plural);
    d.addProperty("uid", Rbac.str(ObjectStore.meta(current), "uid"));
    status.add("details", d);
    return ApiResponse.json(200, status);
  }

  static JsonElement str(@Nullable String s) {
    return s == null ? com.google.gson.JsonNull.INSTANCE : new JsonPrimitive(s);
  }
}
