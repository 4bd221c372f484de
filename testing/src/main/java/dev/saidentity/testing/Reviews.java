package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;

/** TokenReview, SelfSubjectReview, (Self)SubjectAccessReview and SelfSubjectRulesReview. */
final class Reviews {

  private final FakeKubernetesApiServer server;
  private final ObjectStore store;
  private final Rbac rbac;

  Reviews(FakeKubernetesApiServer server, ObjectStore store, Rbac rbac) {
    this.server = server;
    this.store = store;
    this.rbac = rbac;
  }

  /** {@code POST} of a review kind: answered from the spec, never stored. */
  ApiResponse create(ApiRequest req, ResourceType type) {
    JsonObject in = Bodies.object(req);
    Bodies.Fields f = Bodies.Fields.of(type.kind, type.version);
    f.objectMeta(in);
    JsonObject spec = type.plural.equals("selfsubjectreviews") ? null : f.object(in, "spec", type.kind, "spec", "v1." + type.kind + "Spec");
    spec = spec == null ? new JsonObject() : spec;
    String specStruct = type.kind + "Spec";
    JsonObject status = new JsonObject();
    switch (type.plural) {
      case "tokenreviews": {
        String token = f.string(spec, "token", specStruct, "spec.token");
        List<String> requested = f.strings(spec, "audiences", specStruct, "spec.audiences");
        if (token.isEmpty()) {
          throw StatusError.badRequest("token is required for TokenReview in authentication");
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
        Rbac.Attributes a = attributes(f, spec, specStruct);
        boolean allowed = rbac.allowed(req.user, a);
        status.addProperty("allowed", allowed);
        if (allowed && !req.user.isMaster()) {
          status.addProperty("reason", "RBAC: allowed");
        }
        break;
      }
      case "subjectaccessreviews": {
        Rbac.Attributes a = attributes(f, spec, specStruct);
        List<String> groups = f.strings(spec, "groups", specStruct, "spec.groups");
        Rbac.User subject = new Rbac.User(f.string(spec, "user", specStruct, "spec.user"), f.string(spec, "uid", specStruct, "spec.uid"),
            groups, Map.of());
        status.addProperty("allowed", rbac.allowed(subject, a));
        break;
      }
      case "selfsubjectrulesreviews": {
        String ns = f.string(spec, "namespace", specStruct, "spec.namespace");
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
    return ApiResponse.json(201, out);
  }

  /** The attributes of a (Self)SubjectAccessReview spec, typed as upstream decodes them. */
  private static Rbac.Attributes attributes(Bodies.Fields f, JsonObject spec, String specStruct) {
    JsonObject n = f.object(spec, "nonResourceAttributes", specStruct, "spec.nonResourceAttributes", "v1.NonResourceAttributes");
    JsonObject r = f.object(spec, "resourceAttributes", specStruct, "spec.resourceAttributes", "v1.ResourceAttributes");
    String[] v = new String[7];
    List<String> names = List.of("verb", "group", "resource", "subresource", "namespace", "name", "version");
    for (int i = 0; i < names.size(); i++) {
      v[i] = r == null ? "" : f.string(r, names.get(i), "ResourceAttributes", "spec.resourceAttributes." + names.get(i));
    }
    if (n != null) {
      return Rbac.Attributes.nonResource(f.string(n, "verb", "NonResourceAttributes", "spec.nonResourceAttributes.verb"),
          f.string(n, "path", "NonResourceAttributes", "spec.nonResourceAttributes.path"));
    }
    return Rbac.Attributes.resource(v[0], v[1], v[2], v[3], v[4], v[5]);
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
}
