package dev.saidentity.testing;

import static dev.saidentity.testing.ResourceType.NODES;
import static dev.saidentity.testing.ResourceType.PODS;
import static dev.saidentity.testing.ResourceType.SECRETS;
import static dev.saidentity.testing.ResourceType.SERVICE_ACCOUNTS;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.saidentity.core.ServiceAccount;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The TokenRequest subresource: validation, binding and minting as the API server does them. */
final class TokenRequests {

  static final long MAX_EXTENDED_EXPIRATION = 31536000L;
  static final long WARN_ONLY_EXPIRATION = 3607L;

  private final FakeKubernetesApiServer server;
  private final ObjectStore store;

  TokenRequests(FakeKubernetesApiServer server, ObjectStore store) {
    this.server = server;
    this.store = store;
  }

  /** {@code POST .../serviceaccounts/NAME/token}. */
  ApiResponse create(ApiRequest req, String ns, String saName) {
    JsonObject tr = Bodies.object(req);
    Bodies.Fields f = Bodies.Fields.of("TokenRequest", "v1");
    f.objectMeta(tr);
    JsonObject spec = f.object(tr, "spec", "TokenRequest", "spec", "v1.TokenRequestSpec");
    spec = spec == null ? new JsonObject() : spec;
    Long expiration = f.int64(spec, "expirationSeconds", "TokenRequestSpec", "spec.expirationSeconds");
    List<String> audiences = f.strings(spec, "audiences", "TokenRequestSpec", "spec.audiences");
    JsonObject ref = f.object(spec, "boundObjectRef", "TokenRequestSpec", "spec.boundObjectRef", "v1.BoundObjectReference");
    if (ref != null) {
      for (String field : List.of("kind", "apiVersion", "name")) {
        f.string(ref, field, "BoundObjectReference", "spec.boundObjectRef." + field);
      }
      f.string(ref, "uid", "BoundObjectReference", "spec.boundObjectRef.uid", "types.UID");
    }
    long exp = expiration != null ? expiration : 3600L;
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
    if (audiences.isEmpty()) {
      audiences.addAll(server.apiAudiences());
    }
    FakeTokenIssuer.ProjectedToken token = server.issuer().projected(ServiceAccount.of(ns, saName, saUid));
    audiences.forEach(token::audience);
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
    ApiResponse r = ApiResponse.json(201, out);
    r.headers.putAll(headers);
    return r;
  }
}
