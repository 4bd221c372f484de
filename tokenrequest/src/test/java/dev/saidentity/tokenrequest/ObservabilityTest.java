package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.saidentity.core.ServiceAccount;
import dev.saidentity.testing.FakeTokenIssuer;
import dev.saidentity.testing.SettableClock;
import dev.saidentity.tokenrequest.CachingTokenProvider.Trigger;
import dev.saidentity.tokenrequest.TokenReviewer.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The observability seams of the token sources and the reviewer: exact counts, events, times without tokens. */
class ObservabilityTest {

  static final TokenRequestSpec SPEC = TokenRequestSpec.builder("default", "api").audience("vault").build();

  final SettableClock clock = SettableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
  final FakeTokenIssuer issuer = FakeTokenIssuer.builder().clock(clock).build();
  final ManualScheduler timer = new ManualScheduler(clock);
  final HoldingExecutor fetchPool = new HoldingExecutor();
  final AtomicInteger fetches = new AtomicInteger();
  final AtomicBoolean failing = new AtomicBoolean();
  final List<CachingTokenProvider> providers = new ArrayList<>();

  @AfterEach
  void close() {
    providers.forEach(CachingTokenProvider::close);
  }

  /** One-hour JWTs with a warnafter 10 minutes in, or a 503 while {@link #failing}. */
  IssuedToken issue(TokenRequestSpec s) {
    fetches.incrementAndGet();
    if (failing.get()) {
      throw new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 503, null, "the API server cannot answer now", null);
    }
    String jwt = issuer.projected(ServiceAccount.of(s.namespace(), s.serviceAccount(), "uid-1")).audience("vault")
        .warnAfter(Duration.ofMinutes(10)).mint();
    return IssuedToken.of(jwt, clock.instant().plusSeconds(3600), Duration.ofHours(1), s.audiences());
  }

  CachingTokenProvider.Builder manual(Function<TokenRequestSpec, IssuedToken> fetcher) {
    return CachingTokenProvider.builder(fetcher).clock(clock).jitterSeconds(() -> 0).scheduler(timer).fetchExecutor(fetchPool)
        .purgeInterval(Duration.ZERO);
  }

  CachingTokenProvider track(CachingTokenProvider p) {
    providers.add(p);
    return p;
  }

  /** Records every event, one line each. */
  static final class Recorder implements CachingTokenProvider.Listener {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void onRefresh(TokenRequestSpec spec, IssuedToken token, Trigger trigger) {
      events.add("refresh " + trigger);
    }

    @Override
    public void onFailure(TokenRequestSpec spec, TokenRequestException error, int consecutiveFailures, Trigger trigger) {
      events.add("failure " + trigger + " " + consecutiveFailures);
    }

    @Override
    public void onStaleTokenServed(TokenRequestSpec spec, int consecutiveFailures) {
      events.add("stale " + consecutiveFailures);
    }

    @Override
    public void onRemoval(TokenRequestSpec spec) {
      events.add("removed");
    }
  }

  @Test
  void provider_countsRefreshesByResultAndTrigger_staleServes_andTheLastFailure_exactly() {
    Recorder added = new Recorder();
    List<String> old = new CopyOnWriteArrayList<>();
    CachingTokenProvider p = track(manual(this::issue).listener(new CachingTokenProvider.Listener() {
      @Override
      public void onRefresh(TokenRequestSpec spec, IssuedToken token) {
        old.add("refresh");
      }

      @Override
      public void onFailure(TokenRequestSpec spec, TokenRequestException error, int consecutiveFailures) {
        old.add("failure");
      }
    }).build());
    p.addListener(added);

    IssuedToken first = p.get(SPEC); // STARTUP
    clock.advance(Duration.ofMinutes(50));
    timer.runDue(); // SCHEDULE, succeeds
    IssuedToken second = p.get(SPEC);
    assertThat(second).isNotSameAs(first);
    failing.set(true);
    clock.advance(Duration.ofMinutes(50));
    timer.runDue(); // SCHEDULE, fails
    Instant failedAt = clock.instant();
    assertThat(p.get(SPEC)).as("served stale: still valid").isSameAs(second);
    p.invalidate(SPEC); // a 401
    failing.set(false);
    p.get(SPEC); // UNAUTHORIZED
    assertThat(fetches).hasValue(4);

    CachingTokenProvider.Stats s = p.stats();
    assertThat(s.refreshes(Trigger.STARTUP, true)).isEqualTo(1);
    assertThat(s.refreshes(Trigger.SCHEDULE, true)).isEqualTo(1);
    assertThat(s.refreshes(Trigger.UNAUTHORIZED, true)).isEqualTo(1);
    assertThat(s.refreshes(Trigger.SCHEDULE, false)).isEqualTo(1);
    assertThat(s.refreshes(Trigger.STARTUP, false) + s.refreshes(Trigger.UNAUTHORIZED, false)).isZero();
    assertThat(s.staleTokensServed()).isEqualTo(1);
    assertThat(s.lastFailure()).contains(failedAt);
    assertThat(added.events).containsExactly("refresh STARTUP", "refresh SCHEDULE", "failure SCHEDULE 1", "stale 1", "removed",
        "refresh UNAUTHORIZED");
    assertThat(old).as("a listener written for the two-argument hooks hears every refresh and failure")
        .containsExactly("refresh", "refresh", "failure", "refresh");

    assertThat(p.removeListener(added)).isTrue();
    p.invalidate(SPEC);
    assertThat(added.events).hasSize(6);
  }

  @Test
  void provider_afterAFirstRequestFails_theRetryIsStillStartup() {
    CachingTokenProvider p = track(manual(this::issue).build());
    failing.set(true);
    assertThatThrownBy(() -> p.get(SPEC)).isInstanceOf(TokenRequestException.class);
    Instant failedAt = clock.instant();
    failing.set(false);
    clock.advance(Duration.ofMillis(1200)); // past the backoff
    p.get(SPEC);
    assertThat(p.stats().refreshes(Trigger.STARTUP, false)).isEqualTo(1);
    assertThat(p.stats().refreshes(Trigger.STARTUP, true)).isEqualTo(1);
    assertThat(p.stats().lastFailure()).contains(failedAt);
  }

  @Test
  void provider_tokenStatus_givesExpiryAgeAndWarnAfter_perKey_withoutTheToken() {
    CachingTokenProvider p = track(manual(this::issue).build());
    assertThat(p.tokenStatus()).isEmpty();
    assertThat(p.tokenStatus(SPEC)).isEmpty();
    p.get(SPEC);
    clock.advance(Duration.ofMinutes(15));
    TokenStatus st = p.tokenStatus(SPEC).orElseThrow();
    assertThat(st.observedAt()).isEqualTo(clock.instant());
    assertThat(st.timeToExpiry()).contains(Duration.ofMinutes(45));
    assertThat(st.age()).contains(Duration.ofMinutes(15));
    assertThat(st.pastWarnAfter()).isEqualTo(Duration.ofMinutes(5));
    assertThat(p.tokenStatus()).containsOnlyKeys(SPEC).containsEntry(SPEC, st);
    assertThat(st.toString()).doesNotContain(p.token(SPEC));
    p.invalidate(SPEC);
    assertThat(p.tokenStatus()).isEmpty();
  }

  @Test
  void provider_aThrowingListener_changesNothing() {
    CachingTokenProvider p = track(manual(this::issue).listener(new CachingTokenProvider.Listener() {
      @Override
      public void onRefresh(TokenRequestSpec spec, IssuedToken token, Trigger trigger) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onFailure(TokenRequestSpec spec, TokenRequestException error, int consecutiveFailures, Trigger trigger) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onStaleTokenServed(TokenRequestSpec spec, int consecutiveFailures) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onRemoval(TokenRequestSpec spec) {
        throw new IllegalStateException("listener bug");
      }
    }).build());
    Recorder after = new Recorder();
    p.addListener(after);
    IssuedToken first = p.get(SPEC);
    failing.set(true);
    clock.advance(Duration.ofMinutes(50));
    timer.runDue();
    assertThat(p.get(SPEC)).isSameAs(first);
    p.invalidate(SPEC);
    assertThat(after.events).as("the next listener still hears everything")
        .containsExactly("refresh STARTUP", "failure SCHEDULE 1", "stale 1", "removed");
    assertThat(p.stats().refreshes(Trigger.STARTUP, true)).isEqualTo(1);
    assertThat(p.stats().refreshes(Trigger.SCHEDULE, false)).isEqualTo(1);
  }

  @Test
  void provider_closeTellsTheListenersOfEachRemoval() {
    CachingTokenProvider p = track(manual(this::issue).build());
    Recorder r = new Recorder();
    p.addListener(r);
    p.get(SPEC);
    p.get(TokenRequestSpec.builder("default", "api").audience("other").build());
    p.close();
    assertThat(r.events).containsExactly("refresh STARTUP", "refresh STARTUP", "removed", "removed");
    assertThat(p.tokenStatus()).isEmpty();
  }

  @Test
  void provider_aTimerRefreshInFlight_isNotAbandonedByAGet() {
    AtomicLong nanos = new AtomicLong();
    CachingTokenProvider p = track(manual(this::issue).ticker(nanos::get).build());
    IssuedToken first = p.get(SPEC); // claimed at tick 0
    nanos.addAndGet(Duration.ofHours(2).toNanos());
    clock.advance(Duration.ofMinutes(50));
    fetchPool.hold();
    timer.runDue(); // the timer claims the refresh, held
    assertThat(fetchPool.held()).isEqualTo(1);
    assertThat(p.get(SPEC)).isSameAs(first); // due: would start a refresh, but one is in flight
    assertThat(fetchPool.held()).as("no second request: the timer's claim is recent").isEqualTo(1);
    fetchPool.runHeld();
    assertThat(fetches).hasValue(2);
  }

  @Test
  void provider_concurrentFirstGets_countOneStartupRefreshPerKey() throws Exception {
    CachingTokenProvider p = track(manual(this::issue).build());
    int keys = 20;
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int k = 0; k < keys; k++) {
            p.get(TokenRequestSpec.builder("default", "api").audience("aud-" + k).build());
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
    assertThat(fetches).hasValue(keys);
    assertThat(p.stats().refreshes(Trigger.STARTUP, true)).isEqualTo(keys);
    assertThat(p.tokenStatus()).hasSize(keys);
  }

  @TempDir
  Path tmp;

  @Test
  void tokenFile_countsReadsRotationsAndFailures_andGivesTheTimesOfTheToken() throws Exception {
    Path path = tmp.resolve("token");
    ServiceAccount sa = ServiceAccount.of("default", "api", "uid-1");
    String a = issuer.projected(sa).audience("vault").warnAfter(Duration.ofMinutes(10)).mint();
    Files.writeString(path, a);
    ProjectedTokenFile file = ProjectedTokenFile.of(path, clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
    assertThat(file.status()).isEmpty();
    assertThat(file.token()).isEqualTo(a);
    assertThat(file.stats()).isEqualTo(new ProjectedTokenFile.Stats(1, 0, 0));
    clock.advance(Duration.ofSeconds(51));
    assertThat(file.token()).isEqualTo(a); // re-read, same token
    String b = issuer.projected(sa).audience("vault").warnAfter(Duration.ofMinutes(10)).mint();
    Files.writeString(path, b);
    clock.advance(Duration.ofSeconds(51));
    assertThat(file.token()).isEqualTo(b);
    assertThat(file.stats()).isEqualTo(new ProjectedTokenFile.Stats(3, 1, 0));
    Files.delete(path);
    file.invalidate();
    assertThat(file.token()).as("the last good token stays").isEqualTo(b);
    assertThat(file.stats()).isEqualTo(new ProjectedTokenFile.Stats(3, 1, 1));
    clock.advance(Duration.ofMinutes(15));
    TokenStatus st = file.status().orElseThrow(); // b was minted 51 s before it was read, 15 min ago
    assertThat(st.observedAt()).isEqualTo(clock.instant());
    assertThat(st.age()).contains(Duration.ofSeconds(51 + 900));
    assertThat(st.timeToExpiry()).contains(Duration.ofSeconds(3600 - 951));
    assertThat(st.pastWarnAfter()).isEqualTo(Duration.ofSeconds(951 - 600));
  }

  @Test
  void tokenFile_anOpaqueToken_hasNoTimes() throws Exception {
    Path path = tmp.resolve("opaque");
    Files.writeString(path, "not-a-jwt\n");
    ProjectedTokenFile file = ProjectedTokenFile.of(path, clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
    file.token();
    TokenStatus st = file.status().orElseThrow();
    assertThat(st.age()).isEmpty();
    assertThat(st.timeToExpiry()).isEmpty();
    assertThat(st.pastWarnAfter()).isZero();
  }

  @Test
  void reviewer_timesEachReviewByOutcome_andCountsCacheHits() {
    TokenReviewerTest.ReviewServer server = new TokenReviewerTest.ReviewServer(spec -> {
      if (spec.get("token").getAsString().startsWith("good")) {
        return TokenReviewerTest.audienceAware(spec);
      }
      JsonObject no = new JsonObject();
      no.addProperty("authenticated", false);
      no.addProperty("error", "invalid bearer token");
      return no;
    });
    try {
      AtomicLong nanos = new AtomicLong();
      TokenReviewer reviewer = TokenReviewer.builder(server.client()).audience("payments").clock(clock)
          .ticker(() -> nanos.getAndAdd(5_000_000)).build(); // each review takes 5 ms by this ticker
      assertThat(reviewer.review("good-1").authenticated()).isTrue();
      assertThat(reviewer.review("good-1").authenticated()).isTrue(); // cached
      assertThat(reviewer.review("bad-1").authenticated()).isFalse();
      assertThat(reviewer.review("bad-1").authenticated()).isFalse(); // cached for 1 s
      assertThat(reviewer.review("x".repeat(TokenReviewer.MAX_TOKEN_CHARS + 1)).authenticated()).isFalse(); // not sent
      server.close();
      assertThatThrownBy(() -> reviewer.review("good-2")).isInstanceOf(TokenRequestException.class);
      TokenReviewer.Stats s = reviewer.stats();
      assertThat(s.count(Outcome.AUTHENTICATED)).isEqualTo(1);
      assertThat(s.count(Outcome.UNAUTHENTICATED)).isEqualTo(1);
      assertThat(s.count(Outcome.ERROR)).isEqualTo(1);
      assertThat(s.totalTime(Outcome.AUTHENTICATED)).isEqualTo(Duration.ofMillis(5));
      assertThat(s.totalTime(Outcome.UNAUTHENTICATED)).isEqualTo(Duration.ofMillis(5));
      assertThat(s.totalTime(Outcome.ERROR)).isEqualTo(Duration.ofMillis(5));
      assertThat(s.cacheHits()).isEqualTo(2);
      assertThat(s.reviews()).containsOnlyKeys(Outcome.values());
    } finally {
      server.close();
    }
  }

  @Test
  void snapshots_haveEveryKey_andAreImmutable() {
    CachingTokenProvider.Stats s = new CachingTokenProvider.Stats(Map.of(Trigger.SCHEDULE, 2L), Map.of(), 0, Optional.empty());
    assertThat(s.refreshes(Trigger.SCHEDULE, true)).isEqualTo(2);
    assertThat(s.refreshes(Trigger.STARTUP, false)).isZero();
    assertThatThrownBy(() -> s.refreshSuccesses().put(Trigger.STARTUP, 1L)).isInstanceOf(UnsupportedOperationException.class);
    TokenStatus none = new TokenStatus(clock.instant(), Optional.empty(), Optional.empty(), Optional.of(clock.instant().plusSeconds(5)));
    assertThat(none.pastWarnAfter()).as("before warnafter").isZero();
  }
}
