package dev.saidentity.tokenrequest;

import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.ApiClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Who am I and what may I do: SelfSubjectReview, SelfSubjectAccessReview and SelfSubjectRulesReview
 * as plain Java values. Stateless; thread-safe.
 *
 * <pre>{@code
 * UserInfo me = SelfSubjectReviews.whoAmI(client);
 * boolean canList = SelfSubjectReviews.canI(client, "list", "", "pods", "payments");
 * SelfSubjectReviews.Rules rules = SelfSubjectReviews.rules(client, "payments");
 * }</pre>
 */
public final class SelfSubjectReviews {

  /**
   * A resource rule.
   *
   * @param verbs the verbs
   * @param apiGroups the API groups
   * @param resources the resources
   * @param resourceNames the names, empty for all
   */
  public record ResourceRule(List<String> verbs, List<String> apiGroups, List<String> resources, List<String> resourceNames) {
    /** Copies the components. */
    public ResourceRule {
      verbs = List.copyOf(verbs);
      apiGroups = List.copyOf(apiGroups);
      resources = List.copyOf(resources);
      resourceNames = List.copyOf(resourceNames);
    }

    /** Whether any list holds {@code *}. */
    public boolean hasWildcard() {
      return verbs.contains("*") || apiGroups.contains("*") || resources.contains("*");
    }
  }

  /**
   * A non-resource rule.
   *
   * @param verbs the verbs
   * @param nonResourceUrls the URLs
   */
  public record NonResourceRule(List<String> verbs, List<String> nonResourceUrls) {
    /** Copies the components. */
    public NonResourceRule {
      verbs = List.copyOf(verbs);
      nonResourceUrls = List.copyOf(nonResourceUrls);
    }
  }

  /**
   * What the caller may do in a namespace.
   *
   * @param resourceRules the resource rules
   * @param nonResourceRules the non-resource rules
   * @param incomplete whether the server could not list every rule
   */
  public record Rules(List<ResourceRule> resourceRules, List<NonResourceRule> nonResourceRules, boolean incomplete) {
    /** Copies the components. */
    public Rules {
      resourceRules = List.copyOf(resourceRules);
      nonResourceRules = List.copyOf(nonResourceRules);
    }
  }

  private SelfSubjectReviews() {}

  /**
   * The caller as the API server sees it.
   *
   * @throws TokenRequestException when the review cannot be made
   */
  public static UserInfo whoAmI(ApiClient client) {
    JsonObject status = RawApi.review(Objects.requireNonNull(client, "client"), "authentication.k8s.io", "SelfSubjectReview",
        "selfsubjectreviews", null);
    return Json.user(Json.obj(status, "userInfo"));
  }

  /**
   * Whether the caller may {@code verb} the resource ({@code group} "" for the core group) in
   * {@code namespace} ("" for cluster scope).
   */
  public static boolean canI(ApiClient client, String verb, String group, String resource, String namespace) {
    JsonObject attrs = new JsonObject();
    attrs.addProperty("verb", verb);
    attrs.addProperty("group", group);
    attrs.addProperty("resource", resource);
    if (!namespace.isEmpty()) {
      attrs.addProperty("namespace", namespace);
    }
    JsonObject spec = new JsonObject();
    spec.add("resourceAttributes", attrs);
    return Json.bool(RawApi.review(client, "authorization.k8s.io", "SelfSubjectAccessReview", "selfsubjectaccessreviews", spec), "allowed");
  }

  /** The caller's rules in {@code namespace}. */
  public static Rules rules(ApiClient client, String namespace) {
    JsonObject spec = new JsonObject();
    spec.addProperty("namespace", namespace);
    JsonObject status = RawApi.review(client, "authorization.k8s.io", "SelfSubjectRulesReview", "selfsubjectrulesreviews", spec);
    List<ResourceRule> rr = new ArrayList<>();
    if (status.has("resourceRules") && status.get("resourceRules").isJsonArray()) {
      status.getAsJsonArray("resourceRules").forEach(e -> {
        if (e.isJsonObject()) {
          JsonObject o = e.getAsJsonObject();
          rr.add(new ResourceRule(Json.strings(o, "verbs"), Json.strings(o, "apiGroups"), Json.strings(o, "resources"),
              Json.strings(o, "resourceNames")));
        }
      });
    }
    List<NonResourceRule> nr = new ArrayList<>();
    if (status.has("nonResourceRules") && status.get("nonResourceRules").isJsonArray()) {
      status.getAsJsonArray("nonResourceRules").forEach(e -> {
        if (e.isJsonObject()) {
          nr.add(new NonResourceRule(Json.strings(e.getAsJsonObject(), "verbs"), Json.strings(e.getAsJsonObject(), "nonResourceURLs")));
        }
      });
    }
    return new Rules(rr, nr, Json.bool(status, "incomplete"));
  }
}
