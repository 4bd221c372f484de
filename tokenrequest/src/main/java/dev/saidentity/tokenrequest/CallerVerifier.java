package dev.saidentity.tokenrequest;

import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.ValidatedToken;
import dev.saidentity.core.ValidationResult;
import java.util.Objects;

/**
 * The policy a service applies to its callers' tokens: validate offline first (fast, no API call),
 * then, when the liveness of the bound object matters, ask TokenReview whether the API server still
 * accepts the token (its ServiceAccount and Pod, Secret or Node still exist with the same uids).
 * Results come in core's {@link ValidationResult}; a token the API server no longer accepts is refused
 * with {@link Reason#REVOKED}. Thread-safe.
 *
 * <pre>{@code
 * CallerVerifier callers = CallerVerifier.builder(validator, TokenReviewer.builder(apiClient).audience("payments").build()).build();
 * ValidationResult r = callers.verify(bearer);   // offline, then TokenReview for bound tokens
 * }</pre>
 */
public final class CallerVerifier {

  /** When to ask TokenReview after a successful offline validation. */
  public enum Review {
    /** Never: offline validation only. */
    NEVER,
    /** For tokens bound to a Pod, Secret or Node (the default): their object may be gone. */
    BOUND_TOKENS,
    /** For every token (legacy tokens too: their Secret may be gone). */
    ALWAYS
  }

  private final TokenValidator offline;
  private final TokenReviewer online;
  private final Review review;
  private final boolean failOpen;

  private CallerVerifier(Builder b) {
    this.offline = b.offline;
    this.online = b.online;
    this.review = b.review;
    this.failOpen = b.failOpen;
  }

  /** A verifier with the offline validator and the reviewer; reviews bound tokens, fails closed. */
  public static Builder builder(TokenValidator offline, TokenReviewer online) {
    return new Builder(Objects.requireNonNull(offline, "offline"), Objects.requireNonNull(online, "online"));
  }

  /**
   * Verifies a caller's token.
   *
   * @throws TokenRequestException when TokenReview is needed but the API server cannot be asked, unless
   *     built with {@code failOpen(true)} (then the offline result stands)
   */
  public ValidationResult verify(String token) {
    ValidationResult r = offline.tryValidate(token);
    if (!r.isValid()) {
      return r;
    }
    ValidatedToken t = r.token().orElseThrow();
    boolean bound = t.pod().isPresent() || t.node().isPresent() || (t.secret().isPresent() && t.kind() == dev.saidentity.core.TokenKind.PROJECTED);
    if (review == Review.NEVER || (review == Review.BOUND_TOKENS && !bound)) {
      return r;
    }
    TokenReviewer.Result rr;
    try {
      rr = online.review(token);
    } catch (TokenRequestException e) {
      if (failOpen) {
        return r;
      }
      throw e;
    }
    if (!rr.authenticated()) {
      return ValidationResult.refused(Reason.REVOKED, rr.error().isEmpty() ? "token is not accepted by the API server" : rr.error(),
          "valid offline, but TokenReview refuses it for " + t.username());
    }
    return r;
  }

  /** Settings of a {@link CallerVerifier}. */
  public static final class Builder {
    private final TokenValidator offline;
    private final TokenReviewer online;
    private Review review = Review.BOUND_TOKENS;
    private boolean failOpen;

    private Builder(TokenValidator offline, TokenReviewer online) {
      this.offline = offline;
      this.online = online;
    }

    /** When to ask TokenReview; default {@link Review#BOUND_TOKENS}. */
    public Builder review(Review value) {
      this.review = Objects.requireNonNull(value, "review");
      return this;
    }

    /** Accept an offline-valid token when the API server cannot be asked; default false (fail closed). */
    public Builder failOpen(boolean value) {
      this.failOpen = value;
      return this;
    }

    /** The verifier. */
    public CallerVerifier build() {
      return new CallerVerifier(this);
    }
  }
}
