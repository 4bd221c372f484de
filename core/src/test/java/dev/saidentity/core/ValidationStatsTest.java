package dev.saidentity.core;

import static dev.saidentity.core.TestJwt.header;
import static dev.saidentity.core.TestJwt.projectedClaims;
import static dev.saidentity.core.TestJwt.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saidentity.core.TokenValidationException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The validator's statistics and listener seam: exact counts, a throwing listener, concurrent validations. */
class ValidationStatsTest {

  static final long T = 1_700_000_000L;
  static final String KID = KeySource.keyId(TestJwt.RSA.getPublic());
  final MutableClock clock = new MutableClock(Instant.ofEpochSecond(T));

  TokenValidator.Builder base() {
    return TokenValidator.builder().issuer(Vectors.ISSUER).keys(TestJwt.RSA.getPublic()).clock(clock);
  }

  static String token(long iat, String aud) {
    return sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), projectedClaims(iat, aud));
  }

  @Test
  void stats_countEachOutcome_andTheCacheHitsAndMisses_exactly() {
    TokenValidator v = base().audience(Vectors.ISSUER).build();
    ValidationStats zero = v.stats();
    assertThat(zero.valid()).isZero();
    assertThat(zero.refused()).hasSize(Reason.values().length).allSatisfy((r, n) -> assertThat(n).isZero());
    assertThat(zero.keysLoaded()).isEqualTo(1);

    String good = token(T, Vectors.ISSUER);
    v.validate(good); // miss, verified
    v.tryValidate(good); // hit
    v.tryValidateAt(good, clock.instant()); // hit
    assertThat(v.tryValidate(token(T, "someone-else")).reason()).contains(Reason.AUDIENCE_MISMATCH); // miss
    assertThatThrownBy(() -> v.validate("not.a.jwt")).isInstanceOf(TokenValidationException.class); // miss
    clock.advance(Duration.ofHours(2));
    assertThat(v.tryValidate(good).reason()).contains(Reason.EXPIRED); // a hit that is refused on time

    ValidationStats s = v.stats();
    assertThat(s.valid()).isEqualTo(3);
    assertThat(s.refused(Reason.AUDIENCE_MISMATCH)).isEqualTo(1);
    assertThat(s.refused(Reason.MALFORMED)).isEqualTo(1);
    assertThat(s.refused(Reason.EXPIRED)).isEqualTo(1);
    assertThat(s.refused(Reason.UNKNOWN_KEY)).isZero();
    assertThat(s.refusedTotal()).isEqualTo(3);
    assertThat(s.cacheHits()).isEqualTo(3);
    assertThat(s.cacheMisses()).isEqualTo(3);
    assertThat(s.keyRefreshSuccesses() + s.keyRefreshFailures()).as("fixed keys are never fetched").isZero();
  }

  @Test
  void stats_withoutACache_countNeitherHitsNorMisses() {
    TokenValidator v = base().cacheSize(0).build();
    String good = token(T, Vectors.ISSUER);
    v.validate(good);
    v.validate(good);
    assertThat(v.stats().valid()).isEqualTo(2);
    assertThat(v.stats().cacheHits() + v.stats().cacheMisses()).isZero();
  }

  @Test
  void listener_hearsEachOutcome_onceAndInOrder() {
    List<String> heard = new CopyOnWriteArrayList<>();
    TokenValidator v = base().listener(new ValidationListener() {
      @Override
      public void onValid(ValidatedToken token) {
        heard.add("valid " + token.username());
      }

      @Override
      public void onRefused(Reason reason) {
        heard.add("refused " + reason);
      }
    }).build();
    String good = token(T, Vectors.ISSUER);
    v.validate(good);
    v.tryValidate(good);
    v.tryValidate(token(T, "other"));
    assertThat(heard).containsExactly("valid system:serviceaccount:ns:sa", "valid system:serviceaccount:ns:sa",
        "refused AUDIENCE_MISMATCH");
  }

  @Test
  void aThrowingListener_neverChangesAnOutcome_andIsStillCounted() {
    TokenValidator v = base().listener(new ValidationListener() {
      @Override
      public void onValid(ValidatedToken token) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onRefused(Reason reason) {
        throw new IllegalStateException("listener bug");
      }
    }).build();
    String good = token(T, Vectors.ISSUER);
    assertThat(v.validate(good).username()).isEqualTo("system:serviceaccount:ns:sa");
    assertThat(v.tryValidate(good).isValid()).isTrue();
    assertThatThrownBy(() -> v.validate(token(T, "other"))).isInstanceOf(TokenValidationException.class)
        .extracting(e -> ((TokenValidationException) e).reason()).isEqualTo(Reason.AUDIENCE_MISMATCH);
    assertThat(v.tryValidate(token(T, "other")).reason()).contains(Reason.AUDIENCE_MISMATCH);
    assertThat(v.stats().valid()).isEqualTo(2);
    assertThat(v.stats().refused(Reason.AUDIENCE_MISMATCH)).isEqualTo(2);
  }

  @Test
  void concurrentValidations_areAllCounted() throws Exception {
    TokenValidator v = base().build();
    String good = token(T, Vectors.ISSUER);
    String bad = token(T, "other");
    int threads = 8;
    int each = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int k = 0; k < each; k++) {
            v.tryValidate(good);
            v.tryValidate(bad);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    ValidationStats s = v.stats();
    assertThat(s.valid()).isEqualTo((long) threads * each);
    assertThat(s.refused(Reason.AUDIENCE_MISMATCH)).isEqualTo((long) threads * each);
    assertThat(s.cacheHits() + s.cacheMisses()).isEqualTo(2L * threads * each);
    assertThat(s.cacheHits()).as("after the first verifications, the good token is a hit").isGreaterThanOrEqualTo((long) threads * each - threads);
  }

  @Test
  void theSnapshot_isAnImmutableCopy() {
    ValidationStats s = new ValidationStats(1, Map.of(Reason.EXPIRED, 2L), 0, 0, 0, 0, 0);
    assertThat(s.refused(Reason.EXPIRED)).isEqualTo(2);
    assertThat(s.refused(Reason.MALFORMED)).isZero();
    assertThatThrownBy(() -> s.refused().put(Reason.EXPIRED, 5L)).isInstanceOf(UnsupportedOperationException.class);
  }
}
