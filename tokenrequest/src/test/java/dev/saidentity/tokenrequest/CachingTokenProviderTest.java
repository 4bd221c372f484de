package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.testing.Fault;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.SettableClock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CachingTokenProviderTest {

  static final String TOKEN_PATH = "/api/v1/namespaces/default/serviceaccounts/api/token";
  final SettableClock clock = SettableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
  final FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().clock(clock).start();
  final ApiClient client = new ClientBuilder().setBasePath(server.url()).setAuthentication(new AccessTokenAuthentication(server.adminToken())).build();
  final List<CachingTokenProvider> providers = new ArrayList<>();

  @AfterEach
  void stop() {
    providers.forEach(CachingTokenProvider::close);
    server.close();
  }

  /** Released once per token installed by a provider made with {@link #provider()}. */
  final Semaphore refreshes = new Semaphore(0);

  CachingTokenProvider provider() {
    CachingTokenProvider p = CachingTokenProvider.builder(TokenRequestClient.create(client)).clock(clock).jitterSeconds(() -> 0)
        .listener(new CachingTokenProvider.Listener() {
          @Override
          public void onRefresh(TokenRequestSpec spec, IssuedToken token) {
            refreshes.release();
          }
        }).build();
    providers.add(p);
    return p;
  }

  static TokenRequestSpec spec(long seconds) {
    return TokenRequestSpec.builder("default", "api").audience("vault").expiration(Duration.ofSeconds(seconds)).build();
  }

  int tokenRequests() {
    return server.requestCount("POST", TOKEN_PATH);
  }

  @TestFactory
  Stream<DynamicTest> kubeletRequiresRefreshCases() throws Exception {
    JsonObject v = JsonParser.parseString(new String(java.util.Objects.requireNonNull(CachingTokenProviderTest.class.getResourceAsStream(
        "/conformance/k8s/api/kubelet-token-manager-cases.json"), "vector on the test class path").readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8))
        .getAsJsonObject();
    List<DynamicTest> tests = new ArrayList<>();
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    for (JsonElement e : v.getAsJsonArray("requires_refresh_cases")) {
      JsonObject c = e.getAsJsonObject();
      tests.add(DynamicTest.dynamicTest(c.toString(), () -> {
        Long seconds = c.get("expirationSeconds").isJsonNull() ? null : c.get("expirationSeconds").getAsLong();
        Instant now = t0.plusSeconds(c.get("now_offset_s").getAsLong());
        Instant exp = t0.plusSeconds(c.get("exp_offset_s").getAsLong());
        for (long jitter = 0; jitter < 10; jitter++) {
          assertThat(KubeletRefreshPolicy.requiresRefresh(now, exp, seconds, jitter)).as("jitter " + jitter)
              .isEqualTo(c.get("expect_refresh").getAsBoolean());
        }
      }));
    }
    assertThat(tests).hasSize(5);
    return tests.stream();
  }

  @Test
  void hourToken_isRefreshedIn_theLast12Minutes_only() {
    server.createServiceAccount("default", "api");
    CachingTokenProvider p = provider();
    IssuedToken first = p.get(spec(3600));
    awaitRefreshes(1);
    clock.advance(Duration.ofMinutes(10));
    assertThat(p.get(spec(3600))).isSameAs(first);
    assertThat(tokenRequests()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(40)); // 50 minutes: past 80 %
    IssuedToken served = p.get(spec(3600));
    assertThat(served).isSameAs(first); // the cached one is still valid, served while refreshing
    assertThat(served.expiresAt()).isAfter(clock.instant());
    awaitRefreshes(1);
    assertThat(p.get(spec(3600))).isNotSameAs(first);
    assertThat(tokenRequests()).isEqualTo(2);
  }

  @Test
  void dayPlusToken_isRefreshedAfter24Hours() {
    server.createServiceAccount("default", "api");
    CachingTokenProvider p = provider();
    IssuedToken first = p.get(spec(144000));
    awaitRefreshes(1);
    clock.advance(Duration.ofHours(23));
    assertThat(p.get(spec(144000))).isSameAs(first);
    clock.advance(Duration.ofHours(2)); // 25 h
    assertThat(p.get(spec(144000))).isSameAs(first);
    awaitRefreshes(1);
    assertThat(p.get(spec(144000))).isNotSameAs(first);
    assertThat(tokenRequests()).isEqualTo(2);
  }

  @Test
  void failedRefresh_keepsServingTheValidToken_thenFailsTypedOnceExpired_andRecovers() {
    server.createServiceAccount("default", "api");
    CachingTokenProvider p = CachingTokenProvider.builder(TokenRequestClient.create(client)).clock(clock).jitterSeconds(() -> 0)
        .backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build();
    providers.add(p);
    IssuedToken first = p.get(spec(3600));
    server.setFault("POST", TOKEN_PATH, Fault.status(500));
    clock.advance(Duration.ofMinutes(50));
    for (int i = 0; i < 20; i++) {
      IssuedToken t = p.get(spec(3600));
      assertThat(t).isSameAs(first);
      assertThat(t.expiresAt()).isAfter(clock.instant());
    }
    clock.advance(Duration.ofMinutes(11)); // past status.expirationTimestamp
    assertThatThrownBy(() -> p.get(spec(3600)))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.EXPIRED))
        .hasMessageContaining("expired at 2026-01-01T01:00:00Z and refresh failed")
        .hasMessageContaining("HTTP 500");
    server.clearFaults();
    clock.advance(Duration.ofSeconds(1)); // past the backoff: without a valid token, a get() right after a failure asks nothing
    IssuedToken recovered = p.get(spec(3600));
    assertThat(recovered).isNotSameAs(first);
    assertThat(recovered.expiresAt()).isAfter(clock.instant());
  }

  @Test
  void tooManyRequests_andDroppedConnections_neverHandOutAnExpiredToken() {
    server.createServiceAccount("default", "api");
    CachingTokenProvider p = provider();
    server.enqueueFault("POST", TOKEN_PATH, Fault.tooManyRequests(Duration.ofSeconds(2)));
    assertThatThrownBy(() -> p.get(spec(3600)))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> {
          assertThat(e.isRetryable()).isTrue();
          assertThat(e.retryAfter()).contains(Duration.ofSeconds(2));
          assertThat(e.getMessage()).startsWith("failed to fetch token: the API server could not issue a token for default/api now (HTTP 429, retry after 2s)");
        });
    server.setFault("POST", TOKEN_PATH, Fault.dropConnection());
    clock.advance(Duration.ofMillis(1999));
    assertThatThrownBy(() -> p.get(spec(3600))).as("before the Retry-After: refused without a request")
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(2)))
        .hasMessageContaining("(1 failed in a row; no request before 2026-01-01T00:00:02Z, in PT0.001S)");
    assertThat(tokenRequests()).isEqualTo(1);
    clock.advance(Duration.ofMillis(1));
    assertThatThrownBy(() -> p.get(spec(3600))).isInstanceOf(TokenRequestException.class)
        .satisfies(e -> assertThat(((TokenRequestException) e).reason()).isEqualTo(TokenRequestException.Reason.UNAVAILABLE));
    server.clearFaults();
    server.enqueueFault("POST", TOKEN_PATH, Fault.delay(Duration.ofMillis(200)));
    clock.advance(Duration.ofMillis(2400)); // the backoff after 2 failures: 2 s plus up to 20 %
    IssuedToken t = p.get(spec(3600));
    assertThat(t.expiresAt()).isAfter(clock.instant());
  }

  @Test
  void thousandConcurrentCallersOnAColdKey_causeExactlyOneRequest() throws Exception {
    server.createServiceAccount("default", "api");
    server.enqueueFault("POST", TOKEN_PATH, Fault.delay(Duration.ofMillis(300)));
    CachingTokenProvider p = provider();
    ExecutorService pool = Executors.newFixedThreadPool(64);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        results.add(pool.submit(() -> {
          go.await();
          return p.token(spec(3600));
        }));
      }
      go.countDown();
      Set<String> tokens = ConcurrentHashMap.newKeySet();
      for (Future<String> f : results) {
        tokens.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(tokens).hasSize(1);
      assertThat(tokenRequests()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void thousandKeys_refreshEachOncePerCycle() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Map<TokenRequestSpec, AtomicInteger> perKey = new ConcurrentHashMap<>();
    CountDownLatch refreshed = new CountDownLatch(2000);
    CachingTokenProvider p = CachingTokenProvider.builder(s -> {
          calls.incrementAndGet();
          perKey.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
          return new IssuedToken("t-" + s.serviceAccount() + "-" + calls.get(), clock.instant().plusSeconds(3600), 3600, s.audiences(), List.of());
        }).clock(clock).jitterSeconds(() -> 0)
        .listener(new CachingTokenProvider.Listener() {
          @Override
          public void onRefresh(TokenRequestSpec spec, IssuedToken token) {
            refreshed.countDown();
          }
        }).build();
    providers.add(p);
    List<TokenRequestSpec> specs = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      specs.add(TokenRequestSpec.builder("default", "sa-" + i).audience("vault").build());
    }
    specs.forEach(p::get);
    clock.advance(Duration.ofMinutes(49));
    for (int round = 0; round < 3; round++) {
      specs.forEach(p::get);
    }
    assertThat(refreshed.await(60, TimeUnit.SECONDS)).isTrue();
    specs.forEach(p::get);
    assertThat(calls).hasValue(2000);
    assertThat(perKey.values()).allSatisfy(n -> assertThat(n).hasValue(2));
  }

  @Test
  void cacheKey_isTheWholeSpec_asTheKubeletKeysIt() {
    server.createServiceAccount("default", "api");
    String uid = server.serviceAccount("default", "api").orElseThrow().uid().orElseThrow();
    CachingTokenProvider p = provider();
    TokenRequestSpec base = TokenRequestSpec.builder("default", "api").audience("vault").expiration(Duration.ofSeconds(2000)).build();
    p.get(base);
    p.get(TokenRequestSpec.builder("default", "api").audience("vault").expiration(Duration.ofSeconds(2000)).build());
    assertThat(tokenRequests()).as("hit").isEqualTo(1);
    p.get(TokenRequestSpec.builder("default", "api").audience("vault").expiration(Duration.ofSeconds(2001)).build());
    assertThat(tokenRequests()).as("different expiration").isEqualTo(2);
    TokenRequestSpec withUid = TokenRequestSpec.builder("default", "api").audience("vault").expiration(Duration.ofSeconds(2000))
        .serviceAccountUid(uid).build();
    p.get(withUid);
    assertThat(tokenRequests()).as("one with uid, one without").isEqualTo(3);
    p.get(TokenRequestSpec.builder("default", "api").audience("vault").expiration(Duration.ofSeconds(2000)).serviceAccountUid(uid).build());
    assertThat(tokenRequests()).as("same uid").isEqualTo(3);
    assertThatThrownBy(() -> p.get(TokenRequestSpec.builder("default", "api").audience("vault").expiration(Duration.ofSeconds(2000))
        .serviceAccountUid("recreated-uid").build()))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.CONFLICT));
    assertThat(tokenRequests()).as("different uid: a miss").isEqualTo(4);
    String fooUid = server.createPod("default", "foo-pod", "api", null);
    String diffUid = server.createPod("default", "diff-pod", "api", null);
    p.get(TokenRequestSpec.builder("default", "api").audience("vault").boundTo(BoundObject.pod("foo-pod", fooUid)).build());
    p.get(TokenRequestSpec.builder("default", "api").audience("vault").boundTo(BoundObject.pod("foo-pod", fooUid)).build());
    assertThat(tokenRequests()).as("same bound object: a hit").isEqualTo(5);
    p.get(TokenRequestSpec.builder("default", "api").audience("vault").boundTo(BoundObject.pod("diff-pod", diffUid)).build());
    assertThat(tokenRequests()).as("different bound object: a miss").isEqualTo(6);
    p.removeBoundTo(fooUid);
    p.get(TokenRequestSpec.builder("default", "api").audience("vault").boundTo(BoundObject.pod("foo-pod", fooUid)).build());
    assertThat(tokenRequests()).as("dropped with its pod").isEqualTo(7);
  }

  @Test
  void lifetime_isStatusExpirationTimestamp_notTheJwtExp() {
    server.createServiceAccount("default", "api");
    String podUid = server.createPod("default", "web", "api", null);
    IssuedToken t = TokenRequestClient.create(client).request(TokenRequestSpec.builder("default", "api").apiAudiences()
        .expiration(Duration.ofSeconds(3607)).boundTo(BoundObject.pod("web", podUid)).build());
    assertThat(t.expiresAt()).isEqualTo(clock.instant().plusSeconds(3607));
    assertThat(dev.saidentity.core.UnverifiedToken.decode(t.token()).expiresAt()).contains(clock.instant().plusSeconds(31536000));
    CachingTokenProvider p = provider();
    TokenRequestSpec spec = TokenRequestSpec.builder("default", "api").apiAudiences().expiration(Duration.ofSeconds(3607))
        .boundTo(BoundObject.pod("web", podUid)).build();
    IssuedToken first = p.get(spec);
    awaitRefreshes(1);
    clock.advance(Duration.ofMinutes(49)); // past 80 % of 3607 s although the JWT is good for a year
    assertThat(p.get(spec)).isSameAs(first);
    awaitRefreshes(1);
    assertThat(p.get(spec)).isNotSameAs(first);
    assertThat(tokenRequests()).isEqualTo(3);
  }

  @Test
  void purge_dropsExpiredEntries_only() {
    server.createServiceAccount("default", "api");
    CachingTokenProvider p = provider();
    p.get(spec(3600));
    p.purgeExpired();
    assertThat(p.size()).isEqualTo(1);
    clock.advance(Duration.ofHours(2));
    p.purgeExpired();
    assertThat(p.size()).isZero();
  }

  @Test
  void close_leavesNoThread_andSystemClockHitsServeTheCachedToken() {
    try (FakeKubernetesApiServer live = FakeKubernetesApiServer.start()) {
      live.createServiceAccount("default", "api");
      ApiClient c = new ClientBuilder().setBasePath(live.url()).setAuthentication(new AccessTokenAuthentication(live.adminToken())).build();
      Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet()); // a provider another test left open is not this one's
      CachingTokenProvider p = CachingTokenProvider.builder(TokenRequestClient.create(c)).build();
      IssuedToken first = p.get(spec(3600));
      assertThat(refreshThreads(before)).isPositive();
      assertThat(p.get(spec(3600))).isSameAs(first);
      assertThat(first.expiresAt()).isAfter(Instant.now());
      assertThat(live.requestCount("POST", TOKEN_PATH)).isEqualTo(1);
      p.close(); // returns once its own threads have ended: no polling here
      assertThat(refreshThreads(before)).isZero();
      assertThatThrownBy(() -> p.get(spec(3600))).isInstanceOf(IllegalStateException.class);
    }
  }

  // ---- Without a server: a counting fetcher, a manual timer and a fetch executor the test controls ----

  final AtomicInteger fetches = new AtomicInteger();
  final ManualScheduler timer = new ManualScheduler(clock);
  final HoldingExecutor fetchPool = new HoldingExecutor();

  /** A token as the API server issues it now, for {@code seconds}. */
  IssuedToken issue(TokenRequestSpec s, long seconds) {
    return new IssuedToken("t-" + fetches.incrementAndGet(), clock.instant().plusSeconds(seconds), seconds, s.audiences(), List.of());
  }

  /** One-hour tokens, counted; the timer runs only when the test says; fetches run when the test says. */
  CachingTokenProvider manual() {
    return manual(s -> issue(s, 3600)).build();
  }

  CachingTokenProvider.Builder manual(Function<TokenRequestSpec, IssuedToken> fetcher) {
    return CachingTokenProvider.builder(fetcher).clock(clock).jitterSeconds(() -> 0).scheduler(timer).fetchExecutor(fetchPool)
        .purgeInterval(Duration.ZERO);
  }

  <T extends CachingTokenProvider> T track(T p) {
    providers.add(p);
    return p;
  }

  static final TokenRequestSpec BOUND = TokenRequestSpec.builder("default", "api").audience("vault")
      .boundTo(BoundObject.pod("web", "pod-uid-1")).build();

  /** Moves the clock a minute at a time, running the timers and fetches due. */
  void live(Duration d) {
    for (long m = 0; m < d.toMinutes(); m++) {
      clock.advance(Duration.ofMinutes(1));
      timer.runDue();
      fetchPool.runHeld();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"invalidate", "removeBoundTo"})
  void removalDuringARefresh_discardsTheRefresh_andNothingRefreshesAfterwards(String removal) {
    CachingTokenProvider p = track(manual());
    IssuedToken first = p.get(BOUND);
    assertThat(timer.pending()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(50)); // due
    fetchPool.hold();
    assertThat(p.get(BOUND)).isSameAs(first); // served while the refresh is claimed
    assertThat(fetchPool.held()).isEqualTo(1);
    if (removal.equals("invalidate")) {
      p.invalidate(BOUND);
    } else {
      p.removeBoundTo("pod-uid-1");
    }
    assertThat(p.size()).isZero();
    assertThat(fetchPool.runHeld()).isEqualTo(1); // the refresh completes after its entry was removed
    assertThat(fetches).hasValue(2);
    assertThat(p.size()).as("a discarded refresh installs nothing").isZero();
    assertThat(timer.pending()).as("timers left behind").isZero();
    live(Duration.ofHours(48));
    assertThat(fetches).as("requests after the removal, with no get()").hasValue(2);
    assertThat(p.get(BOUND)).isNotSameAs(first);
    assertThat(fetches).hasValue(3);
  }

  @Test
  void invalidateOnEvery401_racingRefreshes_leavesOneLiveEntryRefreshingAtItsOwnPace() {
    CachingTokenProvider p = track(manual());
    p.get(BOUND);
    for (int i = 0; i < 10; i++) { // a flapping server: each refresh is overtaken by a 401
      clock.advance(Duration.ofMinutes(50));
      fetchPool.hold();
      p.get(BOUND);
      p.invalidate(BOUND);
      fetchPool.runHeld();
      p.get(BOUND);
    }
    assertThat(fetches).hasValue(21);
    assertThat(p.size()).isEqualTo(1);
    assertThat(timer.pending()).as("one timer, for the one live entry").isEqualTo(1);
    live(Duration.ofHours(24));
    // refreshed 1 ms after 48 min, seen at the next whole minute: every 49 min, 29 times in 24 h
    assertThat(fetches.get() - 21).as("requests in 24 h").isEqualTo(29);
  }

  @Test
  void close_cancelsTheTimers_andStartsNoFetch_evenOneAlreadyClaimed() {
    CachingTokenProvider p = track(manual());
    p.get(BOUND);
    p.get(spec(3600));
    assertThat(timer.pending()).isEqualTo(2);
    clock.advance(Duration.ofMinutes(50));
    fetchPool.hold();
    p.get(BOUND); // claims a refresh, not yet started
    p.close();
    assertThat(timer.pending()).as("timers after close()").isZero();
    fetchPool.runHeld();
    live(Duration.ofHours(24));
    assertThat(fetches).as("requests after close()").hasValue(2);
    assertThatThrownBy(() -> p.get(BOUND)).isInstanceOf(IllegalStateException.class).hasMessage("this CachingTokenProvider is closed");
  }

  /**
   * Delegates to the settable clock but says it equals the system clock, so that a hit path which
   * trusts a timer "with the system clock" is exercised with test time.
   */
  static final class SystemLookingClock extends java.time.Clock {
    final SettableClock time;

    SystemLookingClock(SettableClock time) {
      this.time = time;
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return time.instant();
    }

    @Override
    public boolean equals(Object o) {
      return o == this || java.time.Clock.systemUTC().equals(o);
    }

    @Override
    public int hashCode() {
      return java.time.Clock.systemUTC().hashCode();
    }
  }

  @Test
  void hit_neverServesAnExpiredToken_whenTheTimerNeverRuns() {
    CachingTokenProvider p = track(manual(s -> issue(s, 3600)).clock(new SystemLookingClock(clock)).build());
    IssuedToken first = p.get(spec(3600));
    clock.advance(Duration.ofMinutes(50)); // due; the starved timer never says so
    assertThat(p.get(spec(3600))).isSameAs(first); // still valid: served, and the hit notices the refresh is due
    assertThat(fetches).as("refresh started by the hit").hasValue(2);
    IssuedToken second = p.get(spec(3600));
    assertThat(second).isNotSameAs(first);
    clock.advance(Duration.ofHours(3)); // a wall-clock step (NTP, a suspended host): far past expiry
    IssuedToken third = p.get(spec(3600));
    assertThat(third.expiresAt()).isAfter(clock.instant());
    assertThat(fetches).hasValue(3);
    assertThat(timer.pending()).as("timers, none of which ever ran").isPositive();
  }

  @Test
  void tokensAlreadyDueOnArrival_causeABoundedNumberOfRequestsPerMinute() {
    // A server clock 7 minutes behind ours: every token arrives past its refresh time (but valid for 5 minutes).
    CachingTokenProvider p = track(manual(s -> {
      fetches.incrementAndGet();
      return new IssuedToken("skewed", clock.instant().plusSeconds(300), 3600, s.audiences(), List.of());
    }).build());
    p.get(spec(3600));
    int[] perMinute = new int[3];
    for (int minute = 0; minute < 3; minute++) {
      int before = fetches.get();
      for (int i = 0; i < 600; i++) {
        clock.advance(Duration.ofMillis(100));
        assertThat(p.get(spec(3600)).expiresAt()).isAfter(clock.instant());
        timer.runDue();
      }
      perMinute[minute] = fetches.get() - before;
    }
    // backoff 1, 2, 4, 8, 16, 32 s (+ up to 20 %), then at most once a minute
    assertThat(perMinute[0]).as("requests in the first minute").isBetween(4, 7);
    assertThat(perMinute[1]).as("requests in the second minute").isBetween(1, 2);
    assertThat(perMinute[2]).as("requests in the third minute").isBetween(1, 2);
  }

  @Test
  void defaultFetchPool_runsFourSlowFetchesAtOnce() throws Exception {
    CountDownLatch allInside = new CountDownLatch(4);
    java.util.concurrent.atomic.AtomicBoolean slow = new java.util.concurrent.atomic.AtomicBoolean();
    CachingTokenProvider p = track(CachingTokenProvider.builder(s -> {
      if (slow.get()) {
        allInside.countDown();
        try {
          allInside.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return issue(s, 3600);
    }).clock(clock).jitterSeconds(() -> 0).build());
    List<TokenRequestSpec> specs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      specs.add(TokenRequestSpec.builder("default", "sa-" + i).audience("vault").build());
      p.get(specs.get(i));
    }
    slow.set(true);
    clock.advance(Duration.ofMinutes(50));
    specs.forEach(p::get); // four background refreshes, each waiting for the other three
    assertThat(allInside.await(30, TimeUnit.SECONDS)).as("four fetches inside the fetcher at once").isTrue();
  }

  @Test
  void aRequestThatNeverEnds_isAbandonedAfterTwiceMaxWait_soTheKeyIsNotWedged() {
    // An executor that drops the first task it is given (as a DiscardPolicy would): that request
    // never answers. Before, every later get() joined it and timed out, for ever.
    AtomicInteger dropped = new AtomicInteger();
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    CachingTokenProvider p = track(CachingTokenProvider.builder(s -> issue(s, 3600)).clock(clock).jitterSeconds(() -> 0)
        .scheduler(timer).purgeInterval(Duration.ZERO).maxWait(Duration.ofMillis(20)).ticker(nanos::get)
        .fetchExecutor(task -> {
          if (dropped.getAndIncrement() > 0) {
            task.run();
          }
        }).build());
    assertThatThrownBy(() -> p.get(spec(3600))).isInstanceOf(TokenRequestException.class).hasMessageContaining("still running");
    nanos.addAndGet(Duration.ofMillis(30).toNanos());
    assertThatThrownBy(() -> p.get(spec(3600))).as("not yet twice the maximum wait: the request is joined")
        .isInstanceOf(TokenRequestException.class).hasMessageContaining("still running");
    assertThat(fetches).hasValue(0);
    nanos.addAndGet(Duration.ofMillis(20).toNanos());
    assertThat(p.get(spec(3600)).token()).as("past twice the maximum wait: abandoned, asked again").isEqualTo("t-1");
    assertThat(fetches).hasValue(1);
    assertThat(dropped).hasValue(2);
    assertThatThrownBy(() -> CachingTokenProvider.builder(s -> issue(s, 3600)).maxWait(Duration.ofDays(1).plusNanos(1)))
        .as("twice the wait must not overflow").isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxWait must be positive and at most a day, got PT24H0.000000001S");
  }

  @Test
  void getWithNoUsableToken_waitsAtMostMaxWait_thenFailsTyped_andTheFetchStillLands() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch landed = new CountDownLatch(1);
    CachingTokenProvider p = track(CachingTokenProvider.builder(s -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return issue(s, 3600);
    }).clock(clock).jitterSeconds(() -> 0).maxWait(Duration.ofMillis(50)).listener(new CachingTokenProvider.Listener() {
      @Override
      public void onRefresh(TokenRequestSpec spec, IssuedToken token) {
        landed.countDown();
      }
    }).build());
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
        assertThatThrownBy(() -> p.get(spec(3600)))
            .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.UNAVAILABLE))
            .hasMessage("no token for TokenRequestSpec[default/api, audiences=[vault], expiration=3600s] within PT0.05S: "
                + "the token request is still running (its answer will be cached)");
      });
    } finally {
      release.countDown();
    }
    assertThat(landed.await(30, TimeUnit.SECONDS)).as("the request that outlived the wait is cached").isTrue();
    assertThat(p.get(spec(3600)).token()).isEqualTo("t-1");
    assertThat(fetches).hasValue(1);
  }

  @Test
  void fetches_neverRunOnTheTimer() throws Exception {
    Semaphore refreshed = new Semaphore(0);
    CachingTokenProvider p = track(CachingTokenProvider.builder(s -> issue(s, 3600)).clock(clock).jitterSeconds(() -> 0).scheduler(timer)
        .purgeInterval(Duration.ZERO).listener(new CachingTokenProvider.Listener() {
          @Override
          public void onRefresh(TokenRequestSpec spec, IssuedToken token) {
            refreshed.release();
          }
        }).build());
    IssuedToken first = p.get(spec(3600));
    clock.advance(Duration.ofMinutes(49));
    assertThat(timer.runDue()).isEqualTo(1); // the refresh timer fires and hands the request to the fetch pool
    assertThat(refreshed.tryAcquire(2, 30, TimeUnit.SECONDS)).isTrue();
    assertThat(timer.executed()).as("runnables handed to the timer as an executor").isZero();
    assertThat(p.get(spec(3600))).isNotSameAs(first);
  }

  @Test
  void readersRacingRefreshes_neverSeeAnExpiredToken_withAFreshWindow() throws Exception {
    // Each token lives 10 minutes; the clock jumps 11 minutes at a time, so every refresh replaces an
    // expired token while readers run. A reader compares with the time read before its get(): a token
    // handed out must still have been valid then.
    CachingTokenProvider p = track(CachingTokenProvider.builder(s -> issue(s, 600)).clock(clock).jitterSeconds(() -> 0).build());
    TokenRequestSpec s600 = spec(600);
    p.get(s600);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
    ExecutorService readers = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        done.add(readers.submit(() -> {
          while (!stop.get()) {
            long before = clock.millis();
            IssuedToken t = p.get(s600);
            if (t.expiresAt().toEpochMilli() <= before) {
              violations.add(t + " handed out at " + Instant.ofEpochMilli(before));
            }
          }
        }));
      }
      for (int i = 0; i < 300; i++) {
        clock.advance(Duration.ofMinutes(11));
        IssuedToken t = p.get(s600); // waits for the refresh, bounded by maxWait
        assertThat(t.expiresAt()).isAfter(clock.instant());
      }
      stop.set(true);
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      stop.set(true);
      readers.shutdownNow();
    }
    assertThat(violations).isEmpty();
  }

  @Test
  void purge_dropsEntriesThatNeverGotAToken() {
    CachingTokenProvider p = track(manual(s -> {
      fetches.incrementAndGet();
      throw new TokenRequestException(TokenRequestException.Reason.FORBIDDEN, 403, null, "forbidden", null);
    }).build());
    assertThatThrownBy(() -> p.get(spec(3600))).isInstanceOfSatisfying(TokenRequestException.class,
        e -> assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.FORBIDDEN));
    p.purgeExpired();
    assertThat(p.size()).as("kept during its backoff, so that no caller sidesteps it").isEqualTo(1);
    assertThat(timer.pending()).as("the end of the backoff").isEqualTo(1);
    clock.advance(Duration.ofMillis(1200));
    timer.runDue(); // nobody asked since the failure: no retry
    p.purgeExpired();
    assertThat(p.size()).isZero();
    assertThat(timer.pending()).isZero();
    assertThat(fetches).hasValue(1);
  }

  @Test
  void concurrentGetsInvalidatesAndRefreshes_leaveNoTimerWithoutALiveEntry() throws Exception {
    AtomicInteger settled = new AtomicInteger(); // requests answered (installed or discarded)
    CachingTokenProvider p = track(CachingTokenProvider.builder(s -> issue(s, 3600)).clock(clock).jitterSeconds(() -> 0).scheduler(timer)
        .purgeInterval(Duration.ZERO).listener(new CachingTokenProvider.Listener() {
          @Override
          public void onRefresh(TokenRequestSpec spec, IssuedToken token) {
            settled.incrementAndGet();
          }
        }).build()); // the default fetch pool: real threads racing
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int worker = w;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 500; i++) {
            if (worker == 0 && i % 50 == 0) {
              clock.advance(Duration.ofMinutes(50)); // due: gets start background refreshes
            }
            if ((i + worker) % 3 == 0) {
              p.invalidate(BOUND);
            } else {
              p.get(BOUND);
            }
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    awaitTrue(() -> settled.get() == fetches.get(), "every request answered");
    assertThat(p.size()).isLessThanOrEqualTo(1);
    assertThat(timer.pending()).as("timers, for %s live entries", p.size()).isEqualTo(p.size());
  }

  /**
   * An answer the provider cannot turn into times (an expiry past what epoch millis hold, a lifetime
   * of Long.MAX_VALUE seconds, a Retry-After of Long.MAX_VALUE seconds, a throwing jitter source)
   * fails that request: it must not leave the key's request "in flight" forever, so that every later
   * get() waits out maxWait against a future no one will ever complete.
   */
  @ParameterizedTest
  @ValueSource(strings = {"far-expiry", "huge-lifetime", "huge-retry-after", "throwing-jitter"})
  void anAnswerWithUnusableTimes_failsThatRequest_andTheNextGetAsksAgain(String poison) {
    AtomicInteger calls = new AtomicInteger();
    CachingTokenProvider p = track(CachingTokenProvider.builder(s -> {
      if (calls.incrementAndGet() == 1) {
        switch (poison) {
          case "far-expiry":
            return IssuedToken.of("t-far", Instant.parse("+999999999-01-01T00:00:00Z"), Duration.ofHours(1), List.of("vault"));
          case "huge-lifetime":
            return IssuedToken.of("t-old", clock.instant().plusSeconds(3600), Duration.ofSeconds(Long.MAX_VALUE), List.of("vault"));
          case "huge-retry-after":
            throw new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 503, Duration.ofSeconds(Long.MAX_VALUE), "busy", null);
          default:
            return issue(s, 3600);
        }
      }
      return issue(s, 3600);
    }).clock(clock).jitterSeconds(() -> {
      if ("throwing-jitter".equals(poison) && calls.get() == 1) {
        throw new IllegalStateException("jitter source broke");
      }
      return 0;
    }).maxWait(Duration.ofSeconds(5)).build());
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      assertThatThrownBy(() -> p.get(spec(3600))).isInstanceOfSatisfying(TokenRequestException.class,
          e -> assertThat(e.getMessage()).doesNotContain("within PT5S"));
      clock.advance(Duration.ofDays(1).plusSeconds(1)); // past the backoff (a Retry-After is honoured up to a day)
      assertThat(p.get(spec(3600)).token()).as("the next get asks again instead of joining a dead request").startsWith("t-");
    });
    assertThat(calls).hasValue(2);
  }

  /** Fails every request after the first {@code ok}, recording when each request was made. */
  CachingTokenProvider.Builder failingAfter(int ok, List<Instant> requestedAt) {
    return manual(s -> {
      requestedAt.add(clock.instant());
      if (requestedAt.size() > ok) {
        throw new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 503, null, "down", null);
      }
      return issue(s, 3600);
    });
  }

  @Test
  void failedRefreshOfAValidToken_isRetried10To30sBeforeItExpires_thenHalfwayToIt_neverAfter() {
    // Before: retried after 1, 2, 4 .. 32 s, then every minute (+20 %): some 16 requests in the 12
    // minutes of slack, and every key of an outage back within 72 s of its end.
    List<Instant> requestedAt = new ArrayList<>();
    CachingTokenProvider p = track(failingAfter(1, requestedAt).build());
    IssuedToken first = p.get(spec(3600));
    Instant expiry = first.expiresAt();
    clock.advance(Duration.ofMinutes(48).plusSeconds(1)); // due (80 %, no jitter)
    assertThat(p.get(spec(3600))).isSameAs(first);
    assertThat(requestedAt).as("the refresh, failed").hasSize(2);
    for (int s = 0; s < 11 * 60 + 29; s++) {
      clock.advance(Duration.ofSeconds(1));
      timer.runDue();
      assertThat(p.get(spec(3600))).isSameAs(first);
    }
    assertThat(requestedAt).as("no retry while more than 30 s are left").hasSize(2);
    while (clock.instant().isBefore(expiry)) {
      clock.advance(Duration.ofMillis(100));
      timer.runDue();
    }
    assertThat(requestedAt.get(2)).as("the retry, 10-30 s before the expiry").isBetween(expiry.minusSeconds(30), expiry.minusSeconds(10));
    assertThat(requestedAt).as("each retry before the expiry").allMatch(t -> t.isBefore(expiry));
    assertThat(requestedAt.size() - 2).as("retries in the 12 minutes of slack").isBetween(2, 7);
  }

  @Test
  void validTokenRetried_succeedsOnceTheApiIsBack_beforeItExpires() {
    List<Instant> requestedAt = new ArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
    CachingTokenProvider p = track(manual(s -> {
      requestedAt.add(clock.instant());
      if (down.get()) {
        throw new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 503, null, "down", null);
      }
      return issue(s, 3600);
    }).build());
    IssuedToken first = p.get(spec(3600));
    down.set(true);
    clock.advance(Duration.ofMinutes(48).plusSeconds(1));
    p.get(spec(3600));
    clock.advance(Duration.ofMinutes(5));
    down.set(false); // back 7 minutes before the expiry
    Instant end = first.expiresAt();
    IssuedToken next = first;
    while (next == first && clock.instant().isBefore(end)) {
      clock.advance(Duration.ofSeconds(1));
      timer.runDue();
      next = p.get(spec(3600));
    }
    assertThat(next).as("refreshed before the old token expired").isNotSameAs(first);
    assertThat(clock.instant()).isBetween(end.minusSeconds(30), end.minusSeconds(9));
    assertThat(requestedAt).hasSize(3);
  }

  @Test
  void noValidToken_aGetDuringTheBackoffIsRefusedWithoutARequest_andTheTimerRetriesWhenItEnds() {
    // Before: every get() with no valid token asked at once, so the callers of all the keys that lost
    // their tokens in an outage asked together at its end.
    List<Instant> requestedAt = new ArrayList<>();
    CachingTokenProvider p = track(failingAfter(0, requestedAt).build());
    assertThatThrownBy(() -> p.get(spec(3600))).as("the first request is never delayed").hasMessage("failed to fetch token: down");
    assertThat(requestedAt).hasSize(1);
    assertThatThrownBy(() -> p.get(spec(3600)))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> {
          assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.UNAVAILABLE);
          assertThat(e.status()).isEqualTo(503);
        })
        .hasMessageStartingWith("failed to fetch token: down (1 failed in a row; no request before 2026-01-01T00:00:01");
    assertThat(requestedAt).as("refused during the backoff without a request").hasSize(1);
    clock.advance(Duration.ofMillis(1200)); // 1 s plus up to 20 %
    timer.runDue();
    assertThat(requestedAt).as("the timer retried at the end of the backoff, as a get() had asked").hasSize(2);
    clock.advance(Duration.ofMillis(2400));
    timer.runDue();
    assertThat(requestedAt).as("nobody asked since: no retry").hasSize(2);
    assertThatThrownBy(() -> p.get(spec(3600))).hasMessage("failed to fetch token: down");
    assertThat(requestedAt).as("a get() after the backoff asks at once").hasSize(3);
  }

  @Test
  void noValidToken_backoffDoublesToTwoMinutesPlusJitter_whateverTheCallers() {
    List<Instant> requestedAt = new ArrayList<>();
    CachingTokenProvider p = track(failingAfter(0, requestedAt).build());
    for (int s = 0; s < 20 * 60; s++) {
      assertThatThrownBy(() -> p.get(spec(3600))).isInstanceOf(TokenRequestException.class);
      clock.advance(Duration.ofSeconds(1));
      timer.runDue();
    }
    // 1, 2, 4 .. 64 s, then 2 min plus up to 20 %: about 13 requests in 20 minutes, not 1,200
    assertThat(requestedAt).hasSizeBetween(12, 16);
    for (int i = requestedAt.size() - 3; i < requestedAt.size(); i++) {
      assertThat(Duration.between(requestedAt.get(i - 1), requestedAt.get(i))).as("at the cap")
          .isBetween(Duration.ofMinutes(2), Duration.ofSeconds(145));
    }
  }

  @Test
  void maxBackoffWithoutToken_setsTheCap_andIsChecked() {
    List<Instant> requestedAt = new ArrayList<>();
    CachingTokenProvider p = track(failingAfter(0, requestedAt).maxBackoffWithoutToken(Duration.ofSeconds(10)).build());
    for (int s = 0; s < 5 * 60; s++) {
      assertThatThrownBy(() -> p.get(spec(3600))).isInstanceOf(TokenRequestException.class);
      clock.advance(Duration.ofSeconds(1));
      timer.runDue();
    }
    Duration last = Duration.between(requestedAt.get(requestedAt.size() - 2), requestedAt.get(requestedAt.size() - 1));
    assertThat(last).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(13));
    assertThatThrownBy(() -> CachingTokenProvider.builder(s -> issue(s, 60)).maxBackoffWithoutToken(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxBackoffWithoutToken must be positive and at most a day, got PT0S");
  }

  /** Polls a condition every millisecond until it holds, failing after 30 s: for conditions no latch can see. */
  static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waited 30 s for: %s", what).isNegative();
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  static long refreshThreads(Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.getName().startsWith("sa-identity-token-") && t.isAlive()).count();
  }

  /** Waits (bounded) until a provider made with {@link #provider()} has installed {@code n} more tokens. */
  void awaitRefreshes(int n) {
    try {
      assertThat(refreshes.tryAcquire(n, 30, TimeUnit.SECONDS)).as("waited 30 s for %s refreshes", n).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
