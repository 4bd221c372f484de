package dev.saidentity.testing;

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

  /** A request as the handler sees it. */
  static final class Request {
    final String method;
    final String path;
    final Map<String, List<String>> query;
    final String contentType;
    final byte[] body;
    final Rbac.User user;

    Request(String method, String path, Map<String, List<String>> query, String contentType, byte[] body, Rbac.User user) {
      this.method = method;
      this.path = path;
      this.query = query;
      this.contentType = contentType;
      this.body = body;
      this.user = user;
    }

    String param(String name) {
      List<String> v = query.get(name);
      return v == null || v.isEmpty() ? "" : v.get(0);
    }
  }

  /** An answer: status, JSON body, extra headers. */
  static final class Response {
    final int code;
    final String contentType;
    final byte[] body;
    final Map<String, String> headers = new LinkedHashMap<>();

    Response(int code, String contentType, byte[] body) {
      this.code = code;
      this.contentType = contentType;
      this.body = body;
    }

    static Response json(int code, JsonElement body) {
      return new Response(code, "application/json", body.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  static final ResourceType NAMESPACES = ResourceType.find("", "v1", "namespaces");
  static final ResourceType SERVICE_ACCOUNTS = ResourceType.find("", "v1", "serviceaccounts");
  static final ResourceType PODS = ResourceType.find("", "v1", "pods");
  static final ResourceType SECRETS = ResourceType.find("", "v1", "secrets");
  static final ResourceType NODES = ResourceType.find("", "v1", "nodes");
  static final ResourceType CONFIG_MAPS = ResourceType.find("", "v1", "configmaps");
  static final long MAX_EXTENDED_EXPIRATION = 31536000L;
  static final long WARN_ONLY_EXPIRATION = 3607L;

  private final FakeKubernetesApiServer server;
  private final ObjectStore store;
  private final Rbac rbac;

  ApiHandler(FakeKubernetesApiServer server, ObjectStore store, Rbac rbac) {
    this.server = server;
    this.store = store;
    this.rbac = rbac;
  }

  Response handle(Request req) {
    String p = req.path.length() > 1 && req.path.endsWith("/") ? req.path.substring(0, req.path.length() - 1) : req.path;
    String[] seg = p.equals("/") ? new String[0] : p.substring(1).split("/");
    if (seg.length >= 2 && seg[0].equals("api") && seg[1].equals("v1") && seg.length > 2) {
      return resource(req, "", "v1", java.util.Arrays.copyOfRange(seg, 2, seg.length));
    }
    if (seg.length > 3 && seg[0].equals("apis")) {
      return resource(req, seg[1], seg[2], java.util.Arrays.copyOfRange(seg, 3, seg.length));
    }
    return nonResource(req, p, seg);
  }

  private Response nonResource(Request req, String p, String[] seg) {
    if (!req.method.equals("GET") && !req.method.equals("HEAD")) {
      throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
    }
    authorize(req.user, Rbac.Attributes.nonResource("get", p), "");
    switch (p) {
      case "/version":
        return Response.json(200, Discovery.version());
      case "/healthz":
      case "/livez":
      case "/readyz":
        return new Response(200, "text/plain; charset=utf-8", "ok".getBytes(StandardCharsets.UTF_8));
      case "/api":
        return Response.json(200, Discovery.coreVersions(server.hostPort()));
      case "/apis":
        return Response.json(200, Discovery.groupList());
      case "/api/v1":
        return Response.json(200, Discovery.resourceList("", "v1"));
      case "/openapi/v3":
        return Response.json(200, Discovery.openApiV3Root());
      case "/.well-known/openid-configuration": {
        Response r = new Response(200, dev.saidentity.core.OidcMetadata.CONFIG_CONTENT_TYPE,
            server.issuer().openIdConfiguration(server.url() + dev.saidentity.core.OidcMetadata.JWKS_PATH).getBytes(StandardCharsets.UTF_8));
        r.headers.put("Cache-Control", dev.saidentity.core.OidcMetadata.CACHE_CONTROL);
        return r;
      }
      case "/openid/v1/jwks": {
        Response r = new Response(200, dev.saidentity.core.OidcMetadata.JWKS_CONTENT_TYPE, server.issuer().jwks().getBytes(StandardCharsets.UTF_8));
        r.headers.put("Cache-Control", dev.saidentity.core.OidcMetadata.CACHE_CONTROL);
        return r;
      }
      default:
        break;
    }
    if (seg.length == 2 && seg[0].equals("apis")) {
      JsonObject g = Discovery.group(seg[1]);
      if (g != null) {
        return Response.json(200, g);
      }
    }
    if (seg.length == 3 && seg[0].equals("apis")) {
      JsonObject l = Discovery.resourceList(seg[1], seg[2]);
      if (l != null) {
        return Response.json(200, l);
      }
    }
    if (p.startsWith("/openapi/v3/")) {
      JsonObject doc = Discovery.openApiV3(p.substring("/openapi/v3/".length()));
      if (doc != null) {
        return Response.json(200, doc);
      }
    }
    throw new StatusError(404, "NotFound", "the server could not find the requested resource", null);
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

  private Response resource(Request req, String group, String version, String[] seg) {
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
        return tokenRequest(req, ns, name);
      }
      throw new StatusError(404, "NotFound", "the server could not find the requested resource", null);
    }
    if (type.virtual) {
      if (!verb.equals("create")) {
        throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
      }
      return review(req, type);
    }
    switch (verb) {
      case "get":
        return Response.json(200, require(type, ns, name));
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

  private Response list(Request req, ResourceType type, String ns) {
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
    return Response.json(200, list);
  }

  JsonObject body(Request req) {
    String ct = req.contentType.toLowerCase(Locale.ROOT);
    if (ct.startsWith("application/vnd.kubernetes.protobuf")) {
      return Protobuf.decode(req.body);
    }
    if (ct.contains("yaml")) {
      return Yaml.toJson(new String(req.body, StandardCharsets.UTF_8));
    }
    if (!ct.isEmpty() && !ct.contains("json")) {
      throw new StatusError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
          + "application/json, application/yaml, application/vnd.kubernetes.protobuf", null);
    }
    try {
      JsonElement e = BoundedJson.parse(new String(req.body, StandardCharsets.UTF_8));
      if (!e.isJsonObject()) {
        throw StatusError.badRequest("the body of the request must be a JSON object");
      }
      return e.getAsJsonObject();
    } catch (com.google.gson.JsonParseException e) {
      throw StatusError.badRequest("the body of the request could not be parsed as JSON: "
          + (e instanceof BoundedJson.TooDeep ? e.getMessage() : e.getClass().getSimpleName()));
    }
  }

  private Response create(Request req, ResourceType type, String ns) {
    JsonObject obj = body(req);
    return Response.json(201, create(type, ns, obj, "All".equals(req.param("dryRun")), false));
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
    if (type == NAMESPACES) {
      JsonObject spec = new JsonObject();
      spec.add("finalizers", Rbac.arr("kubernetes"));
      obj.add("spec", spec);
      JsonObject status = new JsonObject();
      status.addProperty("phase", "Active");
      obj.add("status", status);
      JsonObject labels = meta.has("labels") && meta.get("labels").isJsonObject() ? meta.getAsJsonObject("labels") : new JsonObject();
      labels.addProperty("kubernetes.io/metadata.name", name);
      meta.add("labels", labels);
    } else if (type == PODS) {
      admitPod(ns, name, obj);
    } else if (type == SECRETS && "kubernetes.io/service-account-token".equals(Rbac.str(obj, "type"))) {
      fillLegacyTokenSecret(ns, name, obj);
    }
    if (dryRun) {
      JsonObject preview = obj.deepCopy();
      ObjectStore.meta(preview).addProperty("creationTimestamp", store.now());
      preview.addProperty("apiVersion", type.apiVersion());
      preview.addProperty("kind", type.kind);
      return preview;
    }
    JsonObject created = store.create(type, ns, obj);
    if (type == NAMESPACES) {
      // The ServiceAccount controller and the root-CA publisher.
      JsonObject sa = new JsonObject();
      JsonObject saMeta = new JsonObject();
      saMeta.addProperty("name", ServiceAccount.DEFAULT_NAME);
      sa.add("metadata", saMeta);
      store.create(SERVICE_ACCOUNTS, name, sa);
      JsonObject cm = new JsonObject();
      JsonObject cmMeta = new JsonObject();
      cmMeta.addProperty("name", "kube-root-ca.crt");
      cm.add("metadata", cmMeta);
      JsonObject data = new JsonObject();
      data.addProperty("ca.crt", server.caCertificatePemOrEmpty());
      cm.add("data", data);
      store.create(CONFIG_MAPS, name, cm);
    }
    return created;
  }

  private void admitPod(String ns, String name, JsonObject pod) {
    JsonObject spec = pod.has("spec") && pod.get("spec").isJsonObject() ? pod.getAsJsonObject("spec") : new JsonObject();
    pod.add("spec", spec);
    String saName = Rbac.str(spec, "serviceAccountName");
    if (saName.isEmpty()) {
      saName = Rbac.str(spec, "serviceAccount");
    }
    if (saName.isEmpty()) {
      saName = ServiceAccount.DEFAULT_NAME;
    }
    if (store.get(SERVICE_ACCOUNTS, ns, saName) == null) {
      throw new StatusError(403, "Forbidden", "pods \"" + name + "\" is forbidden: error looking up service account " + ns + "/" + saName
          + ": serviceaccount \"" + saName + "\" not found", StatusError.details(name, "", "pods"));
    }
    spec.addProperty("serviceAccountName", saName);
    spec.addProperty("serviceAccount", saName);
    JsonObject status = new JsonObject();
    status.addProperty("phase", "Pending");
    status.addProperty("qosClass", "BestEffort");
    pod.add("status", status);
  }

  /** The token controller's work on a manually created {@code kubernetes.io/service-account-token} Secret. */
  private void fillLegacyTokenSecret(String ns, String name, JsonObject secret) {
    JsonObject meta = ObjectStore.meta(secret);
    JsonObject ann = meta.has("annotations") && meta.get("annotations").isJsonObject() ? meta.getAsJsonObject("annotations") : null;
    String saName = Rbac.str(ann, "kubernetes.io/service-account.name");
    if (saName.isEmpty()) {
      throw StatusError.invalid("Secret", "", name, "metadata.annotations[kubernetes.io/service-account.name]", "\"\"", "Required value");
    }
    JsonObject sa = store.get(SERVICE_ACCOUNTS, ns, saName);
    if (sa == null) {
      return; // the controller waits for the ServiceAccount; the Secret stays without a token
    }
    String uid = Rbac.str(ObjectStore.meta(sa), "uid");
    ann.addProperty("kubernetes.io/service-account.uid", uid);
    JsonObject data = secret.has("data") && secret.get("data").isJsonObject() ? secret.getAsJsonObject("data") : new JsonObject();
    if (data.has("token")) {
      return; // a token is already there (a seeded Secret): the controller leaves it
    }
    String token = server.issuer().legacy(ServiceAccount.of(ns, saName, uid), name);
    data.addProperty("token", b64(token));
    data.addProperty("namespace", b64(ns));
    data.addProperty("ca.crt", b64(server.caCertificatePemOrEmpty()));
    secret.add("data", data);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String randomSuffix() {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < 5; k++) {
      sb.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private Response update(Request req, ResourceType type, String ns, String name) {
    JsonObject current = require(type, ns, name);
    JsonObject obj = body(req);
    String bodyName = Rbac.str(ObjectStore.meta(obj), "name");
    if (!bodyName.isEmpty() && !bodyName.equals(name)) {
      throw StatusError.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
    }
    String rv = Rbac.str(ObjectStore.meta(obj), "resourceVersion");
    if (!rv.isEmpty() && !rv.equals(Rbac.str(ObjectStore.meta(current), "resourceVersion"))) {
      throw StatusError.conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    if ("All".equals(req.param("dryRun"))) {
      return Response.json(200, obj);
    }
    return Response.json(200, store.update(type, ns, name, obj));
  }

  private Response patch(Request req, ResourceType type, String ns, String name) {
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
      return Response.json(200, o);
    }
    return Response.json(200, store.update(type, ns, name, o));
  }

  private Response delete(Request req, ResourceType type, String ns, String name) {
    JsonObject current = require(type, ns, name);
    if ("All".equals(req.param("dryRun"))) {
      return Response.json(200, current);
    }
    store.delete(type, ns, name);
    if (type == NAMESPACES) {
      store.deleteNamespaceContents(name);
    }
    if (type == PODS || type == SERVICE_ACCOUNTS) {
      return Response.json(200, current);
    }
    JsonObject status = new JsonObject();
    status.addProperty("kind", "Status");
    status.addProperty("apiVersion", "v1");
    status.add("metadata", new JsonObject());
    status.addProperty("status", "Success");
    JsonObject d = StatusError.details(name, type.group, type.plural);
    d.addProperty("uid", Rbac.str(ObjectStore.meta(current), "uid"));
    status.add("details", d);
    return Response.json(200, status);
  }

  // ---------------------------------------------------------------- TokenRequest

  private Response tokenRequest(Request req, String ns, String saName) {
    JsonObject tr = body(req);
    JsonObject spec = tr.has("spec") && tr.get("spec").isJsonObject() ? tr.getAsJsonObject("spec") : new JsonObject();
    long exp = spec.has("expirationSeconds") && !spec.get("expirationSeconds").isJsonNull() ? spec.get("expirationSeconds").getAsLong() : 3600L;
    if (exp < 600) {
      throw StatusError.invalid("TokenRequest", "authentication.k8s.io", saName, "spec.expirationSeconds", Long.toString(exp),
          "may not specify a duration less than 10 minutes");
    }
    if (exp > (1L << 32)) {
      throw StatusError.invalid("TokenRequest", "authentication.k8s.io", saName, "spec.expirationSeconds", Long.toString(exp),
          "may not specify a duration larger than 2^32 seconds");
    }
    JsonObject meta = ObjectStore.meta(tr);
    if (!Rbac.str(meta, "name").isEmpty() && !Rbac.str(meta, "name").equals(saName)) {
      throw StatusError.invalid("TokenRequest", "authentication.k8s.io", saName, "metadata.name", "\"" + Rbac.str(meta, "name") + "\"",
          "must match the service account name if specified");
    }
    if (!Rbac.str(meta, "namespace").isEmpty() && !Rbac.str(meta, "namespace").equals(ns)) {
      throw StatusError.invalid("TokenRequest", "authentication.k8s.io", saName, "metadata.namespace", "\"" + Rbac.str(meta, "namespace") + "\"",
          "must match the service account namespace if specified");
    }
    JsonObject sa = store.get(SERVICE_ACCOUNTS, ns, saName);
    if (sa == null) {
      throw StatusError.notFound(SERVICE_ACCOUNTS, saName);
    }
    String saUid = Rbac.str(ObjectStore.meta(sa), "uid");
    String reqUid = Rbac.str(meta, "uid");
    if (!reqUid.isEmpty() && !reqUid.equals(saUid)) {
      throw new StatusError(409, "Conflict", "the UID in the token request (" + reqUid + ") does not match the UID of the service account ("
          + saUid + ")", StatusError.details(saName, "", "serviceaccounts"));
    }
    List<String> audiences = new ArrayList<>();
    if (spec.has("audiences") && spec.get("audiences").isJsonArray()) {
      spec.getAsJsonArray("audiences").forEach(a -> audiences.add(a.getAsString()));
    }
    if (audiences.isEmpty()) {
      audiences.addAll(server.apiAudiences());
    }
    FakeTokenIssuer.ProjectedToken token = server.issuer().projected(ServiceAccount.of(ns, saName, saUid));
    audiences.forEach(token::audience);
    JsonObject ref = spec.has("boundObjectRef") && spec.get("boundObjectRef").isJsonObject() ? spec.getAsJsonObject("boundObjectRef") : null;
    boolean podBound = false;
    if (ref != null) {
      String kind = Rbac.str(ref, "kind");
      String apiVersion = Rbac.str(ref, "apiVersion");
      String refName = Rbac.str(ref, "name");
      String refUid = Rbac.str(ref, "uid");
      String refGroup = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
      ResourceType refType;
      if (refGroup.isEmpty() && kind.equals("Pod")) {
        refType = PODS;
      } else if (refGroup.isEmpty() && kind.equals("Secret")) {
        refType = SECRETS;
      } else if (refGroup.isEmpty() && kind.equals("Node")) {
        refType = NODES;
      } else {
        throw StatusError.badRequest("cannot bind token to object of type " + (refGroup.isEmpty() ? "/" : refGroup + "/")
            + (apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion) + ", Kind=" + kind);
      }
      JsonObject target = store.get(refType, refType.namespaced ? ns : "", refName);
      if (target == null) {
        throw StatusError.notFound(refType, refName);
      }
      String uid = Rbac.str(ObjectStore.meta(target), "uid");
      if (!refUid.isEmpty() && !refUid.equals(uid)) {
        throw new StatusError(409, "Conflict", "the UID in the bound object reference (" + refUid
            + ") does not match the UID in record. The object might have been deleted and then recreated", StatusError.details(refName, "", refType.plural));
      }
      ref.addProperty("uid", uid);
      if (refType == PODS) {
        String podSa = Rbac.str(target.getAsJsonObject("spec"), "serviceAccountName");
        if (!podSa.equals(saName)) {
          throw StatusError.badRequest("cannot bind token for serviceaccount \"" + saName + "\" to pod running with different serviceaccount name.");
        }
        token.boundToPod(refName, uid);
        podBound = true;
        String nodeName = Rbac.str(target.getAsJsonObject("spec"), "nodeName");
        if (!nodeName.isEmpty()) {
          JsonObject node = store.get(NODES, "", nodeName);
          token.node(nodeName, node == null ? null : Rbac.str(ObjectStore.meta(node), "uid"));
        }
      } else if (refType == SECRETS) {
        token.boundToSecret(refName, uid);
      } else {
        token.node(refName, uid);
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    long max = server.maxTokenExpirationSeconds();
    if (max > 0 && exp > max) {
      headers.put("Warning", "299 - \"requested expiration of " + exp + " seconds shortened to " + max + " seconds\"");
      exp = max;
    }
    boolean apiAudiencesOnly = server.apiAudiences().containsAll(audiences);
    Instant now = store.instant().truncatedTo(ChronoUnit.SECONDS);
    token.issuedAt(now);
    if (podBound && exp == WARN_ONLY_EXPIRATION && apiAudiencesOnly && server.extendTokenExpiration()) {
      token.expiresIn(java.time.Duration.ofSeconds(MAX_EXTENDED_EXPIRATION)).warnAfter(java.time.Duration.ofSeconds(WARN_ONLY_EXPIRATION));
    } else {
      token.expiresIn(java.time.Duration.ofSeconds(exp));
    }
    JsonObject outMeta = new JsonObject();
    outMeta.addProperty("name", saName);
    outMeta.addProperty("namespace", ns);
    outMeta.addProperty("creationTimestamp", now.toString());
    JsonObject outSpec = new JsonObject();
    JsonArray auds = new JsonArray();
    audiences.forEach(auds::add);
    outSpec.add("audiences", auds);
    outSpec.addProperty("expirationSeconds", exp);
    if (ref != null) {
      outSpec.add("boundObjectRef", ref);
    }
    JsonObject status = new JsonObject();
    status.addProperty("token", token.mint());
    status.addProperty("expirationTimestamp", now.plusSeconds(exp).toString());
    JsonObject out = new JsonObject();
    out.addProperty("kind", "TokenRequest");
    out.addProperty("apiVersion", "authentication.k8s.io/v1");
    out.add("metadata", outMeta);
    out.add("spec", outSpec);
    out.add("status", status);
    Response r = Response.json(201, out);
    r.headers.putAll(headers);
    return r;
  }

  // ---------------------------------------------------------------- reviews

  private Response review(Request req, ResourceType type) {
    JsonObject in = body(req);
    JsonObject spec = in.has("spec") && in.get("spec").isJsonObject() ? in.getAsJsonObject("spec") : new JsonObject();
    JsonObject status = new JsonObject();
    switch (type.plural) {
      case "tokenreviews": {
        String token = Rbac.str(spec, "token");
        if (token.isEmpty()) {
          throw StatusError.badRequest("token is required for TokenReview in authentication");
        }
        List<String> requested = new ArrayList<>();
        if (spec.has("audiences") && spec.get("audiences").isJsonArray()) {
          spec.getAsJsonArray("audiences").forEach(a -> requested.add(a.getAsString()));
        }
        Authenticator.Result r = server.authenticator().authenticate(token, requested.isEmpty() ? null : requested);
        status.addProperty("authenticated", r.user != null);
        if (r.user != null) {
          status.add("user", userInfo(r.user));
          JsonArray auds = new JsonArray();
          r.audiences.forEach(auds::add);
          status.add("audiences", auds);
        } else {
          status.add("user", new JsonObject());
          status.addProperty("error", r.error);
        }
        break; // the API server answers with the spec as sent, token included (client-java requires it)
      }
      case "selfsubjectreviews":
        status.add("userInfo", userInfo(req.user));
        break;
      case "selfsubjectaccessreviews": {
        Rbac.Attributes a = attributes(spec);
        boolean allowed = rbac.allowed(req.user, a);
        status.addProperty("allowed", allowed);
        if (allowed && !req.user.isMaster()) {
          status.addProperty("reason", "RBAC: allowed");
        }
        break;
      }
      case "subjectaccessreviews": {
        Rbac.Attributes a = attributes(spec);
        List<String> groups = Rbac.strings(spec, "groups");
        Rbac.User subject = new Rbac.User(Rbac.str(spec, "user"), Rbac.str(spec, "uid"), groups, Map.of());
        status.addProperty("allowed", rbac.allowed(subject, a));
        break;
      }
      case "selfsubjectrulesreviews": {
        String ns = Rbac.str(spec, "namespace");
        JsonArray resourceRules = new JsonArray();
        JsonArray nonResourceRules = new JsonArray();
        for (JsonObject rule : rbac.rules(req.user, ns)) {
          if (rule.has("nonResourceURLs") && !Rbac.strings(rule, "nonResourceURLs").isEmpty()) {
            JsonObject nr = new JsonObject();
            nr.add("verbs", rule.get("verbs"));
            nr.add("nonResourceURLs", rule.get("nonResourceURLs"));
            nonResourceRules.add(nr);
          } else {
            JsonObject rr = new JsonObject();
            rr.add("verbs", rule.has("verbs") ? rule.get("verbs") : new JsonArray());
            if (rule.has("apiGroups")) {
              rr.add("apiGroups", rule.get("apiGroups"));
            }
            if (rule.has("resources")) {
              rr.add("resources", rule.get("resources"));
            }
            if (rule.has("resourceNames")) {
              rr.add("resourceNames", rule.get("resourceNames"));
            }
            resourceRules.add(rr);
          }
        }
        status.add("resourceRules", resourceRules);
        status.add("nonResourceRules", nonResourceRules);
        status.addProperty("incomplete", false);
        break;
      }
      default:
        throw new StatusError(404, "NotFound", "the server could not find the requested resource", null);
    }
    JsonObject out = new JsonObject();
    out.addProperty("kind", type.kind);
    out.addProperty("apiVersion", type.apiVersion());
    JsonObject meta = new JsonObject();
    meta.addProperty("creationTimestamp", type.plural.equals("selfsubjectreviews") ? store.now() : null);
    out.add("metadata", meta);
    if (!type.plural.equals("selfsubjectreviews")) {
      out.add("spec", spec);
    }
    out.add("status", status);
    return Response.json(201, out);
  }

  private static Rbac.Attributes attributes(JsonObject spec) {
    if (spec.has("nonResourceAttributes") && spec.get("nonResourceAttributes").isJsonObject()) {
      JsonObject n = spec.getAsJsonObject("nonResourceAttributes");
      return Rbac.Attributes.nonResource(Rbac.str(n, "verb"), Rbac.str(n, "path"));
    }
    JsonObject r = spec.has("resourceAttributes") && spec.get("resourceAttributes").isJsonObject()
        ? spec.getAsJsonObject("resourceAttributes") : new JsonObject();
    return Rbac.Attributes.resource(Rbac.str(r, "verb"), Rbac.str(r, "group"), Rbac.str(r, "resource"), Rbac.str(r, "subresource"),
        Rbac.str(r, "namespace"), Rbac.str(r, "name"));
  }

  static JsonObject userInfo(Rbac.User u) {
    JsonObject o = new JsonObject();
    o.addProperty("username", u.name);
    if (!u.uid.isEmpty()) {
      o.addProperty("uid", u.uid);
    }
    JsonArray groups = new JsonArray();
    u.groups.forEach(groups::add);
    o.add("groups", groups);
    if (!u.extra.isEmpty()) {
      JsonObject extra = new JsonObject();
      for (Map.Entry<String, List<String>> e : u.extra.entrySet()) {
        JsonArray a = new JsonArray();
        e.getValue().forEach(a::add);
        extra.add(e.getKey(), a);
      }
      o.add("extra", extra);
    }
    return o;
  }

  static JsonElement str(@Nullable String s) {
    return s == null ? com.google.gson.JsonNull.INSTANCE : new JsonPrimitive(s);
  }
}
