package dev.saidentity.tokenrequest;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The times of a token a source holds, as of one instant of the source's clock, without the token:
 * what a metrics or health check needs (seconds to expiry, age, seconds past {@code warnafter}).
 *
 * <pre>{@code
 * provider.tokenStatus(spec).flatMap(TokenStatus::timeToExpiry)
 *     .ifPresent(left -> log.info("the token expires in {}", left));
 * }</pre>
 *
 * @param observedAt the source's clock when this status was taken; the durations are relative to it
 * @param issuedAt when the token was issued (for a TokenRequest token, {@code expiresAt - lifetime};
 *     for a file, the JWT's {@code iat}), if known
 * @param expiresAt when the token expires, if known
 * @param warnAfter the token's {@code kubernetes.io.warnafter} (after it the token still works but
 *     should have been rotated), if it has one
 */
public record TokenStatus(Instant observedAt, Optional<Instant> issuedAt, Optional<Instant> expiresAt, Optional<Instant> warnAfter) {

  /** Checks the components. */
  public TokenStatus {
    Objects.requireNonNull(observedAt, "observedAt");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(warnAfter, "warnAfter");
  }

  /** From {@link #observedAt()} to the expiry, negative once expired; empty when the expiry is unknown. */
  public Optional<Duration> timeToExpiry() {
    return expiresAt.map(e -> Duration.between(observedAt, e));
  }

  /** From the issue time to {@link #observedAt()}; empty when the issue time is unknown. */
  public Optional<Duration> age() {
    return issuedAt.map(i -> Duration.between(i, observedAt));
  }

  /** How long {@link #observedAt()} is past {@code warnafter}: zero before it, and for a token without one. */
  public Duration pastWarnAfter() {
    if (warnAfter.isEmpty() || !observedAt.isAfter(warnAfter.get())) {
      return Duration.ZERO;
    }
    return Duration.between(warnAfter.get(), observedAt);
  }
}
