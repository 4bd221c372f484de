package dev.saidentity.tokenrequest;

import dev.saidentity.core.TokenKind;
import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.ValidatedToken;
import dev.saidentity.core.ValidationResult;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy a service applies to its callers' tokens: validate offline first (fast, no API call),
 * then ask TokenReview whether the API server still accepts the token (its ServiceAccount, and the
 * Pod, Secret or Node it is bound to, still exist with the same uids; a legacy token's Secret still
 * exists). Results come in core's {@link ValidationResult}; a token the API server no longer accepts is
 * refused with {@link Reason#REVOKED}.
 *
 * <p><b>Audiences.</b> Each token is reviewed for the audiences the offline validator accepted it for:
 * those of its {@code aud} claim that the validator requires ({@link ValidatedToken#audiences()}
 * within {@link ValidatedToken#tokenAudiences()}); a token without {@code aud}, which the validator
 * took to be for the API audiences, is reviewed for the API server's own audiences. The two checks
 * therefore cannot disagree, and the reviewer's own {@link TokenReviewer.Builder#audience(String)} is
 * not used here (it applies to {@link TokenReviewer#review(String)} only).
 *
 * <p><b>Failures.</b> Fail closed by default. With {@link Builder#failOpen(boolean) failOpen(true)},
 * the offline result stands only when the API server is unavailable ({@link
 * TokenRequestException#isRetryable()}: no connection, no answer within the reviewer's deadline, 429 or
 * 5xx) and the token is not a legacy token (legacy tokens never expire: deleting their Secret is their
 * only revocation). A definitive "not authenticated" is never opened, nor a 401/403 (the reviewer's own
 * credentials or permissions are wrong), nor any other failure: an unexpected runtime failure of the
 * review is refused with a {@link TokenRequestException} of reason {@code UNEXPECTED}. Thread-safe.
 *
 * <pre>{@code
 * CallerVerifier callers = CallerVerifier.builder(validator, TokenReviewer.builder(apiClient).build()).build();
 * ValidationResult r = callers.verify(bearer);   // offline, then TokenReview
 * }</pre>
 */
public final class CallerVerifier {

  private static final Logger LOG = LoggerFactory.getLogger(CallerVerifier.class);

  /** When to ask TokenReview after a successful offline validation. */
  public enum Review {
    /** Never: offline validation only; a deleted ServiceAccount, Pod, Secret or Node goes unnoticed. */
    NEVER,
    /**
     * For projected tokens bound to a Pod, Secret or Node only: their object may be gone. Unbound and
     * legacy tokens are not reviewed, so deleting a legacy token's Secret (its only revocation) goes
     * unnoticed.
     */
    BOUND_TOKENS,
    /** For every token, legacy tokens included (the default). */
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

  /** A verifier with the offline validator and the reviewer; reviews every token, fails closed. */
  public static Builder builder(TokenValidator offline, TokenReviewer online) {
    return new Builder(Objects.requireNonNull(offline, "offline"), Objects.requireNonNull(online, "online"));
  }

  /**
   * Verifies a caller's token.
   *
   * @throws TokenRequestException when TokenReview is needed but cannot be had: the API server is
   *     unavailable (retryable; with {@code failOpen(true)} the offline result of a projected token
   *     stands instead), refuses the reviewer's credentials or permissions, or the review fails
   *     unexpectedly (reason {@code UNEXPECTED}; never opened)
   * @throws NullPointerException if token is null
   */
  public ValidationResult verify(String token) {
    ValidationResult r = offline.tryValidate(token);
    if (!r.isValid()) {
      return r;
    }
    ValidatedToken t = r.token().orElseThrow();
    boolean legacy = t.kind() == TokenKind.LEGACY;
    boolean bound = !legacy && (t.pod().isPresent() || t.node().isPresent() || t.secret().isPresent());
    if (review == Review.NEVER || (review == Review.BOUND_TOKENS && !bound)) {
      return r;
    }
    TokenReviewer.Result rr;
    try {
      rr = online.review(token, reviewAudiences(t));
    } catch (TokenRequestException e) {
      if (failOpen && e.isRetryable() && !legacy) {
        LOG.warn("TokenReview unavailable ({}, HTTP {}): failing open for {} {}, valid offline", e.reason(), e.status(), t.username(),
            t.fingerprint());
        return r;
      }
      throw e;
    } catch (RuntimeException e) {
      throw unexpected(e);
    }
    if (!rr.authenticated()) {
      return ValidationResult.refused(Reason.REVOKED, rr.error().isEmpty() ? "token is not accepted by the API server" : rr.error(),
          "valid offline, but TokenReview refuses it for " + t.username());
    }
    return r;
  }

  /** The audiences the validator accepted from the token's own {@code aud}; empty (the API server's) for a token without one. */
  static List<String> reviewAudiences(ValidatedToken t) {
    List<String> own = t.tokenAudiences();
    return t.audiences().stream().filter(own::contains).distinct().toList();
  }

  /** Fails closed; the cause keeps the failure's class and stack trace but not its message, which may quote input. */
  private static TokenRequestException unexpected(RuntimeException e) {
    RuntimeException trace = new RuntimeException(e.getClass().getName() + " (its message withheld: it may quote input)");
    trace.setStackTrace(e.getStackTrace());
    return new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, 0, null,
        "TokenReview failed unexpectedly (" + e.getClass().getName() + "): the token is refused", trace);
  }

  /** Settings of a {@link CallerVerifier}. Not thread-safe. */
  public static final class Builder {
    private final TokenValidator offline;
    private final TokenReviewer online;
    private Review review = Review.ALWAYS;
    private boolean failOpen;

    private Builder(TokenValidator offline, TokenReviewer online) {
      this.offline = offline;
      this.online = online;
    }

    /** When to ask TokenReview; default {@link Review#ALWAYS}. */
    public Builder review(Review value) {
      this.review = Objects.requireNonNull(value, "review");
      return this;
    }

    /**
     * Accept a projected token valid offline when the API server is unavailable (no connection, no
     * answer within the reviewer's deadline, 429, 5xx); default false (fail closed). Never applies to
     * legacy tokens, to a token the API server refuses, to 401/403 or to unexpected failures.
     */
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
