package dev.saidentity.tokenrequest;

import dev.saidentity.core.ServiceAccount;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A user as the API server authenticated it (TokenReview, SelfSubjectReview).
 *
 * @param username the username
 * @param uid the uid, empty when none
 * @param groups the groups, {@code system:authenticated} included
 * @param extra the extra attributes
 */
public record UserInfo(String username, String uid, List<String> groups, Map<String, List<String>> extra) {

  /** Copies the components. */
  public UserInfo {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(uid, "uid");
    groups = List.copyOf(groups);
    extra = Map.copyOf(extra);
  }

  /** The ServiceAccount, when the user is one (with its uid). */
  public Optional<ServiceAccount> serviceAccount() {
    if (!username.startsWith(ServiceAccount.USERNAME_PREFIX)) {
      return Optional.empty();
    }
    try {
      return Optional.of(ServiceAccount.fromUsername(username).withUid(uid));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
