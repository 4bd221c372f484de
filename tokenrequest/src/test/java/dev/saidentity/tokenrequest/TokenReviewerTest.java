package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.saidentity.testing.SettableClock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * TokenReviewer against authenticators the fake API server does not imitate: one that is not
 * audience-aware, one that is slow, one that never answers.
 */
class TokenReviewerTest {

  final SettableClock clock = SettableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
  ReviewServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** A status that authenticates every token for the audiences asked (the API audience when none), as an audience-aware authenticator does. */
  static JsonObject audienceAware(JsonObject spec) {
    JsonObject status = authenticated();
    JsonArray auds = spec.has("audiences") && spec.getAsJsonArray("audiences").size() > 0 ? spec.getAsJsonArray("audiences") : new JsonArray();
    if (auds.size() == 0) {
      auds.add("https://kubernetes.default.svc");
    }
    status.add("audiences", auds);
    return status;
  }

  static JsonObject authenticated() {
    JsonObject user = new JsonObject();
    user.addProperty("username", "system:serviceaccount:default:api");
    user.addProperty("uid", "9f0c2d3e-0000-4000-8000-000000000001");
    JsonObject status = new JsonObject();
    status.addProperty("authenticated", true);
    status.add("user", user);
    return status;
  }

  @Test
  void anAuthenticatedAnswerWithoutAudiences_isRefused_whenAudiencesAreRequired() {
    server = new ReviewServer(spec -> {
      JsonObject s = authenticated();
      s.add("audiences", new JsonArray());
      return s;
    });
    TokenReviewer.Result r = TokenReviewer.builder(server.client()).audience("payments").clock(clock).build().review("opaque-token-1");
    assertThat(r.authenticated()).isFalse();
    assertThat(r.user()).isEmpty();
    assertThat(r.error()).isEqualTo("the authenticator accepted the token without saying for which audiences (status.audiences is empty):"
        + " it is not audience-aware and the token may be for anyone; refused, since one of [payments] is required");
    TokenReviewer.Result noneRequired = TokenReviewer.builder(server.client()).clock(clock).build().review("opaque-token-1");
    assertThat(noneRequired.authenticated()).as("nothing required: the API server's own audiences apply, as upstream").isTrue();

    server.close();
    server = new ReviewServer(spec -> authenticated()); // no audiences member at all
    assertThat(TokenReviewer.builder(server.client()).audience("payments").clock(clock).build().review("opaque-token-1").authenticated())
        .isFalse();
  }

  @Test
  void aTokenOverTheLimit_isRefusedWithoutAsking() {
    server = new ReviewServer(TokenReviewerTest::audienceAware);
    TokenReviewer reviewer = TokenReviewer.builder(server.client()).audience("payments").clock(clock).build();
    String huge = "a".repeat(TokenReviewer.MAX_TOKEN_CHARS + 1);
    TokenReviewer.Result r = reviewer.review(huge);
    assertThat(r.authenticated()).isFalse();
    assertThat(r.error()).isEqualTo("the token is 65537 characters long, over the limit of 65536: refused without asking");
    assertThat(server.reviews).as("no review was sent").hasValue(0);
    assertThat(reviewer.review(" " + "a".repeat(TokenReviewer.MAX_TOKEN_CHARS) + "\n").authenticated()).as("at the limit, asked").isTrue();
    assertThat(server.reviews).hasValue(1);
  }

  @Test
  void theCache_isBoundedBySize_evictingTheLeastRecentlyUsed() {
    server = new ReviewServer(TokenReviewerTest::audienceAware);
    TokenReviewer reviewer = TokenReviewer.builder(server.client()).audience("payments").clock(clock).maximumSize(20).build();
    for (int i = 0; i < 50; i++) {
      assertThat(reviewer.review("opaque-token-" + i).authenticated()).isTrue();
    }
    assertThat(server.reviews).hasValue(50);
    assertThat(reviewer.cachedEntries()).isEqualTo(20);
    reviewer.review("opaque-token-49");
    assertThat(server.reviews).as("the most recent is cached").hasValue(50);
    reviewer.review("opaque-token-0");
    assertThat(server.reviews).as("the oldest was evicted").hasValue(51);
    assertThatThrownBy(() -> TokenReviewer.builder(server.client()).maximumSize(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximumSize must not be negative: -1");
  }

  @Test
  void theCacheKey_isTheFullSha256OfTheToken_andTheAudiences() {
    assertThat(TokenReviewer.Key.of("abc", List.of("payments")).sha256())
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(TokenReviewer.Key.of(" abc\n", List.of()).sha256()).as("surrounding whitespace is not part of a token")
        .isEqualTo(TokenReviewer.Key.of("abc", List.of()).sha256());
    server = new ReviewServer(TokenReviewerTest::audienceAware);
    TokenReviewer reviewer = TokenReviewer.builder(server.client()).clock(clock).build();
    assertThat(reviewer.review("opaque-token", List.of("payments")).audiences()).containsExactly("payments");
    assertThat(reviewer.review("opaque-token", List.of("billing")).audiences()).as("not the answer for payments").containsExactly("billing");
    assertThat(server.reviews).hasValue(2);
    reviewer.review("opaque-token", List.of("payments"));
    reviewer.review(" opaque-token\n", List.of("billing"));
    assertThat(server.reviews).as("both cached, each under its audiences").hasValue(2);
  }

  @Test
  void concurrentReviewsOfOneToken_makeOneRequest() throws Exception {
    server = new ReviewServer(TokenReviewerTest::audienceAware);
    server.holdAnswers();
    TokenReviewer reviewer = TokenReviewer.builder(server.client()).audience("payments").clock(clock).build();
    int n = 8;
    List<TokenReviewer.Result> results = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> results.add(reviewer.review("the-same-token")), "review-" + i);
      threads.add(t);
      t.start();
    }
    assertThat(server.arrived.await(10, TimeUnit.SECONDS)).as("the first review reached the server").isTrue();
    // Either every caller but the one in flight waits for it, or (without one flight per key) every caller reached the server.
    await(() -> server.reviews.get() == n || threads.stream().filter(t -> t.getState() == Thread.State.WAITING
        || t.getState() == Thread.State.TIMED_WAITING).count() == n - 1);
    server.release.countDown();
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
    }
    assertThat(results).hasSize(n).allMatch(TokenReviewer.Result::authenticated);
    assertThat(server.reviews).as("one TokenReview for " + n + " concurrent callers").hasValue(1);
  }

  @Test
  void aReviewThatIsNotAnswered_failsAtItsDeadline_asUnavailable() {
    server = new ReviewServer(TokenReviewerTest::audienceAware);
    server.holdAnswers();
    TokenReviewer reviewer = TokenReviewer.builder(server.client()).audience("payments").clock(clock).timeout(Duration.ofMillis(300)).build();
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> reviewer.review("opaque-token"))
          .isInstanceOfSatisfying(TokenRequestException.class, e -> {
            assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.UNAVAILABLE);
            assertThat(e.isRetryable()).isTrue();
          })
          .hasMessageContaining("no answer within 300 ms"));
    } finally {
      server.release.countDown();
    }
    assertThatThrownBy(() -> TokenReviewer.builder(server.client()).timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be positive: PT0S");
  }

  @Test
  void anAnswerOverTheBodyCap_isRefusedAsUnexpected_notCutAndParsed() {
    server = new ReviewServer(spec -> {
      JsonObject s = new JsonObject();
      s.addProperty("authenticated", false);
      s.addProperty("error", "x".repeat(5 << 20));
      return s;
    });
    TokenReviewer reviewer = TokenReviewer.builder(server.client()).audience("payments").clock(clock).build();
    assertThatThrownBy(() -> reviewer.review("opaque-token"))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.UNEXPECTED))
        .hasMessage("the answer to POST /apis/authentication.k8s.io/v1/tokenreviews is larger than 4194304 bytes: not read");
  }

  /** Waits for a condition (not for time to pass), for at most 10 s. */
  static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("condition not met within 10 s").isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /** An API server that only answers TokenReviews, with a status computed from the request's spec. */
  static final class ReviewServer implements AutoCloseable {
    final HttpServer http;
    final ExecutorService executor = Executors.newFixedThreadPool(16);
    final AtomicInteger reviews = new AtomicInteger();
    final CountDownLatch arrived = new CountDownLatch(1);
    volatile CountDownLatch release = new CountDownLatch(0);

    ReviewServer(Function<JsonObject, JsonObject> status) {
      try {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      http.setExecutor(executor);
      http.createContext("/apis/authentication.k8s.io/v1/tokenreviews", ex -> {
        try {
          JsonObject in = JsonParser.parseString(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
          reviews.incrementAndGet();
          arrived.countDown();
          if (!release.await(10, TimeUnit.SECONDS)) {
            ex.close();
            return;
          }
          JsonObject out = new JsonObject();
          out.addProperty("apiVersion", "authentication.k8s.io/v1");
          out.addProperty("kind", "TokenReview");
          out.add("status", status.apply(in.getAsJsonObject("spec")));
          byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(201, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          ex.close();
        }
      });
      http.start();
    }

    /** Holds every answer until {@link #release} counts down. */
    void holdAnswers() {
      release = new CountDownLatch(1);
    }

    ApiClient client() {
      return new ClientBuilder().setBasePath("http://127.0.0.1:" + http.getAddress().getPort())
          .setAuthentication(new AccessTokenAuthentication("reviewer-credential")).build();
    }

    @Override
    public void close() {
      release.countDown();
      http.stop(0);
      executor.shutdownNow();
    }
  }
}
