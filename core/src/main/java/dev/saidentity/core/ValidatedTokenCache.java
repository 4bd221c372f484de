package dev.saidentity.core;

import dev.saidentity.core.internal.BoundedCache;
import dev.saidentity.core.internal.TokenKey;
import dev.saidentity.core.internal.VerificationKey;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The validated tokens a {@link TokenValidator} remembers: bounded by size, CLOCK eviction (see
 * {@link BoundedCache}), expired tokens evicted first when the hand meets them. What a hit still
 * needs (the time, and that the verifying key is still in the key set) the validator checks on every
 * hit. Thread-safe.
 */
final class ValidatedTokenCache {

  /** A validated token and the key that verified it. */
  static final class Entry {
    final ValidatedToken token;
    final VerificationKey key;

    Entry(ValidatedToken token, VerificationKey key) {
      this.token = token;
      this.key = key;
    }
  }

  private final BoundedCache<TokenKey, Entry> entries;
  private final Duration leeway;

  ValidatedTokenCache(int capacity, Duration leeway) {
    this.entries = new BoundedCache<>(capacity);
    this.leeway = leeway;
  }

  @Nullable Entry get(TokenKey key) {
    return entries.get(key);
  }

  /** Remembers a token validated at {@code now}; an entry already expired at {@code now} may be evicted for it. */
  void put(TokenKey key, ValidatedToken token, VerificationKey verifiedBy, Instant now) {
    Instant expiredBefore = now.minus(leeway);
    entries.put(key, new Entry(token, verifiedBy), e -> {
      Instant exp = e.token.claims().exp();
      return exp != null && expiredBefore.isAfter(exp);
    });
  }

  void remove(TokenKey key, Entry entry) {
    entries.remove(key, entry);
  }

  int size() {
    return entries.size();
  }
}
