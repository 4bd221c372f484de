package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

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

  CachingTokenProvider provider() {
    CachingTokenProvider p = CachingTokenProvider.builder(TokenRequestClient.create(client)).clock(clock).jitterSeconds(() -> 0).build();
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
    clock.advance(Duration.ofMinutes(10));
    assertThat(p.get(spec(3600))).isSameAs(first);
    assertThat(tokenRequests()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(40)); // 50 minutes: past 80 %
    IssuedToken served = p.get(spec(3600));
    awaitRequests(2);
    assertThat(served.expiresAt()).isAfter(clock.instant()); // the cached one is still valid, served while refreshing
    awaitRefreshed(p, first);
    assertThat(tokenRequests()).isEqualTo(2);
  }

  @Test
  void dayPlusToken_isRefreshedAfter24Hours() {
    server.createServiceAccount("default", "api");
    CachingTokenProvider p = provider();
    IssuedToken first = p.get(spec(144000));
    clock.advance(Duration.ofHours(23));
    assertThat(p.get(spec(144000))).isSameAs(first);
    clock.advance(Duration.ofHours(2)); // 25 h
    p.get(spec(144000));
    awaitRefreshed(p, first);
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
    assertThatThrownBy(() -> p.get(spec(3600))).isInstanceOf(TokenRequestException.class)
        .satisfies(e -> assertThat(((TokenRequestException) e).reason()).isEqualTo(TokenRequestException.Reason.UNAVAILABLE));
    server.clearFaults();
    server.enqueueFault("POST", TOKEN_PATH, Fault.delay(Duration.ofMillis(200)));
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
    clock.advance(Duration.ofMinutes(49)); // past 80 % of 3607 s although the JWT is good for a year
    p.get(spec);
    awaitRequests(3);
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
      CachingTokenProvider p = CachingTokenProvider.builder(TokenRequestClient.create(c)).build();
      IssuedToken first = p.get(spec(3600));
      assertThat(refreshThreads()).isPositive();
      assertThat(p.get(spec(3600))).isSameAs(first);
      assertThat(first.expiresAt()).isAfter(Instant.now());
      assertThat(live.requestCount("POST", TOKEN_PATH)).isEqualTo(1);
      p.close();
      assertThat(refreshThreads()).isZero();
      assertThatThrownBy(() -> p.get(spec(3600))).isInstanceOf(IllegalStateException.class);
    }
  }

  static long refreshThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("sa-identity-token-") && t.isAlive()).count();
  }

  void awaitRequests(int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (tokenRequests() < n) {
      assertThat(System.nanoTime()).as("waited for %s token requests", n).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  void awaitRefreshed(CachingTokenProvider p, IssuedToken old) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (p.get(spec(old.lifetime().getSeconds())) == old) {
      assertThat(System.nanoTime()).as("waited for the background refresh").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }
}
