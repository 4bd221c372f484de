package dev.saidentity.core;

import java.util.Objects;

/**
 * A token was refused: malformed, unverifiable, for someone else, or out of its time. The {@link
 * #reason()} says which; the message states the facts (expected versus actual, the instant versus
 * {@code exp} and leeway) and never contains token text.
 *
 * <pre>{@code
 * try {
 *   ValidatedToken t = validator.validate(token);
 * } catch (TokenValidationException e) {
 *   log.warn("token {} refused: {} {}", Tokens.fingerprint(token), e.reason(), e.getMessage());
 * }
 * }</pre>
 */
public class TokenValidationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why a token was refused. The names are stable: the CLI prints them. */
  public enum Reason {
    /** Not a compact JWS ServiceAccount token: bad structure, encoding, JSON, claim type, size or {@code crit}. */
    MALFORMED,
    /** The {@code alg} is not one of RS256/384/512, PS256/384/512, ES256/384/512 ({@code none} and HMAC are refused). */
    UNSUPPORTED_ALGORITHM,
    /** No configured key matches the token's {@code kid} (upstream: {@code invalid signature, no keys found}). */
    UNKNOWN_KEY,
    /** The signature does not verify with any candidate key. */
    INVALID_SIGNATURE,
    /** The issuer is not one of those accepted. */
    ISSUER_MISMATCH,
    /** The token's audiences and the required audiences do not intersect. */
    AUDIENCE_MISMATCH,
    /** {@code exp} plus leeway is before now. */
    EXPIRED,
    /** {@code nbf} is after now plus leeway. */
    NOT_YET_VALID,
    /** {@code iat} is after now plus leeway. */
    ISSUED_IN_FUTURE,
    /** A legacy (Secret-based) token, and legacy tokens are not allowed. */
    LEGACY_TOKEN_NOT_ALLOWED,
    /** A claim the token kind requires is absent. */
    MISSING_CLAIM,
    /** A claim has the right type but an inconsistent value (e.g. {@code sub} disagrees with the legacy claims). */
    INVALID_CLAIM,
    /**
     * Valid offline, but the API server no longer accepts it (TokenReview): its ServiceAccount or
     * bound object was deleted or recreated. Never produced by offline validation.
     */
    REVOKED
  }

  private final Reason reason;
  private final String upstreamMessage;

  /**
   * Creates an exception.
   *
   * @param reason why the token was refused
   * @param upstreamMessage the Kubernetes API server's wording for this failure, or our own where
   *     upstream has none
   * @param details facts appended to the message, may be empty
   */
  public TokenValidationException(Reason reason, String upstreamMessage, String details) {
    super(details.isEmpty() ? upstreamMessage : upstreamMessage + ": " + details);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.upstreamMessage = Objects.requireNonNull(upstreamMessage, "upstreamMessage");
  }

  /** Why the token was refused. */
  public Reason reason() {
    return reason;
  }

  /**
   * The message the Kubernetes API server gives for this failure, verbatim where it has one (what
   * TokenReview shows in {@code status.error}), without the facts that {@link #getMessage()} adds.
   */
  public String upstreamMessage() {
    return upstreamMessage;
  }
}
