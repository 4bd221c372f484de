package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
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
    return ApiResponse.json(201, out);
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
}
