package dev.saidentity.tokenrequest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokens from the TokenRequest API, cached and refreshed as the kubelet's token manager does:
 * keyed by the whole {@link TokenRequestSpec}; refreshed at 80 % of the granted lifetime or after 24
 * hours (minus 0–9 s of jitter), or when the clock moved behind the issue time ({@link
 * KubeletRefreshPolicy}); proactively in the background so that callers rarely wait, lazily on read as
 * a backstop; one request in flight per key however many callers. When a refresh fails the cached
 * token is served until it expires, and the refresh is retried with exponential backoff and jitter
 * (at least the server's {@code Retry-After}); an expired token is never handed out. Expired entries
 * are purged every minute.
 *
 * <pre>{@code
 * try (CachingTokenProvider tokens = CachingTokenProvider.builder(TokenRequestClient.create(apiClient)).build()) {
 *   String bearer = tokens.token(TokenRequestSpec.builder("payments", "api").audience("vault").build());
 * }
 * }</pre>
 *
 * <p>Thread-safe. A cache hit takes no lock and allocates nothing; with the system clock it does not
 * even read the clock: a timer marks the token due at its refresh time (well before it expires).
 * {@link #close()} stops all background work (and the scheduler and fetch threads, unless a scheduler
 * was supplied).
 */
public final class CachingTokenProvider implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CachingTokenProvider.class);

  /** Hooks for refreshes and failures (metrics, logs). Called on the refreshing thread; must not block. */
  public interface Listener {
    /** A token was issued for the spec. */
    default void onRefresh(TokenRequestSpec spec, IssuedToken token) {}

    /** A request failed; {@code consecutiveFailures} counts since the last success. */
    default void onFailure(TokenRequestSpec spec, TokenRequestException error, int consecutiveFailures) {}
  }

  private final Function<TokenRequestSpec, IssuedToken> fetcher;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final java.util.concurrent.ExecutorService fetchers;
  private final boolean ownScheduler;
  private final boolean systemClock;
  private final LongSupplier jitterSeconds;
  private final Listener listener;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Map<TokenRequestSpec, Entry> entries = new ConcurrentHashMap<>();
  private final @Nullable ScheduledFuture<?> purge;
  private volatile boolean closed;

  private final class Entry {
    final TokenRequestSpec spec;
    volatile @Nullable IssuedToken token;
    /** True from a successful fetch until the refresh time, when the timer clears it (system clock only). */
    volatile boolean fresh;
    volatile long refreshAtMillis;
    volatile long issuedAtMillis;
    volatile long expiresAtMillis;
    volatile long nextAttemptMillis;
    int failures;
    @Nullable CompletableFuture<IssuedToken> inflight;
    @Nullable ScheduledFuture<?> task;

    Entry(TokenRequestSpec spec) {
      this.spec = spec;
    }
  }

  private CachingTokenProvider(Builder b) {
    this.fetcher = b.fetcher;
    this.clock = b.clock;
    this.jitterSeconds = b.jitterSeconds;
    this.listener = b.listener;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.systemClock = b.clock.equals(Clock.systemUTC());
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.fetchers = b.scheduler;
      this.ownScheduler = false;
    } else {
      ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "sa-identity-token-refresh");
        t.setDaemon(true);
        return t;
      });
      s.setRemoveOnCancelPolicy(true);
      this.scheduler = s;
      java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
      // Fetches run apart from the timer, so that a slow API server never delays a refresh deadline.
      this.fetchers = new java.util.concurrent.ThreadPoolExecutor(0, 4, 30, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "sa-identity-token-fetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      this.ownScheduler = true;
    }
    this.purge = b.purgeInterval.isZero() ? null
        : scheduler.scheduleWithFixedDelay(this::purgeExpired, b.purgeInterval.toMillis(), b.purgeInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A provider requesting tokens with {@code client}. */
  public static Builder builder(TokenRequestClient client) {
    Objects.requireNonNull(client, "client");
    return new Builder(client::request);
  }

  /** A provider requesting tokens with any function (for tests and other transports). */
  public static Builder builder(Function<TokenRequestSpec, IssuedToken> fetcher) {
    return new Builder(Objects.requireNonNull(fetcher, "fetcher"));
  }

  /**
   * A valid token for the spec: the cached one while it does not need a refresh (no call), the cached
   * one while a refresh runs or keeps failing and it has not expired, otherwise a fresh one (waiting
   * for the single request in flight).
   *
   * @throws TokenRequestException when there is no valid token and none can be had
   * @throws IllegalStateException after {@link #close()}
   */
  public IssuedToken get(TokenRequestSpec spec) {
    Entry e = entries.get(spec);
    if (e != null) {
      if (systemClock) {
        // No clock read on a hit (a clock read costs more than the map lookup): the timer clears
        // `fresh` at the refresh time, well before the token expires.
        if (e.fresh) {
          IssuedToken t = e.token;
          if (t != null) {
            return t;
          }
        }
      } else {
        IssuedToken t = e.token;
        long now = clock.millis();
        if (t != null && now <= e.refreshAtMillis && now >= e.issuedAtMillis) {
          return t;
        }
      }
    }
    return slow(spec);
  }

  /** {@code get(spec).token()}. */
  public String token(TokenRequestSpec spec) {
    return get(spec).token();
  }

  private IssuedToken slow(TokenRequestSpec spec) {
    if (closed) {
      throw new IllegalStateException("this CachingTokenProvider is closed");
    }
    Entry e = entries.computeIfAbsent(Objects.requireNonNull(spec, "spec"), Entry::new);
    long now = clock.millis();
    IssuedToken t = e.token;
    if (t != null && now < e.expiresAtMillis) {
      if (now >= e.nextAttemptMillis) {
        CompletableFuture<IssuedToken> f = claimIfDue(e, now);
        if (f != null) {
          try {
            fetchers.execute(() -> fetch(e, f));
          } catch (java.util.concurrent.RejectedExecutionException rejected) {
            synchronized (e) {
              e.inflight = null; // closing: the cached token is still served
            }
            f.complete(t);
          }
        }
      }
      return t; // still valid: serve it while the refresh runs (or backs off)
    }
    CompletableFuture<IssuedToken> mine = claim(e);
    CompletableFuture<IssuedToken> f;
    if (mine != null) {
      fetch(e, mine);
      f = mine;
    } else {
      synchronized (e) {
        f = e.inflight;
      }
      if (f == null) {
        return slow(spec);
      }
    }
    try {
      return f.join();
    } catch (CompletionException ce) {
      TokenRequestException cause = ce.getCause() instanceof TokenRequestException ? (TokenRequestException) ce.getCause()
          : new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, 0, null, "token request failed: " + ce.getCause(), ce.getCause());
      if (t != null) {
        throw new TokenRequestException(TokenRequestException.Reason.EXPIRED, cause.status(), cause.retryAfter().orElse(null),
            "the token for " + spec + " expired at " + Instant.ofEpochMilli(e.expiresAtMillis) + " and refresh failed: " + cause.getMessage(),
            cause);
      }
      throw new TokenRequestException(cause.reason(), cause.status(), cause.retryAfter().orElse(null),
          "failed to fetch token: " + cause.getMessage(), cause);
    }
  }

  /**
   * Claims the request slot only if the cached token still needs a refresh when checked under the
   * entry's lock (another caller's refresh may have just finished).
   */
  private @Nullable CompletableFuture<IssuedToken> claimIfDue(Entry e, long now) {
    synchronized (e) {
      boolean due = systemClock ? !e.fresh : (now > e.refreshAtMillis || now < e.issuedAtMillis);
      return due ? claim(e) : null;
    }
  }

  /** Claims the single request slot of an entry: a future when the caller is to fetch, null when one is in flight. */
  private @Nullable CompletableFuture<IssuedToken> claim(Entry e) {
    synchronized (e) {
      if (e.inflight != null) {
        return null;
      }
      CompletableFuture<IssuedToken> f = new CompletableFuture<>();
      e.inflight = f;
      return f;
    }
  }

  private void fetch(Entry e, CompletableFuture<IssuedToken> f) {
    try {
      IssuedToken t = fetcher.apply(e.spec);
      long now = clock.millis();
      long refreshAt = KubeletRefreshPolicy.refreshAfter(t.expiresAt(), t.lifetime().getSeconds(),
          Math.floorMod(jitterSeconds.getAsLong(), KubeletRefreshPolicy.MAX_JITTER_SECONDS)).toEpochMilli();
      synchronized (e) {
        e.expiresAtMillis = t.expiresAt().toEpochMilli();
        e.issuedAtMillis = t.issuedAt().toEpochMilli();
        e.refreshAtMillis = refreshAt;
        e.failures = 0;
        e.nextAttemptMillis = 0;
        e.token = t;
        e.fresh = now <= refreshAt;
        e.inflight = null;
        schedule(e, Math.max(0, refreshAt - now) + 1);
      }
      f.complete(t);
      listener.onRefresh(e.spec, t);
    } catch (TokenRequestException ex) {
      failed(e, f, ex);
    } catch (RuntimeException ex) {
      failed(e, f, new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, 0, null,
          "token request failed: " + ex.getClass().getSimpleName(), ex));
    }
  }

  private void failed(Entry e, CompletableFuture<IssuedToken> f, TokenRequestException ex) {
    int failures;
    long now = clock.millis();
    synchronized (e) {
      failures = ++e.failures;
      long backoff = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(20, failures - 1));
      backoff += ThreadLocalRandom.current().nextLong(Math.max(1, backoff / 5));
      if (ex.retryAfter().isPresent()) {
        backoff = Math.max(backoff, ex.retryAfter().get().toMillis());
      }
      e.nextAttemptMillis = now + backoff;
      e.inflight = null;
      if (e.token != null && now < e.expiresAtMillis) {
        schedule(e, backoff);
      }
    }
    LOG.warn("refreshing the token for {} failed ({} in a row): {}", e.spec, failures, ex.getMessage());
    f.completeExceptionally(ex);
    listener.onFailure(e.spec, ex, failures);
  }

  private void schedule(Entry e, long delayMillis) {
    if (closed) {
      return;
    }
    if (e.task != null) {
      e.task.cancel(false);
    }
    try {
      e.task = scheduler.schedule(() -> {
        e.fresh = false;
        CompletableFuture<IssuedToken> f = claim(e);
        if (f != null) {
          try {
            fetchers.execute(() -> fetch(e, f));
          } catch (java.util.concurrent.RejectedExecutionException closing) {
            synchronized (e) {
              e.inflight = null;
            }
          }
        }
      }, delayMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException ignored) {
      // closing
    }
  }

  /** Drops cached tokens that have expired (also done every purge interval). */
  public void purgeExpired() {
    long now = clock.millis();
    entries.values().removeIf(e -> {
      synchronized (e) {
        boolean expired = e.token != null && now > e.expiresAtMillis && e.inflight == null;
        if (expired && e.task != null) {
          e.task.cancel(false);
        }
        return expired;
      }
    });
  }

  /** Drops the tokens bound to the object with this uid (the kubelet does so when a pod is deleted). */
  public void removeBoundTo(String uid) {
    entries.values().removeIf(e -> {
      boolean match = e.spec.boundObject().flatMap(BoundObject::uid).map(uid::equals).orElse(false);
      if (match && e.task != null) {
        e.task.cancel(false);
      }
      return match;
    });
  }

  /** Forgets the cached token of a spec, so that the next {@link #get} requests a new one (e.g. after a 401). */
  public void invalidate(TokenRequestSpec spec) {
    Entry e = entries.remove(spec);
    if (e != null && e.task != null) {
      e.task.cancel(false);
    }
  }

  /** How many tokens are cached. */
  public int size() {
    return entries.size();
  }

  /** The cached token's age (now minus its estimated issue time), if one is cached. */
  public Optional<Duration> tokenAge(TokenRequestSpec spec) {
    Entry e = entries.get(spec);
    IssuedToken t = e == null ? null : e.token;
    return t == null ? Optional.empty() : Optional.of(Duration.between(t.issuedAt(), clock.instant()));
  }

  /** The time left until the cached token expires, if one is cached. */
  public Optional<Duration> timeToExpiry(TokenRequestSpec spec) {
    Entry e = entries.get(spec);
    IssuedToken t = e == null ? null : e.token;
    return t == null ? Optional.empty() : Optional.of(Duration.between(clock.instant(), t.expiresAt()));
  }

  /** Stops background refreshes and purges; a provider-made scheduler is shut down and its thread ends. */
  @Override
  public void close() {
    closed = true;
    if (purge != null) {
      purge.cancel(false);
    }
    List<Entry> all = new ArrayList<>(entries.values());
    for (Entry e : all) {
      synchronized (e) {
        if (e.task != null) {
          e.task.cancel(false);
        }
      }
    }
    entries.clear();
    if (ownScheduler) {
      scheduler.shutdownNow();
      fetchers.shutdownNow();
      try {
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
        fetchers.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "CachingTokenProvider[" + entries.size() + " tokens]";
  }

  /** Settings of a {@link CachingTokenProvider}. */
  public static final class Builder {
    private final Function<TokenRequestSpec, IssuedToken> fetcher;
    private Clock clock = Clock.systemUTC();
    private @Nullable ScheduledExecutorService scheduler;
    private LongSupplier jitterSeconds = () -> ThreadLocalRandom.current().nextInt(KubeletRefreshPolicy.MAX_JITTER_SECONDS);
    private Listener listener = new Listener() {};
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofMinutes(1);
    private Duration purgeInterval = Duration.ofMinutes(1);

    private Builder(Function<TokenRequestSpec, IssuedToken> fetcher) {
      this.fetcher = fetcher;
    }

    /** The clock; default {@link Clock#systemUTC()}. */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /** The scheduler for background refreshes and purges; default a single daemon thread, shut down by {@code close()}. */
    public Builder scheduler(ScheduledExecutorService value) {
      this.scheduler = Objects.requireNonNull(value, "scheduler");
      return this;
    }

    /** The jitter in whole seconds (reduced modulo 10); default uniform in 0–9 as the kubelet draws it. */
    public Builder jitterSeconds(LongSupplier value) {
      this.jitterSeconds = Objects.requireNonNull(value, "jitterSeconds");
      return this;
    }

    /** Hooks for refreshes and failures. */
    public Builder listener(Listener value) {
      this.listener = Objects.requireNonNull(value, "listener");
      return this;
    }

    /**
     * The retry backoff after failures: doubling from {@code initial} up to {@code max}, plus up to
     * 20 % jitter; default 1 s to 1 min.
     *
     * @throws IllegalArgumentException if initial is not positive or max is below it
     */
    public Builder backoff(Duration initial, Duration max) {
      if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** How often expired entries are purged; default 1 minute, zero for never (call {@link #purgeExpired()}). */
    public Builder purgeInterval(Duration value) {
      if (value.isNegative()) {
        throw new IllegalArgumentException("purgeInterval must not be negative");
      }
      this.purgeInterval = value;
      return this;
    }

    /** The provider. */
    public CachingTokenProvider build() {
      return new CachingTokenProvider(this);
    }
  }
}
