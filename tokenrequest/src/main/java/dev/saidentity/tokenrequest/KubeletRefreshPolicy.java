package dev.saidentity.tokenrequest;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * When the kubelet's token manager refreshes a token ({@code requiresRefresh}): at 80 % of the
 * granted lifetime or after 24 hours, whichever is first, minus a jitter of 0 to 9 whole seconds,
 * and whenever the clock stands before the estimated issue time ({@code expiresAt - lifetime}).
 * Stateless.
 */
public final class KubeletRefreshPolicy {

  /** 24 hours: no token is kept longer without a refresh. */
  public static final Duration MAX_TTL = Duration.ofHours(24);
  /** The jitter is a whole number of seconds below this. */
  public static final int MAX_JITTER_SECONDS = 10;

  private KubeletRefreshPolicy() {}

  /**
   * The instant after which the token must be refreshed.
   *
   * @param expiresAt {@code status.expirationTimestamp}
   * @param expirationSeconds the granted lifetime ({@code spec.expirationSeconds})
   * @param jitterSeconds 0 to 9
   */
  public static Instant refreshAfter(Instant expiresAt, long expirationSeconds, long jitterSeconds) {
    Instant iat = expiresAt.minusSeconds(expirationSeconds);
    Instant byAge = iat.plus(MAX_TTL).minusSeconds(jitterSeconds);
    Instant byLifetime = expiresAt.minusSeconds(expirationSeconds * 20 / 100).minusSeconds(jitterSeconds);
    return byAge.isBefore(byLifetime) ? byAge : byLifetime;
  }

  /**
   * The kubelet's {@code requiresRefresh}: a null lifetime never refreshes (the kubelet logs an
   * error); otherwise after {@link #refreshAfter} or when now is before the issue time.
   */
  public static boolean requiresRefresh(Instant now, Instant expiresAt, @Nullable Long expirationSeconds, long jitterSeconds) {
    if (expirationSeconds == null) {
      return false;
    }
    Instant iat = expiresAt.minusSeconds(expirationSeconds);
    return now.isAfter(refreshAfter(expiresAt, expirationSeconds, jitterSeconds)) || now.isBefore(iat);
  }
}
