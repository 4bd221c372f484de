package dev.saidentity.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The online half of the API server's ServiceAccount token check: after offline validation, are the
 * ServiceAccount and the bound object still there, with the uids the token names? Errors are
 * upstream's, verbatim (what TokenReview shows in {@code status.error}).
 *
 * <pre>{@code
 * ValidatedToken t = validator.validate(token);
 * Optional<String> revoked = ObjectBindings.check(t, token, clusterObjects, clock.instant());
 * if (revoked.isPresent()) reject(revoked.get());   // e.g. "service account token has been invalidated"
 * }</pre>
 *
 * <p>Projected tokens, in upstream's order: the ServiceAccount (uid, then deletion), the Secret,
 * the Pod, and the Node only when there is no Pod (a pod-bound token's node is informational).
 * An object counts as deleted only when its deletion began more than 60 s ago. Legacy tokens: the
 * Secret must exist, not be deleting, and hold exactly the presented token (compared in constant
 * time); the ServiceAccount must exist with the claimed uid; and the Secret must not carry {@code
 * kubernetes.io/legacy-token-invalid-since}. Stateless and thread-safe.
 */
public final class ObjectBindings {

  /** {@code kubernetes.io/legacy-token-invalid-since}. */
  public static final String INVALID_SINCE_LABEL = "kubernetes.io/legacy-token-invalid-since";
  /** {@code kubernetes.io/legacy-token-last-used}. */
  public static final String LAST_USED_LABEL = "kubernetes.io/legacy-token-last-used";

  static final String INVALIDATED = "service account token has been invalidated";
  private static final Duration DELETION_GRACE = Duration.ofSeconds(60);

  private ObjectBindings() {}

  /**
   * Checks a validated token's bindings against the objects.
   *
   * @param token the validated token
   * @param presented the token text as presented (legacy tokens are compared with their Secret)
   * @param objects where the objects are looked up
   * @param now the instant of the check
   * @return upstream's error when the token is no longer good, empty when it is
   */
  public static Optional<String> check(ValidatedToken token, String presented, ClusterObjects objects, Instant now) {
    Objects.requireNonNull(presented, "presented");
    Objects.requireNonNull(objects, "objects");
    Objects.requireNonNull(now, "now");
    return token.kind() == TokenKind.LEGACY ? legacy(token, presented.strip(), objects) : bound(token, objects, now);
  }

  private static Optional<String> bound(ValidatedToken t, ClusterObjects objects, Instant now) {
    Instant deletedBefore = now.minus(DELETION_GRACE);
    ServiceAccount sa = t.serviceAccount();
    Optional<StoredObject> saObj = objects.serviceAccount(sa.namespace(), sa.name());
    if (saObj.isEmpty()) {
      return Optional.of("serviceaccounts \"" + sa.name() + "\" not found");
    }
    String claimUid = sa.uid().orElse("");
    if (!saObj.get().uid().equals(claimUid)) {
      return Optional.of("service account UID (" + saObj.get().uid() + ") does not match claim (" + claimUid + ")");
    }
    if (deleted(saObj.get(), deletedBefore)) {
      return Optional.of("service account " + sa.namespace() + "/" + sa.name() + " has been deleted");
    }
    if (t.secret().isPresent()) {
      Optional<String> e = ref("secret", t.secret().get(), objects.secret(sa.namespace(), t.secret().get().name()), deletedBefore);
      if (e.isPresent()) {
        return e;
      }
    }
    if (t.pod().isPresent()) {
      Optional<String> e = ref("pod", t.pod().get(), objects.pod(sa.namespace(), t.pod().get().name()), deletedBefore);
      if (e.isPresent()) {
        return e;
      }
    } else if (t.node().isPresent()) {
      Optional<String> e = ref("node", t.node().get(), objects.node(t.node().get().name()), deletedBefore);
      if (e.isPresent()) {
        return e;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> ref(String kind, ObjectRef claim, Optional<StoredObject> obj, Instant deletedBefore) {
    if (obj.isEmpty()) {
      return Optional.of(INVALIDATED);
    }
    String claimUid = claim.uid().orElse("");
    if (!obj.get().uid().equals(claimUid)) {
      return Optional.of(kind + " UID (" + obj.get().uid() + ") does not match service account " + kind + " ref claim (" + claimUid + ")");
    }
    if (deleted(obj.get(), deletedBefore)) {
      return Optional.of(INVALIDATED);
    }
    return Optional.empty();
  }

  private static boolean deleted(StoredObject o, Instant deletedBefore) {
    return o.deletionTimestamp().isPresent() && o.deletionTimestamp().get().isBefore(deletedBefore);
  }

  private static Optional<String> legacy(ValidatedToken t, String presented, ClusterObjects objects) {
    ServiceAccount sa = t.serviceAccount();
    String secretName = t.secret().map(ObjectRef::name).orElse("");
    Optional<StoredObject> secret = objects.secret(sa.namespace(), secretName);
    if (secret.isEmpty() || secret.get().deletionTimestamp().isPresent()) {
      return Optional.of("Token has been invalidated");
    }
    byte[] stored = secret.get().token().orElse("").getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(stored, presented.getBytes(StandardCharsets.UTF_8))) {
      return Optional.of("Token does not match server's copy");
    }
    Optional<StoredObject> saObj = objects.serviceAccount(sa.namespace(), sa.name());
    if (saObj.isEmpty()) {
      return Optional.of("serviceaccounts \"" + sa.name() + "\" not found");
    }
    if (saObj.get().deletionTimestamp().isPresent()) {
      return Optional.of("ServiceAccount " + sa.namespace() + "/" + sa.name() + " has been deleted");
    }
    String claimUid = sa.uid().orElse("");
    if (!saObj.get().uid().equals(claimUid)) {
      return Optional.of("ServiceAccount UID (" + saObj.get().uid() + ") does not match claim (" + claimUid + ")");
    }
    String invalidSince = secret.get().labels().getOrDefault(INVALID_SINCE_LABEL, "");
    if (!invalidSince.isEmpty()) {
      return Optional.of("the token in secret " + sa.namespace() + "/" + secretName + " for service account "
          + sa.namespace() + "/" + sa.name() + " has been marked invalid. Use tokens from the TokenRequest API or"
          + " manually created secret-based tokens, or remove the '" + INVALID_SINCE_LABEL
          + "' label from the secret to temporarily allow use of this token");
    }
    return Optional.empty();
  }
}
