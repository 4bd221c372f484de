package dev.saidentity.testing;

import dev.saidentity.core.ObjectRef;
import dev.saidentity.core.TokenKind;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.core.ValidatedToken;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;
import org.jspecify.annotations.Nullable;

/**
 * Assertions on a token, decoded or validated; see {@link SaIdentityAssertions}. Messages name the
 * token by identity and fingerprint, never by its text.
 */
public final class TokenAssert extends AbstractAssert<TokenAssert, UnverifiedToken> {

  private final @Nullable ValidatedToken validated;

  TokenAssert(@Nullable UnverifiedToken actual, @Nullable ValidatedToken validated) {
    super(actual, TokenAssert.class);
    this.validated = validated;
  }

  private String name() {
    return actual.serviceAccount().username() + " (" + actual.fingerprint() + ")";
  }

  /** A projected token. */
  public TokenAssert isProjected() {
    return hasKind(TokenKind.PROJECTED);
  }

  /** A legacy token. */
  public TokenAssert isLegacy() {
    return hasKind(TokenKind.LEGACY);
  }

  private TokenAssert hasKind(TokenKind kind) {
    isNotNull();
    if (actual.kind() != kind) {
      failWithMessage("Expecting token %s to be %s but it is %s", name(), kind, actual.kind());
    }
    return this;
  }

  /** The ServiceAccount's username is {@code expected}. */
  public TokenAssert hasUsername(String expected) {
    isNotNull();
    if (!actual.serviceAccount().username().equals(expected)) {
      failWithMessage("Expecting token %s to be for \"%s\" but it is for \"%s\"", actual.fingerprint(), expected,
          actual.serviceAccount().username());
    }
    return this;
  }

  /** The token's audiences are exactly these, in this order. */
  public TokenAssert hasAudiences(String... expected) {
    isNotNull();
    if (!actual.audiences().equals(List.of(expected))) {
      failWithMessage("Expecting token %s to have audiences %s but it has %s", name(), List.of(expected), actual.audiences());
    }
    return this;
  }

  /** Bound to the Pod named {@code pod}. */
  public TokenAssert isBoundToPod(String pod) {
    return bound("Pod", actual.pod(), pod);
  }

  /** Bound to the Secret named {@code secret}. */
  public TokenAssert isBoundToSecret(String secret) {
    return bound("Secret", actual.secret(), secret);
  }

  /** Bound to (or running on) the Node named {@code node}. */
  public TokenAssert isBoundToNode(String node) {
    return bound("Node", actual.node(), node);
  }

  private TokenAssert bound(String kind, Optional<ObjectRef> ref, String expected) {
    isNotNull();
    if (ref.isEmpty()) {
      failWithMessage("Expecting token %s to be bound to %s \"%s\" but it is bound to no %s", name(), kind, expected, kind);
    } else if (!ref.get().name().equals(expected)) {
      failWithMessage("Expecting token %s to be bound to %s \"%s\" but it is bound to %s \"%s\"", name(), kind, expected, kind, ref.get().name());
    }
    return this;
  }

  /** Expires at {@code expected}. */
  public TokenAssert expiresAt(Instant expected) {
    isNotNull();
    if (!actual.expiresAt().equals(Optional.of(expected))) {
      failWithMessage("Expecting token %s to expire at %s but it %s", name(), expected,
          actual.expiresAt().map(i -> "expires at " + i).orElse("never expires"));
    }
    return this;
  }

  /** Was stale (past warnafter) when validated. Only for validated tokens. */
  public TokenAssert isStale() {
    isNotNull();
    if (validated == null) {
      failWithMessage("Expecting token %s to be stale, but staleness is known only for a validated token", name());
    } else if (!validated.isStale()) {
      failWithMessage("Expecting token %s to be stale at %s but its warnafter is %s", name(), validated.validatedAt(),
          actual.warnAfter().map(Instant::toString).orElse("not set"));
    }
    return this;
  }

  /** Was not stale when validated. Only for validated tokens. */
  public TokenAssert isNotStale() {
    isNotNull();
    if (validated == null) {
      failWithMessage("Expecting token %s not to be stale, but staleness is known only for a validated token", name());
    } else if (validated.isStale()) {
      failWithMessage("Expecting token %s not to be stale at %s but it has been stale since %s", name(), validated.validatedAt(),
          actual.warnAfter().orElseThrow());
    }
    return this;
  }
}
