package dev.saidentity.core;

import static dev.saidentity.core.TestJwt.header;
import static dev.saidentity.core.TestJwt.projectedClaims;
import static dev.saidentity.core.TestJwt.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.saidentity.core.TokenValidationException.Reason;
import java.io.FileInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote keys over real HTTP(S) on loopback: caching, refetch limits, last-good keys, discovery,
 * refresh in the background, deadlines and byte caps. Time moves through a settable ticker (and the
 * validator's clock); background fetches run on a tracking executor that the test drains; a slow
 * endpoint is a handler blocked on a latch. Nothing sleeps.
 */
class RemoteKeySourceTest {

  static final long T = 1_700_000_000L;
  /** Generous bound for "returned promptly": the endpoint stays blocked far longer than this. */
  static final long PROMPTLY_SECONDS = 20;
  final MutableClock clock = new MutableClock(Instant.ofEpochSecond(T));
  /** The monotonic ticker, started near overflow so that comparisons must be wrap-safe. */
  final AtomicLong nanos = new AtomicLong(Long.MAX_VALUE - Duration.ofSeconds(5).toNanos());
  final TrackingExecutor executor = new TrackingExecutor();
  final ExecutorService callers = Executors.newCachedThreadPool();
  final ExecutorService serverThreads = Executors.newCachedThreadPool();
  final List<RemoteKeySource> sources = new CopyOnWriteArrayList<>();
  /** The JWKS handler waits on this latch (open by default). */
  final AtomicReference<CountDownLatch> gate = new AtomicReference<>(new CountDownLatch(0));
  /** Released each time a JWKS request reaches the handler. */
  final Semaphore entered = new Semaphore(0);
  /** How the JWKS body is sent: normal, headersThenHang, oversized, declaredOversized. */
  final AtomicReference<String> mode = new AtomicReference<>("normal");
  final AtomicReference<String> discoveryExtra = new AtomicReference<>("");
  HttpServer server;
  String base;
  final AtomicReference<String> jwks = new AtomicReference<>();
  final AtomicReference<String> cacheControl = new AtomicReference<>("public, max-age=3600");
  final AtomicInteger status = new AtomicInteger(200);
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(serverThreads);
    serve(server);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    jwks.set(jwksOf(TestJwt.RSA.getPublic()));
  }

  void serve(HttpServer s) {
    s.createContext("/", this::handle);
  }

  void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null) {
      authorizations.add(auth);
    }
    String body;
    if (path.equals("/openid/v1/jwks")) {
      entered.release();
      body = jwks.get();
      if (!mode.get().equals("normal")) {
        misbehave(ex, body);
        return;
      }
      awaitGate();
    } else if (path.equals("/.well-known/openid-configuration")) {
      String self = (s() instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + s().getAddress().getPort();
      body = "{\"issuer\":\"" + self + "\",\"jwks_uri\":\"" + self + "/openid/v1/jwks\",\"response_types_supported\":[\"id_token\"]"
          + discoveryExtra.get() + "}";
    } else {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.getResponseHeaders().add("Cache-Control", cacheControl.get());
    ex.sendResponseHeaders(status.get(), status.get() == 200 ? b.length : -1);
    if (status.get() == 200) {
      ex.getResponseBody().write(b);
    }
    ex.close();
  }

  void awaitGate() {
    try {
      gate.get().await(120, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Headers, then part of the body, then nothing until the gate opens. */
  void misbehave(HttpExchange ex, String body) throws IOException {
    ex.getResponseHeaders().add("Content-Type", "application/json");
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    try {
      switch (mode.get()) {
        case "headersThenHang":
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b, 0, b.length / 2);
          ex.getResponseBody().flush();
          awaitGate();
          ex.getResponseBody().write(b, b.length / 2, b.length - b.length / 2);
          break;
        case "oversized":
          ex.sendResponseHeaders(200, 0); // chunked: no length to check up front
          byte[] spaces = new byte[64 * 1024];
          java.util.Arrays.fill(spaces, (byte) ' ');
          for (int i = 0; i < 17; i++) { // 1 MiB + 64 KiB of JSON whitespace
            ex.getResponseBody().write(spaces);
          }
          ex.getResponseBody().flush();
          awaitGate();
          ex.getResponseBody().write(b);
          break;
        case "declaredOversized":
          ex.sendResponseHeaders(200, 5L << 20);
          ex.getResponseBody().flush();
          awaitGate();
          break;
        default:
          throw new IllegalStateException(mode.get());
      }
    } catch (IOException e) {
      // the client hung up: expected when it enforces a deadline or a cap
    } finally {
      ex.close();
    }
  }

  HttpServer httpsServer;

  HttpServer s() {
    return httpsServer != null ? httpsServer : server;
  }

  @AfterEach
  void stop() throws Exception {
    gate.get().countDown();
    for (RemoteKeySource k : sources) {
      k.close();
    }
    executor.close();
    callers.shutdownNow();
    server.stop(0);
    serverThreads.shutdownNow();
    if (httpsServer != null) {
      httpsServer.stop(0);
    }
  }

  int hits(String path) {
    AtomicInteger n = hits.get(path);
    return n == null ? 0 : n.get();
  }

  static String b64u(BigInteger i) {
    byte[] b = i.toByteArray();
    if (b[0] == 0 && b.length > 1) {
      b = java.util.Arrays.copyOfRange(b, 1, b.length);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String jwksOf(PublicKey... keys) {
    StringBuilder sb = new StringBuilder("{\"keys\":[");
    for (int i = 0; i < keys.length; i++) {
      RSAPublicKey k = (RSAPublicKey) keys[i];
      sb.append(i == 0 ? "" : ",").append("{\"use\":\"sig\",\"kty\":\"RSA\",\"kid\":\"").append(KeySource.keyId(k))
          .append("\",\"alg\":\"RS256\",\"n\":\"").append(b64u(k.getModulus())).append("\",\"e\":\"")
          .append(b64u(k.getPublicExponent())).append("\"}");
    }
    return sb.append("]}").toString();
  }

  static String token(java.security.KeyPair kp) {
    return sign("RS256", kp.getPrivate(), header("RS256", KeySource.keyId(kp.getPublic())), projectedClaims(T, Vectors.ISSUER));
  }

  TokenValidator validator(KeySource keys) {
    return TokenValidator.builder().issuer(Vectors.ISSUER).keys(keys).clock(clock).build();
  }

  /** A JWKS source on the test's ticker and executor, closed after the test. */
  RemoteKeySource.Builder jwksSource() {
    return RemoteKeySource.jwks(URI.create(base + "/openid/v1/jwks")).ticker(nanos::get).executor(executor);
  }

  RemoteKeySource.Builder discoverySource(String issuer) {
    return RemoteKeySource.discovery(URI.create(issuer)).ticker(nanos::get).executor(executor);
  }

  RemoteKeySource track(RemoteKeySource k) {
    sources.add(k);
    return k;
  }

  /** Moves both the validator's wall clock and the key source's monotonic ticker. */
  void advance(Duration d) {
    clock.advance(d);
    nanos.addAndGet(d.toNanos());
  }

  CountDownLatch closeGate() {
    CountDownLatch g = new CountDownLatch(1);
    gate.set(g);
    return g;
  }

  <V> CompletableFuture<V> async(Supplier<V> s) {
    return CompletableFuture.supplyAsync(s, callers);
  }

  /** Waits for the futures, failing (not hanging) if they are not done within {@link #PROMPTLY_SECONDS}. */
  static void awaitPromptly(String what, CompletableFuture<?>... fs) throws Exception {
    try {
      CompletableFuture.allOf(fs).get(PROMPTLY_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(what + " did not return within " + PROMPTLY_SECONDS + " s", e);
    }
  }

  void awaitEntered() throws InterruptedException {
    assertThat(entered.tryAcquire(PROMPTLY_SECONDS, TimeUnit.SECONDS)).as("a JWKS request reached the server").isTrue();
  }

  /** An executor whose tasks the test can wait for: the seam for background fetches. */
  static final class TrackingExecutor implements Executor, AutoCloseable {
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "test-key-fetch");
      t.setDaemon(true);
      return t;
    });
    private final List<Future<?>> tasks = new CopyOnWriteArrayList<>();

    @Override
    public void execute(Runnable r) {
      tasks.add(pool.submit(r));
    }

    int submitted() {
      return tasks.size();
    }

    /** Waits until every task submitted so far has finished. */
    void drain() throws Exception {
      for (Future<?> f : new ArrayList<>(tasks)) {
        f.get(PROMPTLY_SECONDS, TimeUnit.SECONDS);
      }
    }

    @Override
    public void close() {
      pool.shutdownNow();
    }
  }

  @Test
  void keys_areFetchedOnFirstUse_andCachedForMaxAge() throws Exception {
    TokenValidator v = validator(track(jwksSource().build()));
    assertThat(hits("/openid/v1/jwks")).isZero();
    String token = token(TestJwt.RSA);
    assertThat(v.tryValidate(token).isValid()).isTrue();
    advance(Duration.ofMinutes(59));
    assertThat(v.tryValidate(token).isValid()).isTrue();
    executor.drain();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
    advance(Duration.ofMinutes(2));
    assertThat(v.tryValidate(token).isValid()).isTrue(); // served from the stale set while the refresh runs
    executor.drain();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2);
  }

  @Test
  void unknownKid_refetchesAtMostOncePerInterval_thenFindsTheNewKey() {
    TokenValidator v = validator(track(jwksSource().build()));
    assertThat(v.tryValidate(token(TestJwt.RSA)).isValid()).isTrue();
    String rotated = token(TestJwt.OTHER_RSA);
    assertThat(v.tryValidate(rotated).reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1); // the first fetch was just now: no refetch yet
    advance(Duration.ofSeconds(30));
    for (int i = 0; i < 5; i++) {
      assertThat(v.tryValidate(rotated).reason()).contains(Reason.UNKNOWN_KEY);
    }
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2); // one refetch for five unknown-kid tokens
    jwks.set(jwksOf(TestJwt.RSA.getPublic(), TestJwt.OTHER_RSA.getPublic()));
    assertThat(v.tryValidate(rotated).reason()).contains(Reason.UNKNOWN_KEY); // still within 30 s
    advance(Duration.ofSeconds(30));
    assertThat(v.tryValidate(rotated).isValid()).isTrue();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(3);
  }

  @Test
  void cachedToken_isDropped_whenItsKeyLeavesTheKeySet() throws Exception {
    cacheControl.set("max-age=60");
    TokenValidator v = validator(track(jwksSource().build()));
    String token = token(TestJwt.RSA);
    assertThat(v.tryValidate(token).isValid()).isTrue();
    jwks.set(jwksOf(TestJwt.OTHER_RSA.getPublic()));
    advance(Duration.ofSeconds(61));
    v.tryValidate(token); // starts the refresh; the stale set answers meanwhile
    executor.drain();
    ValidationResult r = v.tryValidate(token);
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
  }

  @Test
  void failedFetch_keepsTheLastGoodKeys_andSaysWhyWhenThereAreNone() throws Exception {
    cacheControl.set("max-age=60");
    TokenValidator v = validator(track(jwksSource().build()));
    String token = token(TestJwt.RSA);
    assertThat(v.tryValidate(token).isValid()).isTrue();
    status.set(503);
    advance(Duration.ofMinutes(5));
    assertThat(v.tryValidate(token).isValid()).isTrue();
    executor.drain();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2);
    assertThat(v.tryValidate(new String(token.toCharArray()) + " ").isValid()).isTrue();

    TokenValidator fresh = validator(track(jwksSource().build()));
    ValidationResult r = fresh.tryValidate(token);
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.message()).endsWith("(GET " + base + "/openid/v1/jwks answered HTTP 503)");
  }

  @Test
  void stats_countKeyFetchesByResult_andTheKeysLoaded_withoutFetching() throws Exception {
    cacheControl.set("max-age=60");
    RemoteKeySource keys = track(jwksSource().build());
    TokenValidator v = validator(keys);
    ValidationStats before = v.stats();
    assertThat(before.keysLoaded()).isZero();
    assertThat(before.keyRefreshSuccesses() + before.keyRefreshFailures()).isZero();
    assertThat(hits("/openid/v1/jwks")).as("reading the stats fetches nothing").isZero();
    String token = token(TestJwt.RSA);
    assertThat(v.tryValidate(token).isValid()).isTrue();
    assertThat(v.stats().keysLoaded()).isEqualTo(1);
    assertThat(v.stats().keyRefreshSuccesses()).isEqualTo(1);
    status.set(503);
    advance(Duration.ofMinutes(5));
    assertThat(v.tryValidate(token).isValid()).isTrue(); // stale keys answer; the refresh fails in the background
    executor.drain();
    ValidationStats after = v.stats();
    assertThat(after.keyRefreshSuccesses()).isEqualTo(1);
    assertThat(after.keyRefreshFailures()).isEqualTo(1);
    assertThat(after.keysLoaded()).as("the last good keys stay").isEqualTo(1);
    TokenValidator both = TokenValidator.builder().issuer(Vectors.ISSUER).clock(clock)
        .keys(KeySource.anyOf(keys, KeySource.of(TestJwt.OTHER_RSA.getPublic()))).build();
    assertThat(both.stats().keysLoaded()).isEqualTo(2);
    assertThat(both.stats().keyRefreshFailures()).as("a composite adds up its sources").isEqualTo(1);
    keys.close();
    assertThat(v.stats().keysLoaded()).as("a closed source serves no key").isZero();
  }

  @Test
  void discovery_followsJwksUri_sendsTheBearerToken() {
    RemoteKeySource keys = track(discoverySource(base).bearerToken(() -> "secret-bearer\n").build());
    TokenValidator v = validator(keys);
    assertThat(v.tryValidate(token(TestJwt.RSA)).isValid()).isTrue();
    assertThat(hits("/.well-known/openid-configuration")).isEqualTo(1);
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
    assertThat(authorizations).containsOnly("Bearer secret-bearer");
  }

  @Test
  void discovery_refusesADocumentForAnotherIssuer() {
    RemoteKeySource keys = track(discoverySource("http://localhost:" + server.getAddress().getPort()).build());
    ValidationResult r = validator(keys).tryValidate(token(TestJwt.RSA));
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.message()).contains("names issuer \"" + base + "\", expected exactly \"http://localhost:");
    assertThat(hits("/openid/v1/jwks")).isZero();
  }

  // Issue 8, item 4: no lock across I/O; stale-while-revalidate.
  @Test
  void cachedToken_eightConcurrentValidations_doNotWaitForASlowRefresh() throws Exception {
    cacheControl.set("max-age=60");
    TokenValidator v = validator(track(jwksSource().timeout(Duration.ofSeconds(60)).build()));
    String token = token(TestJwt.RSA);
    assertThat(v.tryValidate(token).isValid()).isTrue();
    awaitEntered();
    jwks.set(jwksOf(TestJwt.OTHER_RSA.getPublic())); // what the refresh will find once it is answered
    CountDownLatch g = closeGate();
    advance(Duration.ofSeconds(61)); // the keys are due for a refresh, and the endpoint now hangs

    List<CompletableFuture<ValidationResult>> results = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      results.add(async(() -> v.tryValidate(token)));
    }
    awaitPromptly("eight validations of a cached token behind a blocked JWKS endpoint",
        results.toArray(new CompletableFuture<?>[0]));
    for (CompletableFuture<ValidationResult> r : results) {
      assertThat(r.get().isValid()).isTrue();
    }
    awaitEntered();
    assertThat(g.getCount()).as("the endpoint is still blocked").isEqualTo(1);
    assertThat(hits("/openid/v1/jwks")).as("one refresh for eight validations").isEqualTo(2);
    assertThat(executor.submitted()).as("the first fetch and one refresh").isEqualTo(2);

    g.countDown();
    executor.drain();
    assertThat(v.tryValidate(token(TestJwt.OTHER_RSA)).isValid()).isTrue(); // the refreshed set is in use
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2);
  }

  @Test
  void unknownKidRefetch_inFlight_doesNotDelayValidationsOfKnownKeys() throws Exception {
    cacheControl.set("max-age=60");
    TokenValidator v = validator(track(jwksSource().timeout(Duration.ofSeconds(60)).build()));
    assertThat(v.tryValidate(token(TestJwt.RSA)).isValid()).isTrue();
    awaitEntered();
    jwks.set(jwksOf(TestJwt.RSA.getPublic(), TestJwt.OTHER_RSA.getPublic()));
    CountDownLatch g = closeGate();
    advance(Duration.ofSeconds(61));

    CompletableFuture<ValidationResult> rotated = async(() -> v.tryValidate(token(TestJwt.OTHER_RSA)));
    awaitEntered(); // the refetch is at the server, blocked
    CompletableFuture<ValidationResult> known = async(() -> v.tryValidate(token(TestJwt.RSA)));
    awaitPromptly("a known-kid validation while an unknown-kid refetch is blocked", known);
    assertThat(known.get().isValid()).isTrue();
    assertThat(rotated).as("the unknown-kid caller waits for the refetch").isNotDone();
    assertThat(g.getCount()).isEqualTo(1);

    g.countDown();
    awaitPromptly("the unknown-kid validation once the endpoint answers", rotated);
    assertThat(rotated.get().isValid()).isTrue();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2);
  }

  @Test
  void noKeysYet_concurrentFirstValidations_shareOneFetch() throws Exception {
    CountDownLatch g = closeGate();
    TokenValidator v = validator(track(jwksSource().timeout(Duration.ofSeconds(60)).build()));
    List<CompletableFuture<ValidationResult>> results = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      results.add(async(() -> v.tryValidate(token(TestJwt.RSA))));
    }
    awaitEntered();
    g.countDown();
    awaitPromptly("eight first validations", results.toArray(new CompletableFuture<?>[0]));
    for (CompletableFuture<ValidationResult> r : results) {
      assertThat(r.get().isValid()).isTrue();
    }
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
  }

  // Issue 8, item 4: a deadline on the whole call, even after the headers (JDK-8258397).
  @Test
  void noKeysYet_theFirstValidationWaitsAtMostTheTimeout_evenWhenTheBodyStalls() throws Exception {
    mode.set("headersThenHang");
    CountDownLatch g = closeGate();
    TokenValidator v = validator(track(jwksSource().timeout(Duration.ofMillis(500)).build()));
    String token = token(TestJwt.RSA);
    CompletableFuture<ValidationResult> r = async(() -> v.tryValidate(token));
    awaitPromptly("the first validation, with the JWKS body stalled after its headers", r);
    assertThat(r.get().reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(g.getCount()).as("the endpoint is still blocked").isEqualTo(1);
    executor.drain();
    ValidationResult again = v.tryValidate(token); // within the failure back-off: no new fetch
    assertThat(again.message()).endsWith("(GET " + base + "/openid/v1/jwks did not complete within 500 ms)");
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
  }

  // Issue 8, item 4: the body is capped while it is read, not after.
  @Test
  void body_isCappedAtOneMebibyte_whileReading() throws Exception {
    mode.set("oversized");
    closeGate();
    TokenValidator v = validator(track(jwksSource().timeout(Duration.ofSeconds(60)).build()));
    CompletableFuture<ValidationResult> r = async(() -> v.tryValidate(token(TestJwt.RSA)));
    awaitPromptly("a validation whose JWKS body exceeds the cap and then stalls", r);
    assertThat(r.get().reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.get().message()).endsWith("(GET " + base + "/openid/v1/jwks answered more than 1048576 bytes)");

    mode.set("declaredOversized");
    TokenValidator declared = validator(track(jwksSource().timeout(Duration.ofSeconds(60)).build()));
    CompletableFuture<ValidationResult> d = async(() -> declared.tryValidate(token(TestJwt.RSA)));
    awaitPromptly("a validation whose JWKS response declares 5 MiB", d);
    assertThat(d.get().message()).endsWith("(GET " + base + "/openid/v1/jwks answered more than 1048576 bytes)");
  }

  // Issue 8, item 4: the discovery document gets the same cap and a bounded parser.
  @Test
  void discovery_documentIsCappedAndParsedWithBounds() {
    discoveryExtra.set(",\"x\":" + "[".repeat(40) + "]".repeat(40));
    ValidationResult deep = validator(track(discoverySource(base).build())).tryValidate(token(TestJwt.RSA));
    assertThat(deep.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(deep.message()).endsWith("(discovery document at " + base
        + "/.well-known/openid-configuration is not a JSON object of at most 32 levels)");

    discoveryExtra.set(",\"x\":\"" + "a".repeat(1 << 20) + "\"");
    ValidationResult big = validator(track(discoverySource(base).build())).tryValidate(token(TestJwt.RSA));
    assertThat(big.message()).endsWith("(GET " + base + "/.well-known/openid-configuration answered more than 1048576 bytes)");

    discoveryExtra.set(",\"issuer\":\"https://elsewhere.example\"");
    ValidationResult twice = validator(track(discoverySource(base).build())).tryValidate(token(TestJwt.RSA));
    assertThat(twice.message()).endsWith("(discovery document at " + base
        + "/.well-known/openid-configuration has \"issuer\" twice)");
    assertThat(hits("/openid/v1/jwks")).isZero();
  }

  // Issue 8, item 4: close() stops background work and releases waiters.
  @Test
  void close_cancelsTheFetch_releasesWaiters_andFetchesNothingMore() throws Exception {
    closeGate();
    RemoteKeySource keys = track(jwksSource().timeout(Duration.ofSeconds(60)).build());
    TokenValidator v = validator(keys);
    CompletableFuture<ValidationResult> r = async(() -> v.tryValidate(token(TestJwt.RSA)));
    awaitEntered();
    keys.close();
    awaitPromptly("a validation waiting for the first fetch, after close()", r);
    assertThat(r.get().reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.get().message()).endsWith("(" + keys + " is closed)");
    executor.drain(); // the fetch task ends: its exchange was cancelled
    assertThat(v.tryValidate(token(TestJwt.RSA)).reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
  }

  @Test
  void close_stopsTheSourcesOwnThreads() {
    RemoteKeySource keys = track(RemoteKeySource.jwks(URI.create(base + "/openid/v1/jwks")).ticker(nanos::get).build());
    assertThat(validator(keys).tryValidate(token(TestJwt.RSA)).isValid()).isTrue();
    keys.close();
    assertThat(keys.awaitTermination(Duration.ofSeconds(PROMPTLY_SECONDS))).isTrue();
  }

  // Issue 8, item 14: the 30 s floor is for unknown kids only; max-age=5 is honoured.
  @Test
  void maxAgeFiveSeconds_aRemovedKeyIsRefusedAfterTheNextRefresh() throws Exception {
    cacheControl.set("max-age=5");
    TokenValidator v = validator(track(jwksSource().build()));
    String token = token(TestJwt.RSA);
    assertThat(v.tryValidate(token).isValid()).isTrue();
    jwks.set(jwksOf(TestJwt.OTHER_RSA.getPublic()));
    advance(Duration.ofSeconds(4));
    assertThat(v.tryValidate(token).isValid()).isTrue();
    executor.drain();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
    advance(Duration.ofSeconds(2));
    v.tryValidate(token); // due: starts the refresh
    executor.drain();
    assertThat(v.tryValidate(token).reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2);
  }

  // Issue 8, item 14: a failing endpoint is retried with back-off (1 s, 2 s, ... up to 30 s).
  @Test
  void failingEndpoint_isRetriedWithBackoff_notHammered() throws Exception {
    status.set(503);
    TokenValidator v = validator(track(jwksSource().build()));
    String token = token(TestJwt.RSA);
    for (int i = 0; i < 3; i++) {
      assertThat(v.tryValidate(token).reason()).contains(Reason.UNKNOWN_KEY);
    }
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
    advance(Duration.ofMillis(999));
    v.tryValidate(token);
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
    advance(Duration.ofMillis(1));
    v.tryValidate(token);
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2);
    advance(Duration.ofMillis(1500));
    v.tryValidate(token);
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2);
    advance(Duration.ofMillis(500));
    v.tryValidate(token);
    assertThat(hits("/openid/v1/jwks")).isEqualTo(3);
    status.set(200);
    advance(Duration.ofSeconds(4));
    assertThat(v.tryValidate(token).isValid()).isTrue();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(4);
  }

  // Issue 8, item 4: max-age follows the monotonic ticker, not the wall clock.
  @Test
  void wallClockStep_doesNotExpireTheKeys_theMonotonicTickerDoes() throws Exception {
    cacheControl.set("max-age=60");
    TokenValidator v = validator(track(jwksSource().build()));
    String token = token(TestJwt.RSA);
    assertThat(v.tryValidate(token).isValid()).isTrue();
    clock.advance(Duration.ofMinutes(10)); // an NTP step or a host resume: the wall clock jumps
    assertThat(v.tryValidate(token).isValid()).isTrue();
    executor.drain();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
    nanos.addAndGet(Duration.ofSeconds(61).toNanos());
    assertThat(v.tryValidate(token).isValid()).isTrue();
    executor.drain();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2);
  }

  @Test
  void plainHttp_isOnlyForLoopback() {
    assertThatThrownBy(() -> RemoteKeySource.jwks(URI.create("http://example.com/jwks")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("JWKS URL must use https (plain http is allowed only for loopback), got http://example.com/jwks");
    assertThatThrownBy(() -> RemoteKeySource.discovery(URI.create("ftp://example.com")))
        .isInstanceOf(IllegalArgumentException.class);
    RemoteKeySource.jwks(URI.create("http://[::1]:1/jwks"));
    RemoteKeySource.jwks(URI.create("http://localhost:1/jwks"));
  }

  @Test
  void https_withACustomCa(@TempDir Path dir) throws Exception {
    Path ks = dir.resolve("server.p12");
    run(dir, "keytool", "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
    Path caPem = dir.resolve("ca.crt");
    run(dir, "keytool", "-exportcert", "-rfc", "-alias", "server", "-keystore", ks.toString(),
        "-storetype", "PKCS12", "-storepass", "changeit", "-file", caPem.toString());
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(ks.toFile())) {
      store.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(ctx));
    https.createContext("/", this::handle);
    https.start();
    httpsServer = https;
    String httpsBase = "https://127.0.0.1:" + https.getAddress().getPort();

    TokenValidator trusted = validator(track(RemoteKeySource.discovery(URI.create(httpsBase)).caCertificatesFile(caPem).build()));
    assertThat(trusted.tryValidate(token(TestJwt.RSA)).isValid()).isTrue();

    TokenValidator untrusted = validator(track(RemoteKeySource.jwks(URI.create(httpsBase + "/openid/v1/jwks")).build()));
    ValidationResult r = untrusted.tryValidate(token(TestJwt.RSA));
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.message()).contains("SSLHandshakeException");
    assertThatThrownBy(() -> RemoteKeySource.jwks(URI.create(httpsBase)).caCertificates("no certs here"))
        .isInstanceOf(KeySourceException.class);
  }

  @Test
  void aFailingBearerSupplier_isAFailedFetch_thatNamesOnlyItsType() throws Exception {
    TokenValidator v = validator(track(jwksSource().bearerToken(() -> {
      throw new IllegalStateException("token file says s3cr3t");
    }).build()));
    ValidationResult r = v.tryValidate(token(TestJwt.RSA));
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.message()).endsWith("(fetching keys from " + base + "/openid/v1/jwks failed: java.lang.IllegalStateException)")
        .doesNotContain("s3cr3t");
    advance(Duration.ofSeconds(1)); // the back-off passed: the claim was released, a new fetch may start
    v.tryValidate(token(TestJwt.RSA));
    executor.drain();
    assertThat(executor.submitted()).isEqualTo(2);
  }

  @Test
  void aFetchItsExecutorNeverRuns_isAbandonedAfterTwiceTheTimeout() {
    List<Runnable> dropped = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    Executor stuckOnce = r -> {
      if (calls.incrementAndGet() == 1) {
        dropped.add(r); // a saturated executor: the first fetch never runs
      } else {
        executor.execute(r);
      }
    };
    RemoteKeySource keys = track(RemoteKeySource.jwks(URI.create(base + "/openid/v1/jwks")).ticker(nanos::get)
        .executor(stuckOnce).timeout(Duration.ofMillis(200)).build());
    TokenValidator v = validator(keys);
    ValidationResult r = v.tryValidate(token(TestJwt.RSA));
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.message()).endsWith("(the first fetch from " + base + "/openid/v1/jwks did not finish within 200 ms)");
    advance(Duration.ofMillis(399));
    assertThat(v.tryValidate(token(TestJwt.RSA)).reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(calls.get()).isEqualTo(1);
    advance(Duration.ofMillis(1));
    assertThat(v.tryValidate(token(TestJwt.RSA)).isValid()).isTrue();
    assertThat(calls.get()).isEqualTo(2);
    dropped.get(0).run(); // should it run late after all: past its deadline, it fails, and that is discarded
    assertThat(keys.unavailableReason()).isEmpty();
    assertThat(v.tryValidate(token(TestJwt.RSA)).isValid()).isTrue();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
  }

  // Issue 8, item 11: fetched keys get the same RSA minimum as loaded ones, with the same opt-in.
  @Test
  void rsaKeysUnder2048Bits_areRefused_unlessAnOldClusterOptsIn() throws Exception {
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    java.security.KeyPair old = g.generateKeyPair();
    jwks.set(jwksOf(old.getPublic()));
    ValidationResult refused = validator(track(jwksSource().build())).tryValidate(token(old));
    assertThat(refused.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(refused.message()).contains("is a 1024-bit RSA key, shorter than the minimum of 2048 bits");
    assertThat(validator(track(jwksSource().minRsaBits(1024).build())).tryValidate(token(old)).isValid()).isTrue();
    assertThatThrownBy(() -> jwksSource().minRsaBits(512)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minRsaBits must be at least 1024: 512");
  }

  // Issue 8, item 13 (the CA file a source trusts): read with a cap, like every other input.
  @Test
  void caCertificatesFile_isReadWithACap(@TempDir Path dir) throws Exception {
    Path big = Files.write(dir.resolve("ca.crt"), " ".repeat((1 << 20) + 1).getBytes(StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> RemoteKeySource.jwks(URI.create(base + "/openid/v1/jwks")).caCertificatesFile(big))
        .isInstanceOf(KeySourceException.class)
        .hasMessage("CA file " + big + " is larger than 1048576 bytes");
  }

  static void run(Path dir, String... cmd) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", cmd[0]).toString();
    cmd[0] = java;
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(Files.exists(dir)).isTrue();
  }
}
