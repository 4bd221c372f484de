package dev.saidentity.tokenrequest;

import dev.saidentity.core.Tokens;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A token the TokenRequest API issued, with the lifetime the API server granted: {@code
 * status.expirationTimestamp}, not the JWT's {@code exp} (a kubelet token's JWT may say a year while
 * it is to be refreshed within the hour). Immutable; {@link #toString()} shows a fingerprint only.
 *
 * <p>{@link TokenRequestClient} makes them; {@link #of} makes one elsewhere, e.g. in a token fetcher
 * for {@link CachingTokenProvider} that does not call the API server:
 *
 * <pre>{@code
 * IssuedToken t = IssuedToken.of(jwt, Instant.now().plusSeconds(3600), Duration.ofHours(1), List.of("vault"));
 * }</pre>
 */
public final class IssuedToken {

  private final String token;
  private final Instant expiresAt;
  private final long expirationSeconds;
  private final List<String> audiences;
  private final List<String> warnings;

  IssuedToken(String token, Instant expiresAt, long expirationSeconds, List<String> audiences, List<String> warnings) {
    this.token = Objects.requireNonNull(token, "token");
    this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
    this.expirationSeconds = expirationSeconds;
    this.audiences = List.copyOf(audiences);
    this.warnings = List.copyOf(warnings);
  }

  /**
   * An issued token with no warnings.
   *
   * @see #of(String, Instant, Duration, List, List)
   */
  public static IssuedToken of(String token, Instant expiresAt, Duration lifetime, List<String> audiences) {
    return of(token, expiresAt, lifetime, audiences, List.of());
  }

  /**
   * An issued token.
   *
   * @param token the token text (never printed by this type)
   * @param expiresAt when it expires, as the API server says ({@code status.expirationTimestamp})
   * @param lifetime the lifetime granted; {@link #issuedAt()} is {@code expiresAt - lifetime}
   * @param audiences the audiences it was issued for
   * @param warnings {@code Warning} headers of the answer
   * @throws IllegalArgumentException if token is blank or lifetime is not positive
   * @throws NullPointerException if an argument or an element of a list is null
   */
  public static IssuedToken of(String token, Instant expiresAt, Duration lifetime, List<String> audiences, List<String> warnings) {
    if (Objects.requireNonNull(token, "token").isBlank()) {
      throw new IllegalArgumentException("token must not be blank");
    }
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (Objects.requireNonNull(lifetime, "lifetime").isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("lifetime must be positive: " + lifetime);
    }
    return new IssuedToken(token, expiresAt, lifetime.getSeconds(), audiences, warnings);
  }

  /** The token. Keep it out of logs; use {@link #fingerprint()}. */
  public String token() {
    return token;
  }

  /** When the API server says it expires ({@code status.expirationTimestamp}). */
  public Instant expiresAt() {
    return expiresAt;
  }

  /** The lifetime granted ({@code spec.expirationSeconds} as echoed, possibly capped by the server). */
  public Duration lifetime() {
    return Duration.ofSeconds(expirationSeconds);
  }

  /** The issue time as the kubelet estimates it: {@code expiresAt - lifetime}. */
  public Instant issuedAt() {
    return expiresAt.minusSeconds(expirationSeconds);
  }

  /** The audiences the token was issued for. */
  public List<String> audiences() {
    return audiences;
  }

  /** {@code Warning} headers of the answer, e.g. a lifetime shortened by the server's maximum. */
  public List<String> warnings() {
    return warnings;
  }

  /** See {@link Tokens#fingerprint(String)}. */
  public String fingerprint() {
    return Tokens.fingerprint(token);
  }

  @Override
  public String toString() {
    return "IssuedToken[" + fingerprint() + ", expires " + expiresAt + "]";
  }
}
