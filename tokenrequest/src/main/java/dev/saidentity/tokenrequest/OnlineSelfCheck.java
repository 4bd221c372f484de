package dev.saidentity.tokenrequest;

import dev.saidentity.core.Finding;
import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.Severity;
import dev.saidentity.core.UnverifiedToken;
import io.kubernetes.client.openapi.ApiClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The online half of the identity self-check, asking the API server with the pod's own token:
 *
 * <ul>
 *   <li>SAI-109 (error) the API server's view (SelfSubjectReview) differs from the token, or it refuses the token;
 *   <li>SAI-110 (warning) the {@code default} ServiceAccount holds permissions beyond what every user has;
 *   <li>SAI-111 (warning) wildcard permissions ({@code *} in verbs, API groups, resources or URLs).
 * </ul>
 *
 * <p>Stateless; thread-safe.
 */
public final class OnlineSelfCheck {

  /** Rules every authenticated user holds (system:basic-user): not counted as the default SA's permissions. */
  private static final Set<String> SELF_REVIEWS = Set.of("selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews");

  private OnlineSelfCheck() {}

  /**
   * What the online checks found: findings and a summary of the permissions (one line per rule).
   *
   * @param findings SAI-109..SAI-111, empty when all is well
   * @param permissions the SelfSubjectRulesReview summarised, e.g. {@code [get, list] on [pods]}
   */
  public record Result(List<Finding> findings, List<String> permissions) {
    /** Copies the components. */
    public Result {
      findings = List.copyOf(findings);
      permissions = List.copyOf(permissions);
    }
  }

  /**
   * Runs the online checks for the token with a client that authenticates with that token.
   *
   * @return the findings (empty when all is well)
   */
  public static List<Finding> run(ApiClient clientWithPodToken, UnverifiedToken token) {
    return check(clientWithPodToken, token).findings();
  }

  /** Runs the online checks and summarises the permissions. */
  public static Result check(ApiClient clientWithPodToken, UnverifiedToken token) {
    Objects.requireNonNull(clientWithPodToken, "client");
    List<Finding> out = new ArrayList<>();
    List<String> permissions = new ArrayList<>();
    ServiceAccount sa = token.serviceAccount();
    UserInfo me;
    try {
      me = SelfSubjectReviews.whoAmI(clientWithPodToken);
    } catch (TokenRequestException e) {
      if (e.reason() == TokenRequestException.Reason.UNAUTHORIZED) {
        out.add(new Finding("SAI-109", Severity.ERROR, "the API server does not accept the token of " + sa.username() + " (401)",
            "the token is expired, revoked or from another cluster: check the mount and that the ServiceAccount and pod still exist"));
        return new Result(out, permissions);
      }
      throw e;
    }
    boolean sameUser = me.username().equals(sa.username());
    boolean sameUid = sa.uid().isEmpty() || me.uid().isEmpty() || sa.uid().get().equals(me.uid());
    if (!sameUser || !sameUid) {
      out.add(new Finding("SAI-109", Severity.ERROR, "the API server sees " + me.username() + (me.uid().isEmpty() ? "" : " (uid " + me.uid() + ")")
          + " but the token names " + sa + "",
          "the ServiceAccount was recreated or the client sends another credential: restart the pod to get a fresh token"));
    }
    SelfSubjectReviews.Rules rules = SelfSubjectReviews.rules(clientWithPodToken, sa.namespace());
    List<String> granted = new ArrayList<>();
    List<String> wildcards = new ArrayList<>();
    for (SelfSubjectReviews.ResourceRule r : rules.resourceRules()) {
      permissions.add(describe(r));
      if (r.hasWildcard()) {
        wildcards.add(describe(r));
      }
      if (!SELF_REVIEWS.containsAll(r.resources())) {
        granted.add(describe(r));
      }
    }
    for (SelfSubjectReviews.NonResourceRule r : rules.nonResourceRules()) {
      permissions.add(r.verbs() + " on " + r.nonResourceUrls());
      if (r.verbs().contains("*") || r.nonResourceUrls().contains("*")) {
        wildcards.add(r.verbs() + " on " + r.nonResourceUrls());
      }
    }
    if (sa.isDefault() && !granted.isEmpty()) {
      out.add(new Finding("SAI-110", Severity.WARNING, "the default ServiceAccount of " + sa.namespace() + " holds permissions: "
          + String.join("; ", granted),
          "remove the bindings to the default ServiceAccount and give the workload its own ServiceAccount"));
    }
    if (!wildcards.isEmpty()) {
      out.add(new Finding("SAI-111", Severity.WARNING, sa.username() + " holds wildcard permissions: " + String.join("; ", wildcards),
          "replace * with the verbs, API groups and resources the workload needs"));
    }
    return new Result(out, permissions);
  }

  private static String describe(SelfSubjectReviews.ResourceRule r) {
    return r.verbs() + " on " + r.resources() + (r.apiGroups().isEmpty() ? "" : " in " + r.apiGroups());
  }
}
