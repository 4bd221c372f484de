package dev.saidentity.core;

import dev.saidentity.core.TokenValidationException.Reason;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Counts of a {@link TokenValidator} since it was built, and the state of its key source, as of
 * one call of {@link TokenValidator#stats()}. Each count is read on its own, so a snapshot taken
 * while validations run may be off by the validations in progress, never by more.
 *
 * <pre>{@code
 * ValidationStats s = validator.stats();
 * long refused = s.refused(TokenValidationException.Reason.EXPIRED);
 * }</pre>
 *
 * @param valid tokens accepted
 * @param refused tokens refused, by reason (every reason present, zero when none)
 * @param cacheHits validations answered from the validated-token cache (signature not verified again)
 * @param cacheMisses validations that consulted the cache and found no usable entry
 * @param keysLoaded verification keys the key source holds now (fetched ones only, for a {@link
 *     RemoteKeySource}: reading this count never fetches)
 * @param keyRefreshSuccesses fetches of the key source that succeeded (0 for fixed keys)
 * @param keyRefreshFailures fetches of the key source that failed (0 for fixed keys)
 */
public record ValidationStats(long valid, Map<Reason, Long> refused, long cacheHits, long cacheMisses, int keysLoaded,
    long keyRefreshSuccesses, long keyRefreshFailures) {

  /** Copies the map, adding a zero count for each reason it lacks. */
  public ValidationStats {
    Map<Reason, Long> all = new EnumMap<>(Reason.class);
    for (Reason r : Reason.values()) {
      all.put(r, 0L);
    }
    Objects.requireNonNull(refused, "refused").forEach((r, n) -> all.put(Objects.requireNonNull(r, "reason"), Objects.requireNonNull(n, "count")));
    refused = Map.copyOf(all);
  }

  /** Tokens refused for {@code reason}. */
  public long refused(Reason reason) {
    return refused.get(Objects.requireNonNull(reason, "reason"));
  }

  /** Tokens refused, for any reason. */
  public long refusedTotal() {
    long n = 0;
    for (long v : refused.values()) {
      n += v;
    }
    return n;
  }
}
