package dev.saidentity.tokenrequest;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.core.internal.BoundedCache;
import io.kubernetes.client.openapi.ApiClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Online validation with the TokenReview API: the API server checks signature, issuer, audiences,
 * expiry and that the ServiceAccount and bound object still exist.
 *
 * <p>With required audiences ({@link Builder#audience(String)}), a token is accepted only when the
 * answer's {@code status.audiences} intersect them; an authenticated answer with no audiences at all
 * is refused, because it comes from an authenticator that is not audience-aware, and the token may be
 * for anyone (Vault's Kubernetes auth refuses it too). Without required audiences the API server's own
 * audiences apply and its answer stands.
 *
 * <p>Answers are cached under the full SHA-256 of the token and the required audiences: successes until
 * the token's {@code exp} or the success bound (default 10 s, as the API server caches), failures for
 * the failure bound (default 1 s), at most {@link #DEFAULT_MAXIMUM_SIZE} answers (an expired one or
 * one not used recently goes first: CLOCK, an approximation of least-recently-used; a hit takes no
 * lock). Concurrent reviews of one token share one request. Each request has a deadline
 * (default {@link #DEFAULT_TIMEOUT}). No lock is held while the API server is asked. Thread-safe.
 *
 * <p>{@link #stats()} counts the reviews sent, by {@link Outcome}, with their total time, and the
 * answers taken from the cache.
 *
 * <pre>{@code
 * TokenReviewer reviewer = TokenReviewer.builder(apiClient).audience("payments").build();
 * TokenReviewer.Result r = reviewer.review(bearer);
 * if (!r.authenticated()) deny(r.error());
 * }</pre>
 */
public final class TokenReviewer {

  /** 10,000: the most answers a reviewer remembers by default. */
  public static final int DEFAULT_MAXIMUM_SIZE = 10_000;
  /** 10 s: the default deadline of a TokenReview (the API server's own webhook authenticators default to 10 s too). */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** How much longer than the deadline a caller waits for a review already in flight. */
  private static final long WAIT_GRACE_MILLIS = 1_000;

  /** 65,536: a longer token is refused without a review (the validator's limit too). */
  public static final int MAX_TOKEN_CHARS = 64 * 1024;

  /**
   * A TokenReview's answer.
   *
   * @param authenticated whether the token authenticates (and meets the required audiences)
   * @param user the user, when authenticated
   * @param audiences the audiences the token was accepted for
   * @param error the API server's error, or why the answer was refused; empty when authenticated
   */
  public record Result(boolean authenticated, Optional<UserInfo> user, List<String> audiences, String error) {
    /** Copies the components. */
    public Result {
      Objects.requireNonNull(user, "user");
      audiences = List.copyOf(audiences);
      Objects.requireNonNull(error, "error");
    }
  }

  /**
   * A cache key: the token's full SHA-256 (hex) and the required audiences.
   *
   * @param sha256 64 hex digits
   * @param audiences the required audiences, empty for the API server's
   */
  record Key(String sha256, List<String> audiences) {
    Key {
      audiences = List.copyOf(audiences);
    }

    /** The key of {@code token} (surrounding whitespace stripped) for {@code audiences}. */
    static Key of(String token, List<String> audiences) {
      MessageDigest md;
      try {
        md = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required of every Java platform", e);
      }
      return new Key(HexFormat.of().formatHex(md.digest(token.strip().getBytes(StandardCharsets.UTF_8))), audiences);
    }
  }

  private record Cached(Result result, long untilMillis) {}

  /** How a TokenReview sent to the API server ended. */
  public enum Outcome {
    /** The token authenticates (and meets the required audiences). */
    AUTHENTICATED,
    /** The API server answered, and the token does not authenticate (or misses the required audiences). */
    UNAUTHENTICATED,
    /** No answer: the request failed or missed its deadline ({@link TokenReviewer#review(String) review} threw). */
    ERROR
  }

  /**
   * What a reviewer has counted since it was built, as of one {@link TokenReviewer#stats()} call (each count read
   * on its own). Reviews answered from the cache, joined while in flight, or refused without asking
   * (a token over {@link TokenReviewer#MAX_TOKEN_CHARS}) are not reviews sent.
   *
   * @param reviews TokenReviews sent, by outcome (every outcome present)
   * @param reviewTime their total time, by outcome (every outcome present)
   * @param cacheHits reviews answered from the cache
   */
  public record Stats(Map<Outcome, Long> reviews, Map<Outcome, Duration> reviewTime, long cacheHits) {
    /** Copies the maps, adding zero for each outcome they lack. */
    public Stats {
      Map<Outcome, Long> n = new EnumMap<>(Outcome.class);
      Map<Outcome, Duration> t = new EnumMap<>(Outcome.class);
      for (Outcome o : Outcome.values()) {
        n.put(o, 0L);
        t.put(o, Duration.ZERO);
      }
      Objects.requireNonNull(reviews, "reviews").forEach((o, v) -> n.put(Objects.requireNonNull(o, "outcome"), Objects.requireNonNull(v, "count")));
      Objects.requireNonNull(reviewTime, "reviewTime").forEach((o, v) -> t.put(Objects.requireNonNull(o, "outcome"), Objects.requireNonNull(v, "time")));
      reviews = Map.copyOf(n);
      reviewTime = Map.copyOf(t);
    }

    /** Reviews sent that ended with {@code outcome}. */
    public long count(Outcome outcome) {
      return reviews.get(Objects.requireNonNull(outcome, "outcome"));
    }

    /** The total time of the reviews sent that ended with {@code outcome}. */
    public Duration totalTime(Outcome outcome) {
      return reviewTime.get(Objects.requireNonNull(outcome, "outcome"));
    }
  }

  private final ApiClient client;
  private final List<String> audiences;
  private final Clock clock;
  private final Duration successTtl;
  private final Duration failureTtl;
  private final int maximumSize;
  private final Duration timeout;
  /** Bounded, CLOCK eviction; its lock is never held while the API server is asked. */
  private final BoundedCache<Key, Cached> cache;
  private final Map<Key, CompletableFuture<Result>> inFlight = new ConcurrentHashMap<>();
  private final LongSupplier ticker;
  private final LongAdder[] reviews = new LongAdder[Outcome.values().length];
  private final LongAdder[] reviewNanos = new LongAdder[Outcome.values().length];
  private final LongAdder cacheHits = new LongAdder();

  private TokenReviewer(Builder b) {
    this.client = b.client;
    this.audiences = List.copyOf(b.audiences);
    this.clock = b.clock;
    this.successTtl = b.successTtl;
    this.failureTtl = b.failureTtl;
    this.maximumSize = b.maximumSize;
    this.timeout = b.timeout;
    this.ticker = b.ticker;
    for (int i = 0; i < reviews.length; i++) {
      reviews[i] = new LongAdder();
      reviewNanos[i] = new LongAdder();
    }
    this.cache = new BoundedCache<>(b.maximumSize);
  }

  /** A reviewer using {@code client}'s credentials (which need {@code create} on {@code tokenreviews}). */
  public static Builder builder(ApiClient client) {
    return new Builder(Objects.requireNonNull(client, "client"));
  }

  /**
   * Reviews a token for the required audiences (surrounding whitespace ignored).
   *
   * @throws TokenRequestException when the API server cannot be asked or does not answer within the
   *     deadline (the message says why; never the token)
   * @throws NullPointerException if token is null
   */
  public Result review(String token) {
    return review(token, audiences);
  }

  /** Reviews a token for {@code required} audiences instead of the configured ones (empty: the API server's). */
  Result review(String token, List<String> required) {
    Objects.requireNonNull(token, "token");
    String t = token.strip();
    if (t.length() > MAX_TOKEN_CHARS) {
      // Not sent, not hashed, not cached: no bearer token is this large, and each would cost a call.
      return new Result(false, Optional.empty(), List.of(),
          "the token is " + t.length() + " characters long, over the limit of " + MAX_TOKEN_CHARS + ": refused without asking");
    }
    Key key = Key.of(t, required);
    Cached hit = cached(key, clock.millis());
    if (hit != null) {
      cacheHits.increment();
      return hit.result();
    }
    CompletableFuture<Result> mine = new CompletableFuture<>();
    CompletableFuture<Result> running = inFlight.putIfAbsent(key, mine);
    if (running != null) {
      return await(running);
    }
    try {
      Cached again = cached(key, clock.millis()); // a flight may have ended between the look-up and the claim
      Result r;
      if (again != null) {
        cacheHits.increment();
        r = again.result();
      } else {
        r = timed(t, key.audiences());
        store(key, t, r);
      }
      mine.complete(r);
      return r;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(key, mine);
    }
  }

  /** Reviews sent by outcome with their time, and cache hits, since this reviewer was built. */
  public Stats stats() {
    Map<Outcome, Long> n = new EnumMap<>(Outcome.class);
    Map<Outcome, Duration> t = new EnumMap<>(Outcome.class);
    for (Outcome o : Outcome.values()) {
      n.put(o, reviews[o.ordinal()].sum());
      t.put(o, Duration.ofNanos(reviewNanos[o.ordinal()].sum()));
    }
    return new Stats(n, t, cacheHits.sum());
  }

  /** {@link #ask}, timed by outcome. */
  private Result timed(String token, List<String> required) {
    long start = ticker.getAsLong();
    Outcome outcome = Outcome.ERROR;
    try {
      Result r = ask(token, required);
      outcome = r.authenticated() ? Outcome.AUTHENTICATED : Outcome.UNAUTHENTICATED;
      return r;
    } finally {
      reviews[outcome.ordinal()].increment();
      reviewNanos[outcome.ordinal()].add(Math.max(0, ticker.getAsLong() - start));
    }
  }

  /** How many answers are cached (for tests). */
  int cachedEntries() {
    return cache.size();
  }

  private @Nullable Cached cached(Key key, long now) {
    Cached c = cache.get(key);
    if (c != null && now >= c.untilMillis()) {
      cache.remove(key, c);
      return null;
    }
    return c;
  }

  private void store(Key key, String token, Result r) {
    long now = clock.millis();
    long until;
    if (r.authenticated()) {
      until = now + successTtl.toMillis();
      try {
        Optional<Instant> exp = UnverifiedToken.decode(token).expiresAt();
        if (exp.isPresent()) {
          until = Math.min(until, exp.get().toEpochMilli());
        }
      } catch (RuntimeException opaque) {
        // not a ServiceAccount JWT: the success bound alone
      }
    } else {
      until = now + failureTtl.toMillis();
    }
    if (until <= now || maximumSize == 0) {
      return;
    }
    cache.put(key, new Cached(r, until), c -> now >= c.untilMillis());
  }

  private Result await(CompletableFuture<Result> running) {
    long waitMillis = timeout.toMillis() + WAIT_GRACE_MILLIS;
    try {
      return running.get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 0, null,
          "TokenReview: no answer within " + waitMillis + " ms (waiting for the review of this token already in flight); retry later", null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 0, null,
          "TokenReview: interrupted while waiting for the review of this token already in flight", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TokenRequestException) {
        TokenRequestException tre = (TokenRequestException) cause;
        throw new TokenRequestException(tre.reason(), tre.status(), tre.retryAfter().orElse(null), tre.getMessage(), tre);
      }
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IllegalStateException("TokenReview failed: " + cause, cause);
    }
  }

  private Result ask(String token, List<String> required) {
    JsonObject spec = new JsonObject();
    spec.addProperty("token", token);
    JsonArray auds = new JsonArray();
    required.forEach(auds::add);
    spec.add("audiences", auds);
    JsonObject status = RawApi.review(client, "authentication.k8s.io", "TokenReview", "tokenreviews", spec, timeout);
    boolean ok = Json.bool(status, "authenticated");
    List<String> answered = Json.strings(status, "audiences");
    if (ok && !required.isEmpty()) {
      if (answered.isEmpty()) {
        return new Result(false, Optional.empty(), List.of(), "the authenticator accepted the token without saying for which audiences"
            + " (status.audiences is empty): it is not audience-aware and the token may be for anyone; refused, since one of " + required
            + " is required");
      }
      if (answered.stream().noneMatch(required::contains)) {
        return new Result(false, Optional.empty(), List.of(), "token audiences " + answered + " do not include any of " + required);
      }
    }
    return new Result(ok, ok ? Optional.of(Json.user(Json.obj(status, "user"))) : Optional.empty(), answered,
        ok ? "" : Json.str(status, "error"));
  }

  static TokenRequestException reviewError(RawApi.Answer a, String verb, String resource, String group) {
    if (a.code == 403) {
      return new TokenRequestException(TokenRequestException.Reason.FORBIDDEN, 403, null,
          "not allowed to " + verb + " " + resource + "." + group + ": grant the caller `" + verb + "` on `" + resource
              + "` (e.g. the ClusterRole system:auth-delegator) (API server: " + a.statusMessage() + ")", null);
    }
    if (a.code == 401) {
      return new TokenRequestException(TokenRequestException.Reason.UNAUTHORIZED, 401, null,
          "the API server refused this client's own credentials (401)", null);
    }
    if (a.code == 429 || a.code >= 500) {
      return new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, a.code, a.retryAfter,
          "the API server cannot answer now (HTTP " + a.code + "): retry later (API server: " + a.statusMessage() + ")", null);
    }
    return new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, a.code, null,
        "unexpected HTTP " + a.code + " creating " + resource + ": " + a.statusMessage(), null);
  }

  /** Settings of a {@link TokenReviewer}. Each argument is checked when given. Not thread-safe. */
  public static final class Builder {
    private final ApiClient client;
    private final List<String> audiences = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private Duration successTtl = Duration.ofSeconds(10);
    private Duration failureTtl = Duration.ofSeconds(1);
    private int maximumSize = DEFAULT_MAXIMUM_SIZE;
    private Duration timeout = DEFAULT_TIMEOUT;
    private LongSupplier ticker = System::nanoTime;

    private Builder(ApiClient client) {
      this.client = client;
    }

    /** Monotonic nanoseconds for the review times of {@link TokenReviewer#stats()}; default {@code System::nanoTime}. A test seam. */
    Builder ticker(LongSupplier value) {
      this.ticker = Objects.requireNonNull(value, "ticker");
      return this;
    }

    /**
     * Requires this audience (any of the required ones); default: the API server's audiences. An
     * authenticated answer that names no audience is then refused.
     *
     * @throws IllegalArgumentException if empty
     */
    public Builder audience(String value) {
      if (Objects.requireNonNull(value, "audience").isEmpty()) {
        throw new IllegalArgumentException("audience must not be empty");
      }
      audiences.add(value);
      return this;
    }

    /** The clock for the cache; default the system clock. */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /**
     * How long successes and failures are remembered; zero disables either. Default 10 s and 1 s.
     *
     * @throws IllegalArgumentException if either is negative
     */
    public Builder cache(Duration success, Duration failure) {
      if (success.isNegative() || failure.isNegative()) {
        throw new IllegalArgumentException("cache durations must not be negative");
      }
      this.successTtl = success;
      this.failureTtl = failure;
      return this;
    }

    /**
     * The most answers remembered; an expired one or one not used recently goes first. 0 turns the cache off.
     * Default {@link #DEFAULT_MAXIMUM_SIZE} (10,000).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maximumSize(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("maximumSize must not be negative: " + value);
      }
      this.maximumSize = value;
      return this;
    }

    /**
     * The deadline of one TokenReview, from connecting to reading the whole answer; a review that
     * misses it fails with {@link TokenRequestException.Reason#UNAVAILABLE}. Default {@link
     * #DEFAULT_TIMEOUT} (10 s).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder timeout(Duration value) {
      if (Objects.requireNonNull(value, "timeout").isNegative() || value.isZero()) {
        throw new IllegalArgumentException("timeout must be positive: " + value);
      }
      this.timeout = value;
      return this;
    }

    /** The reviewer. */
    public TokenReviewer build() {
      return new TokenReviewer(this);
    }
  }
}
