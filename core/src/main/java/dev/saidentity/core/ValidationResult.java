package dev.saidentity.core;

import dev.saidentity.core.TokenValidationException.Reason;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link TokenValidator#tryValidate(String)}: a validated token, or a reason and
 * message; no exception is created on a refusal, which suits hot paths. Immutable.
 *
 * <pre>{@code
 * ValidationResult r = validator.tryValidate(bearer);
 * if (!r.isValid()) {
 *   return unauthorized(r.reason().orElseThrow() + ": " + r.message());
 * }
 * }</pre>
 */
public final class ValidationResult {

  private final @Nullable ValidatedToken token;
  private final @Nullable Reason reason;
  private final String upstream;
  private final String details;

  private ValidationResult(@Nullable ValidatedToken token, @Nullable Reason reason, String upstream, String details) {
    this.token = token;
    this.reason = reason;
    this.upstream = upstream;
    this.details = details;
  }

  static ValidationResult valid(ValidatedToken token) {
    return new ValidationResult(token, null, "", "");
  }

  static ValidationResult invalid(Reason reason, String upstream, String details) {
    return new ValidationResult(null, reason, upstream, details);
  }

  /**
   * A refusal decided outside the offline validator (for example by TokenReview), in the same
   * result type.
   *
   * @param reason why
   * @param upstreamMessage the API server's wording
   * @param details facts to add to the message, may be empty
   */
  public static ValidationResult refused(Reason reason, String upstreamMessage, String details) {
    java.util.Objects.requireNonNull(reason, "reason");
    java.util.Objects.requireNonNull(upstreamMessage, "upstreamMessage");
    return new ValidationResult(null, reason, upstreamMessage, java.util.Objects.requireNonNull(details, "details"));
  }

  /** Whether the token is valid. */
  public boolean isValid() {
    return token != null;
  }

  /** The validated token, when valid. */
  public Optional<ValidatedToken> token() {
    return Optional.ofNullable(token);
  }

  /** Why the token was refused, when invalid. */
  public Optional<Reason> reason() {
    return Optional.ofNullable(reason);
  }

  /** The refusal's message (facts included), empty when valid. */
  public String message() {
    return details.isEmpty() ? upstream : upstream + ": " + details;
  }

  /** The Kubernetes API server's wording of the refusal, empty when valid. */
  public String upstreamMessage() {
    return upstream;
  }

  /**
   * The validated token.
   *
   * @throws TokenValidationException when invalid
   */
  public ValidatedToken orElseThrow() {
    if (token != null) {
      return token;
    }
    throw new TokenValidationException(reason, upstream, details);
  }

  @Override
  public String toString() {
    return token != null ? "ValidationResult{valid, " + token + "}" : "ValidationResult{" + reason + ": " + message() + "}";
  }
}
