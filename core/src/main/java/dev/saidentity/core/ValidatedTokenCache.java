package dev.saidentity.core;

import dev.saidentity.core.internal.BoundedCache;
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

  /**
   * A token as a cache key: hashed over its last 32 characters (the signature's end, which no one
   * can choose without the signing key) so that a token arriving as a new String is not hashed over
   * its full kilobyte; equality is still the whole token.
   */
  static final class Key {
    final String token;
    final int hash;

    Key(String token) {
      this.token = token;
      int h = token.length();
      for (int i = Math.max(0, token.length() - 32); i < token.length(); i++) {
        h = 31 * h + token.charAt(i);
      }
      this.hash = h;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Key && ((Key) o).token.equals(token);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** A validated token and the key that verified it. */
  static final class Entry {
    final ValidatedToken token;
    final VerificationKey key;

    Entry(ValidatedToken token, VerificationKey key) {
      this.token = token;
      this.key = key;
    }
  }

  private final BoundedCache<Key, Entry> entries;
  private final Duration leeway;

  ValidatedTokenCache(int capacity, Duration leeway) {
    this.entries = new BoundedCache<>(capacity);
    this.leeway = leeway;
  }

  @Nullable Entry get(Key key) {
    return entries.get(key);
  }

  /** Remembers a token validated at {@code now}; an entry already expired at {@code now} may be evicted for it. */
  void put(Key key, ValidatedToken token, VerificationKey verifiedBy, Instant now) {
    Instant expiredBefore = now.minus(leeway);
    entries.put(key, new Entry(token, verifiedBy), e -> {
      Instant exp = e.token.claims().exp();
      return exp != null && expiredBefore.isAfter(exp);
    });
  }

  void remove(Key key, Entry entry) {
    entries.remove(key, entry);
  }

  int size() {
    return entries.size();
  }
}
