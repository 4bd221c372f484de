package dev.saidentity.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saidentity.core.RemoteKeySource;
import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.Tokens;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.Fault;
import dev.saidentity.testing.SettableClock;
import dev.saidentity.tokenrequest.CachingTokenProvider;
import dev.saidentity.tokenrequest.ProjectedTokenFile;
import dev.saidentity.tokenrequest.TokenRequestClient;
import dev.saidentity.tokenrequest.TokenRequestSpec;
import dev.saidentity.tokenrequest.TokenReviewer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The meters read from a {@link SimpleMeterRegistry} against the fake cluster, across a token
 * refresh, a failed refresh, a 401, a validation refusal and a TokenReview: exact values, the clock
 * moved by the test, no sleeps.
 */
class SaIdentityMetricsTest {

  static final String TOKEN_PATH = "/api/v1/namespaces/default/serviceaccounts/api/token";
  static final TokenRequestSpec SPEC = TokenRequestSpec.builder("default", "api").audience("vault").build();

  final SettableClock clock = SettableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
  final FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().clock(clock).start();
  final ApiClient client = new ClientBuilder().setBasePath(server.url())
      .setAuthentication(new AccessTokenAuthentication(server.adminToken())).build();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    server.close();
  }

  /** Requests run on the calling thread; no timer fires within a test (the refreshes come from get()). */
  CachingTokenProvider provider() {
    server.createServiceAccount("default", "api");
    CachingTokenProvider p = CachingTokenProvider.builder(TokenRequestClient.create(client)).clock(clock).jitterSeconds(() -> 0)
        .fetchExecutor(Runnable::run).purgeInterval(Duration.ZERO).build();
    closeables.add(p);
    return p;
  }

  double gauge(String name, String... tags) {
    Gauge g = registry.get(name).tags(tags).gauge();
    return g.value();
  }

  double count(String name, String... tags) {
    return registry.get(name).tags(tags).functionCounter().count();
  }

  @Test
  void tokenProvider_acrossARefresh_aFailedRefresh_andA401() {
    CachingTokenProvider p = provider();
    SaIdentityMetrics.builder().tokenProvider("outbound", p).tags("app", "checkout").build().bindTo(registry);
    String[] key = {"name", "outbound", "app", "checkout", "namespace", "default", "serviceaccount", "api", "audience", "vault"};
    assertThat(registry.find(SaIdentityMetrics.TOKEN_EXPIRY).gauges()).as("no key, no row").isEmpty();

    String first = p.token(SPEC); // startup
    assertThat(gauge(SaIdentityMetrics.TOKEN_EXPIRY, key)).isEqualTo(3600.0);
    assertThat(gauge(SaIdentityMetrics.TOKEN_AGE, key)).isEqualTo(0.0);
    assertThat(gauge(SaIdentityMetrics.TOKEN_WARNAFTER_OVERDUE, key)).isEqualTo(0.0);
    assertThat(gauge(SaIdentityMetrics.TOKENS_CACHED, "name", "outbound")).isEqualTo(1.0);
    assertThat(count(SaIdentityMetrics.TOKEN_REFRESHES, "name", "outbound", "result", "success", "trigger", "startup")).isEqualTo(1.0);

    clock.advance(Duration.ofMinutes(50)); // past 80 % of the hour: the next get() refreshes
    assertThat(gauge(SaIdentityMetrics.TOKEN_EXPIRY, key)).isEqualTo(600.0);
    assertThat(gauge(SaIdentityMetrics.TOKEN_AGE, key)).isEqualTo(3000.0);
    p.token(SPEC);
    assertThat(p.token(SPEC)).isNotEqualTo(first);
    assertThat(count(SaIdentityMetrics.TOKEN_REFRESHES, "name", "outbound", "result", "success", "trigger", "schedule")).isEqualTo(1.0);
    assertThat(gauge(SaIdentityMetrics.TOKEN_EXPIRY, key)).isEqualTo(3600.0);

    server.setFault("POST", TOKEN_PATH, Fault.status(503));
    clock.advance(Duration.ofMinutes(50));
    Instant failedAt = clock.instant();
    String second = p.token(SPEC); // due: the refresh fails, the valid token is served
    assertThat(p.token(SPEC)).as("served stale after the failure").isEqualTo(second);
    server.clearFaults();
    assertThat(count(SaIdentityMetrics.TOKEN_REFRESHES, "name", "outbound", "result", "failure", "trigger", "schedule")).isEqualTo(1.0);
    assertThat(count(SaIdentityMetrics.TOKEN_STALE_SERVED, "name", "outbound")).isEqualTo(1.0);
    assertThat(gauge(SaIdentityMetrics.TOKEN_REFRESH_LAST_FAILURE, "name", "outbound")).isEqualTo((double) failedAt.getEpochSecond());
    assertThat(gauge(SaIdentityMetrics.TOKEN_EXPIRY, key)).isEqualTo(600.0);

    p.invalidate(SPEC, second); // a 401
    assertThat(registry.find(SaIdentityMetrics.TOKEN_EXPIRY).gauges()).as("the key's row goes with its key").isEmpty();
    p.token(SPEC);
    assertThat(count(SaIdentityMetrics.TOKEN_REFRESHES, "name", "outbound", "result", "success", "trigger", "unauthorized")).isEqualTo(1.0);
    assertThat(gauge(SaIdentityMetrics.TOKEN_EXPIRY, key)).isEqualTo(3600.0);
    assertThat(count(SaIdentityMetrics.TOKEN_REFRESHES, "name", "outbound", "result", "failure", "trigger", "startup")
        + count(SaIdentityMetrics.TOKEN_REFRESHES, "name", "outbound", "result", "failure", "trigger", "unauthorized")).isZero();

    noTokenInAnyTag(p.token(SPEC), first, second);
    oneSetOfTagKeysPerName();
    p.close();
    assertThat(registry.find(SaIdentityMetrics.TOKEN_EXPIRY).gauges()).as("close() removes the rows").isEmpty();
  }

  @Test
  void tokenProvider_keysSharingTheirTags_shareOneRowShowingTheWorst() {
    CachingTokenProvider p = provider();
    SaIdentityMetrics.builder().tokenProvider("outbound", p).build().bindTo(registry);
    TokenRequestSpec other = TokenRequestSpec.builder("default", "api").audience("vault").expiration(Duration.ofHours(2)).build();
    p.token(SPEC);
    clock.advance(Duration.ofMinutes(10));
    p.token(other);
    String[] key = {"name", "outbound", "namespace", "default", "serviceaccount", "api", "audience", "vault"};
    assertThat(registry.find(SaIdentityMetrics.TOKEN_EXPIRY).gauges()).hasSize(1);
    assertThat(gauge(SaIdentityMetrics.TOKEN_EXPIRY, key)).as("the sooner expiry").isEqualTo(3000.0);
    assertThat(gauge(SaIdentityMetrics.TOKEN_AGE, key)).as("the older token").isEqualTo(600.0);
    p.invalidate(SPEC);
    assertThat(gauge(SaIdentityMetrics.TOKEN_EXPIRY, key)).as("the row stays while a key has it").isEqualTo(7200.0);
  }

  @Test
  void validator_countsOutcomesCacheHitsAndKeyFetches() {
    CachingTokenProvider p = provider();
    RemoteKeySource keys = RemoteKeySource.jwks(URI.create(server.url() + "/openid/v1/jwks")).bearerToken(server::adminToken).build();
    closeables.add(keys);
    TokenValidator validator = TokenValidator.builder().issuer(server.issuer().issuer()).audience("vault").keys(keys).clock(clock).build();
    SaIdentityMetrics.builder().validator("inbound", validator).build().bindTo(registry);
    assertThat(gauge(SaIdentityMetrics.KEYS_LOADED, "name", "inbound")).as("nothing fetched before the first token").isZero();

    String token = p.token(SPEC);
    validator.validate(token);
    validator.validate(token);
    String other = p.token(TokenRequestSpec.builder("default", "api").audience("payments").build());
    assertThat(validator.tryValidate(other).reason()).contains(Reason.AUDIENCE_MISMATCH);

    assertThat(count(SaIdentityMetrics.VALIDATIONS, "name", "inbound", "outcome", "valid")).isEqualTo(2.0);
    assertThat(count(SaIdentityMetrics.VALIDATIONS, "name", "inbound", "outcome", "audience_mismatch")).isEqualTo(1.0);
    assertThat(count(SaIdentityMetrics.VALIDATIONS, "name", "inbound", "outcome", "expired")).isZero();
    assertThat(registry.find(SaIdentityMetrics.VALIDATIONS).functionCounters()).as("valid and each reason")
        .hasSize(Reason.values().length + 1);
    assertThat(count(SaIdentityMetrics.VALIDATION_CACHE_HITS, "name", "inbound")).isEqualTo(1.0);
    assertThat(count(SaIdentityMetrics.VALIDATION_CACHE_MISSES, "name", "inbound")).isEqualTo(2.0);
    assertThat(count(SaIdentityMetrics.KEYS_REFRESHES, "name", "inbound", "result", "success")).isEqualTo(1.0);
    assertThat(count(SaIdentityMetrics.KEYS_REFRESHES, "name", "inbound", "result", "failure")).isZero();
    assertThat(gauge(SaIdentityMetrics.KEYS_LOADED, "name", "inbound")).isEqualTo(1.0);
    noTokenInAnyTag(token, other);
  }

  @Test
  void tokenReviewer_timesEachReviewByResult_andCountsCacheHits() {
    CachingTokenProvider p = provider();
    TokenReviewer reviewer = TokenReviewer.builder(client).audience("vault").clock(clock).build();
    SaIdentityMetrics.builder().tokenReviewer("inbound", reviewer).build().bindTo(registry);
    String token = p.token(SPEC);
    assertThat(reviewer.review(token).authenticated()).isTrue();
    assertThat(reviewer.review(token).authenticated()).isTrue(); // cached
    assertThat(reviewer.review("not-a-token").authenticated()).isFalse();
    server.setFault("POST", "/apis/authentication.k8s.io/v1/tokenreviews", Fault.status(500));
    assertThatThrownBy(() -> reviewer.review(token + "x")).isInstanceOf(RuntimeException.class);

    FunctionTimer ok = registry.get(SaIdentityMetrics.TOKENREVIEW).tags("name", "inbound", "result", "authenticated").functionTimer();
    assertThat(ok.count()).isEqualTo(1.0);
    assertThat(ok.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(registry.get(SaIdentityMetrics.TOKENREVIEW).tags("result", "unauthenticated").functionTimer().count()).isEqualTo(1.0);
    assertThat(registry.get(SaIdentityMetrics.TOKENREVIEW).tags("result", "error").functionTimer().count()).isEqualTo(1.0);
    assertThat(count(SaIdentityMetrics.TOKENREVIEW_CACHE_HITS, "name", "inbound")).isEqualTo(1.0);
    noTokenInAnyTag(token);
  }

  @TempDir
  Path tmp;

  @Test
  void tokenFile_gaugesAndReads_withTheSameTagKeysAsTheProvidersRows() throws Exception {
    Path path = tmp.resolve("token");
    ServiceAccount sa = ServiceAccount.of("default", "api", "uid-1");
    String a = server.issuer().projected(sa).audience("vault").kubeletExtended().mint();
    Files.writeString(path, a);
    ProjectedTokenFile file = ProjectedTokenFile.of(path, clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
    CachingTokenProvider p = provider();
    SaIdentityMetrics.builder().tokenFile("vault", file).tokenProvider("outbound", p).build().bindTo(registry);
    String[] row = {"name", "vault", "namespace", "none", "serviceaccount", "none", "audience", "none"};
    assertThat(gauge(SaIdentityMetrics.TOKEN_EXPIRY, row)).as("not read yet").isNaN();
    file.token();
    p.token(SPEC);
    clock.advance(Duration.ofSeconds(3700)); // past warnafter (3607 s)
    assertThat(gauge(SaIdentityMetrics.TOKEN_EXPIRY, row)).isEqualTo(31_536_000.0 - 3700);
    assertThat(gauge(SaIdentityMetrics.TOKEN_AGE, row)).isEqualTo(3700.0);
    assertThat(gauge(SaIdentityMetrics.TOKEN_WARNAFTER_OVERDUE, row)).isEqualTo(93.0);
    String b = server.issuer().projected(sa).audience("vault").kubeletExtended().mint();
    Files.writeString(path, b);
    file.token(); // due: re-read, rotated
    Files.delete(path);
    file.invalidate();
    file.token(); // the read fails, the last good token stays
    assertThat(count(SaIdentityMetrics.TOKEN_FILE_READS, "name", "vault", "result", "success")).isEqualTo(2.0);
    assertThat(count(SaIdentityMetrics.TOKEN_FILE_READS, "name", "vault", "result", "failure")).isEqualTo(1.0);
    assertThat(count(SaIdentityMetrics.TOKEN_FILE_ROTATIONS, "name", "vault")).isEqualTo(1.0);
    assertThat(gauge(SaIdentityMetrics.TOKEN_AGE, row)).isEqualTo(0.0);
    oneSetOfTagKeysPerName();
    noTokenInAnyTag(a, b);
  }

  @Test
  void theRegistry_holdsNoClosedProviderAlive() {
    WeakReference<CachingTokenProvider> ref = bindAndDrop();
    for (int i = 0; i < 100 && ref.get() != null; i++) {
      System.gc();
    }
    assertThat(ref.get()).as("the provider, closed and dropped, was collected").isNull();
    assertThat(gauge(SaIdentityMetrics.TOKENS_CACHED, "name", "outbound")).as("a collected source's gauge reads NaN").isNaN();
    assertThat(registry.find(SaIdentityMetrics.TOKEN_EXPIRY).gauges()).as("no row left behind").isEmpty();
  }

  private WeakReference<CachingTokenProvider> bindAndDrop() {
    CachingTokenProvider p = provider();
    closeables.remove(p);
    SaIdentityMetrics.builder().tokenProvider("outbound", p).validator("inbound", server.issuer().validator().build()).build()
        .bindTo(registry);
    p.token(SPEC);
    p.close();
    return new WeakReference<>(p);
  }

  @Test
  void builder_refusesCollidingAndEmptyNames() {
    CachingTokenProvider p = provider();
    ProjectedTokenFile file = ProjectedTokenFile.of(tmp.resolve("token"));
    SaIdentityMetrics.Builder b = SaIdentityMetrics.builder().tokenProvider("a", p);
    assertThatThrownBy(() -> b.tokenFile("a", file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the name \"a\" is already given to another token provider or token file: the meters would collide");
    assertThatThrownBy(() -> b.validator("", server.issuer().validator().build())).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a source's name must have 1 to 128 characters, got 0");
    assertThatThrownBy(() -> b.tags("odd")).isInstanceOf(IllegalArgumentException.class);
    b.validator("a", server.issuer().validator().build()); // another kind may share a name
    assertThat(b.build()).hasToString("SaIdentityMetrics[2 sources]");
  }

  /** No tag value holds a token or its fingerprint. */
  void noTokenInAnyTag(String... tokens) {
    for (Meter m : registry.getMeters()) {
      for (Tag t : m.getId().getTags()) {
        for (String token : tokens) {
          assertThat(t.getValue()).doesNotContain(token).doesNotContain(Tokens.fingerprint(token));
          assertThat(token).doesNotContain(t.getValue().length() > 8 ? t.getValue() : "\u0000");
        }
      }
    }
  }

  /** Each meter name has one set of tag keys, as Prometheus requires. */
  void oneSetOfTagKeysPerName() {
    Map<String, Set<String>> keys = new HashMap<>();
    for (Meter m : registry.getMeters()) {
      Set<String> k = new TreeSet<>();
      m.getId().getTags().forEach(t -> k.add(t.getKey()));
      Set<String> before = keys.putIfAbsent(m.getId().getName(), k);
      assertThat(before == null ? k : before).as(m.getId().getName()).isEqualTo(k);
    }
  }
}
