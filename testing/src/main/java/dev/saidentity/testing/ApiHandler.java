package dev.saidentity.testing;

import static dev.saidentity.testing.ResourceType.NAMESPACES;
import static dev.saidentity.testing.ResourceType.PODS;
import static dev.saidentity.testing.ResourceType.SERVICE_ACCOUNTS;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Routes and answers API requests against the store: discovery, get, list, watch, create, update,
 * patch (JSON, merge, strategic merge, server-side apply), delete and deletecollection, and hands
 * TokenRequest and the reviews to their handlers.
 */
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
  private final NamespaceController namespaces;

  ApiHandler(FakeKubernetesApiServer server, ObjectStore store, Rbac rbac) {
    this.server = server;
    this.store = store;
    this.rbac = rbac;
    this.nonResource = new NonResource(server);
    this.tokenRequests = new TokenRequests(server, store);
    this.reviews = new Reviews(server, store, rbac);
    this.admission = new Admission(server, store);
    this.namespaces = new NamespaceController(store);
  }

  NamespaceController namespaces() {
    return namespaces;
  }

  /** Ends every watch and stops the namespace controller. */
  void close() {
    store.close();
    namespaces.close();
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
    return nonResource.get(p, seg, req.accept);
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

  private ApiResponse resource(ApiRequest req, String group, String version, String[] segments) {
    // The legacy watch prefix: /api/v1/watch/..., /apis/g/v/watch/...
    boolean watchPrefix = segments[0].equals("watch") && segments.length > 1;
    String[] seg = watchPrefix ? java.util.Arrays.copyOfRange(segments, 1, segments.length) : segments;
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
        verb = watchPrefix || (name.isEmpty() && ListOptions.flag(req, "watch")) ? "watch" : name.isEmpty() ? "list" : "get";
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
    if ((req.method.equals("POST") && !name.isEmpty() && sub.isEmpty()) || (watchPrefix && !verb.equals("watch"))
        || (verb.equals("deletecollection") && !type.verbs.contains("deletecollection"))) {
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
        return list(type, ns, new ListOptions(req, type, false));
      case "watch":
        return watch(type, ns, name, req);
      case "create":
        return create(req, type, ns);
      case "update":
        return update(req, type, ns, name);
      case "patch":
        return patch(req, type, ns, name);
      case "delete":
        return delete(req, type, ns, name);
      case "deletecollection":
        return deleteCollection(req, type, ns);
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

  private ApiResponse list(ResourceType type, String ns, ListOptions opts) {
    Lists.Page page;
    try {
      page = Lists.page(store, type, ns, opts);
    } catch (Lists.ExpiredContinue e) {
      return ApiResponse.json(410, e.toStatus());
    }
    return ApiResponse.json(200, Lists.toList(type, page.items, page.meta));
  }

  /** A watch: 200 and a stream of JSON-line events; errors of the request (400, 422) before anything is streamed. */
  private ApiResponse watch(ResourceType type, String ns, String name, ApiRequest req) {
    ListOptions opts = new ListOptions(req, type, true);
    if (req.method.equals("HEAD")) {
      return ApiResponse.json(200, new JsonObject()); // headers only: no stream to open
    }
    Predicate<JsonObject> filter = opts.filter;
    if (!name.isEmpty()) {
      // /watch/.../name: a watch of one object, as a metadata.name field selector.
      filter = filter.and(o -> name.equals(Rbac.str(ObjectStore.meta(o), "name")));
    }
    Long from;
    boolean initialEventsEnd = false;
    if (Boolean.TRUE.equals(opts.sendInitialEvents)) {
      from = null; // watch-list: the current state, then the initial-events-end bookmark
      initialEventsEnd = opts.allowWatchBookmarks;
    } else if (opts.resourceVersion.isEmpty() || opts.resourceVersion.equals("0")) {
      from = Boolean.FALSE.equals(opts.sendInitialEvents) ? Long.valueOf(store.resourceVersion()) : null;
    } else {
      from = ListOptions.parseResourceVersion(opts.resourceVersion);
    }
    long timeout = opts.timeoutSeconds != null && opts.timeoutSeconds > 0
        ? Math.min(opts.timeoutSeconds, ListOptions.DEFAULT_WATCH_TIMEOUT_SECONDS * 48) : ListOptions.DEFAULT_WATCH_TIMEOUT_SECONDS;
    Watch w = store.watch(type, type.namespaced ? ns : "", filter, from, opts.allowWatchBookmarks, initialEventsEnd,
        System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout));
    return ApiResponse.stream(200, "application/json", w);
  }

  /** DELETE of a collection: deletes what the selectors match, answers the list of deleted objects. */
  private ApiResponse deleteCollection(ApiRequest req, ResourceType type, String ns) {
    Predicate<JsonObject> filter = ListOptions.filter(type, req.param("labelSelector"), req.param("fieldSelector"));
    if (type.namespaced && !ns.isEmpty()) {
      requireNamespaceExists(ns, false);
    }
    List<JsonObject> deleted;
    if ("All".equals(req.param("dryRun"))) {
      deleted = new ArrayList<>();
      for (JsonObject o : store.list(type, ns)) {
        if (filter.test(o)) {
          deleted.add(o);
        }
      }
    } else {
      deleted = store.deleteAll(type, type.namespaced ? ns : "", filter);
    }
    JsonObject meta = new JsonObject();
    meta.addProperty("resourceVersion", store.currentResourceVersion());
    return ApiResponse.json(200, Lists.toList(type, deleted, meta));
  }

  private ApiResponse create(ApiRequest req, ResourceType type, String ns) {
    JsonObject obj = Bodies.object(req, type);
    String fieldManager = req.param("fieldManager");
    if (!fieldManager.isEmpty()) {
      Apply.validateFieldManager(fieldManager, false);
      obj.addProperty("apiVersion", type.apiVersion());
      obj.addProperty("kind", type.kind);
      JsonObject none = new JsonObject();
      none.addProperty("apiVersion", type.apiVersion());
      none.addProperty("kind", type.kind);
      ManagedFields.recordUpdate(none, obj, fieldManager, type.apiVersion(), store.now());
    }
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
      // NamespaceLifecycle admission runs first; the store checks again atomically with the create.
      requireNamespaceExists(ns, true);
      JsonObject namespace = store.get(NAMESPACES, "", ns);
      if (namespace != null && ObjectStore.meta(namespace).has("deletionTimestamp")) {
        throw ObjectStore.terminating(type, name, ns);
      }
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
    require(type, ns, name);
    JsonObject obj = Bodies.object(req, type);
    String bodyName = Rbac.str(ObjectStore.meta(obj), "name");
    if (!bodyName.isEmpty() && !bodyName.equals(name)) {
      throw StatusError.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
    }
    if ("All".equals(req.param("dryRun"))) {
      JsonObject current = require(type, ns, name);
      String rv = Rbac.str(ObjectStore.meta(obj), "resourceVersion");
      if (!rv.isEmpty() && !rv.equals(Rbac.str(ObjectStore.meta(current), "resourceVersion"))) {
        throw StatusError.conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
      }
      return ApiResponse.json(200, obj);
    }
    // The body's resourceVersion, when set, is the precondition the store checks under its lock.
    String fieldManager = req.param("fieldManager");
    if (!fieldManager.isEmpty()) {
      Apply.validateFieldManager(fieldManager, false);
    }
    return ApiResponse.json(200, store.update(type, ns, name, current -> recordUpdate(type, current, obj.deepCopy(), fieldManager)));
  }

  private ApiResponse patch(ApiRequest req, ResourceType type, String ns, String name) {
    String ct = req.contentType.toLowerCase(Locale.ROOT);
    String text = new String(req.body, StandardCharsets.UTF_8);
    boolean apply = ct.startsWith("application/apply-patch+yaml");
    String fieldManager = req.param("fieldManager");
    if (!apply && req.query.containsKey("force")) {
      throw StatusError.invalidOption("PatchOptions", List.<String[]>of(new String[] {"force", "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch"}));
    }
    if (apply) {
      return apply(req, type, ns, name, text, fieldManager);
    }
    if (!fieldManager.isEmpty()) {
      Apply.validateFieldManager(fieldManager, false);
    }
    require(type, ns, name);
    UnaryOperator<JsonObject> patch;
    try {
      if (ct.startsWith("application/json-patch+json")) {
        JsonElement ops = BoundedJson.parse(text);
        if (!ops.isJsonArray()) {
          throw StatusError.badRequest("a JSON patch must be an array of operations");
        }
        patch = current -> patched(Patches.jsonPatch(current, ops.getAsJsonArray()));
      } else if (ct.startsWith("application/merge-patch+json")) {
        JsonElement p = BoundedJson.parse(text);
        patch = current -> patched(Patches.merge(current, p));
      } else if (ct.startsWith("application/strategic-merge-patch+json")) {
        JsonElement p = BoundedJson.parse(text);
        patch = current -> Patches.strategicMerge(type, current, p);
      } else {
        throw new StatusError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
            + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json", null);
      }
    } catch (com.google.gson.JsonParseException e) {
      throw StatusError.badRequest("the patch could not be parsed as JSON" + (e instanceof BoundedJson.TooDeep ? ": " + e.getMessage() : ""));
    }
    UnaryOperator<JsonObject> change = current -> recordUpdate(type, current, patch.apply(current), fieldManager);
    if ("All".equals(req.param("dryRun"))) {
      JsonObject o = change.apply(require(type, ns, name));
      ObjectStore.meta(o).addProperty("name", name);
      return ApiResponse.json(200, o);
    }
    // One compare-and-set: the patch is applied to the current object under the store's lock.
    return ApiResponse.json(200, store.update(type, ns, name, change));
  }

  /**
   * Server-side apply: creates a missing object (201) or merges into the existing one (200), with
   * managedFields; {@code fieldManager} is required, {@code force} takes conflicting fields over.
   */
  private ApiResponse apply(ApiRequest req, ResourceType type, String ns, String name, String text, String fieldManager) {
    JsonObject applied = Yaml.toJson(text);
    Apply.validateFieldManager(fieldManager, true);
    boolean force = ListOptions.flag(req, "force");
    JsonObject appliedMeta = ObjectStore.meta(applied);
    String bodyName = Rbac.str(appliedMeta, "name");
    if (!bodyName.isEmpty() && !bodyName.equals(name)) {
      throw StatusError.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
    }
    String bodyNs = Rbac.str(appliedMeta, "namespace");
    if (type.namespaced && !bodyNs.isEmpty() && !bodyNs.equals(ns)) {
      throw StatusError.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    boolean dryRun = "All".equals(req.param("dryRun"));
    for (int attempt = 0; ; attempt++) {
      if (type.namespaced) {
        requireNamespaceExists(ns, true);
      }
      JsonObject current = store.get(type, ns, name);
      if (current == null) {
        JsonObject obj = Apply.apply(type, null, applied, fieldManager, force, store.now());
        ObjectStore.meta(obj).addProperty("name", name);
        try {
          return ApiResponse.json(201, create(type, ns, obj, dryRun, false));
        } catch (StatusError e) {
          if (e.code != 409 || !e.reason.equals("AlreadyExists") || attempt > 0) {
            throw e;
          }
          continue; // created meanwhile: apply to it, as upstream's patcher retries
        }
      }
      if (dryRun) {
        return ApiResponse.json(200, Apply.apply(type, current, applied, fieldManager, force, store.now()));
      }
      try {
        return ApiResponse.json(200, store.update(type, ns, name, cur -> Apply.apply(type, cur, applied, fieldManager, force, store.now())));
      } catch (StatusError e) {
        if (e.code != 404 || attempt > 0) {
          throw e;
        }
        // deleted meanwhile: create it
      }
    }
  }

  /**
   * managedFields of a non-apply write: an Update entry for {@code fieldManager}, recorded when one is
   * given or the object already has managed fields ("unknown" then, as the fake has no user agent to
   * derive a manager from).
   */
  private JsonObject recordUpdate(ResourceType type, JsonObject before, JsonObject after, String fieldManager) {
    JsonElement mf = ObjectStore.meta(before).get("managedFields");
    boolean managed = mf != null && mf.isJsonArray() && mf.getAsJsonArray().size() > 0;
    if (fieldManager.isEmpty() && !managed) {
      return after;
    }
    ManagedFields.recordUpdate(before, after, fieldManager.isEmpty() ? "unknown" : fieldManager, type.apiVersion(), store.now());
    return after;
  }

  private static JsonObject patched(JsonElement e) {
    if (!e.isJsonObject()) {
      throw StatusError.badRequest("the patched object is not a JSON object");
    }
    return e.getAsJsonObject();
  }

  private ApiResponse delete(ApiRequest req, ResourceType type, String ns, String name) {
    JsonObject current = require(type, ns, name);
    String uid = "";
    String rv = "";
    if (req.body.length > 0) {
      JsonObject options = Bodies.object(req);
      JsonElement pre = options.get("preconditions");
      if (pre != null && pre.isJsonObject()) {
        uid = Rbac.str(pre.getAsJsonObject(), "uid");
        rv = Rbac.str(pre.getAsJsonObject(), "resourceVersion");
      }
    }
    if ("All".equals(req.param("dryRun"))) {
      ObjectStore.preconditions(type, current, uid, rv);
      return ApiResponse.json(200, current);
    }
    if (type == NAMESPACES) {
      // Graceful: answered Terminating; the namespace controller removes it and its contents a moment later.
      return ApiResponse.json(200, namespaces.delete(name, uid, rv));
    }
    JsonObject deleted = store.delete(type, ns, name, uid, rv);
    if (type == PODS || type == SERVICE_ACCOUNTS) {
      return ApiResponse.json(200, deleted);
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
