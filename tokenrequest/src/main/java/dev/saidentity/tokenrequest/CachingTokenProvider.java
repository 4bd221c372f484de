package dev.saidentity.tokenrequest;

import dev.saidentity.core.UnverifiedToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokens from the TokenRequest API, cached and refreshed as the kubelet's token manager does:
 * keyed by the whole {@link TokenRequestSpec}; refreshed at 80 % of the granted lifetime or after 24
 * hours (minus 0–9 s of jitter), or when the clock moved behind the issue time ({@link
 * KubeletRefreshPolicy}); proactively in the background so that callers rarely wait, and on read when
 * the timer is late; one request in flight per key however many callers.
 *
 * <p><b>Retries, by urgency.</b> When the refresh of a token that is still valid fails, the cached
 * token is served until it expires, and the refresh is retried late: at a random point 10–30 s before
 * the expiry (never sooner than the {@linkplain Builder#backoff backoff} nor the server's {@code
 * Retry-After}), then halfway to the expiry, never after it while 2 s are left. A valid token needs
 * no earlier retry, and the keys of a fleet whose refreshes failed together in an outage come back at
 * the rate their tokens expire, not all at its end. A key with no valid token (it expired, or a first
 * request failed) is retried with exponential backoff, doubling from the initial backoff up to
 * {@linkplain Builder#maxBackoffWithoutToken 2 minutes}, plus up to 20 % jitter, and at least the
 * {@code Retry-After}: during the backoff a {@code get} fails at once without a request, and the timer
 * retries when it ends if a {@code get} asked meanwhile, so that its callers find the token ready.
 * The first request for a key, with no failure before it, is never delayed. A token that arrives
 * already due for refresh (clock skew) is served while valid and refreshed with the backoff, never in
 * a tight loop. A token obtained after failed requests is next refreshed as much before the kubelet's
 * time as it came late (modulo the refresh period), so that each key returns to its place in the
 * schedule and the fleet's rate to its steady one, period after period. In a simulation of 10,000 keys
 * (1 h and 24 h tokens) the first minute after a 15-minute outage carried about 4 times the steady
 * request rate (15 times when every key retried at least once a minute), and the keys whose tokens
 * expired in the outage had new ones at most 2.4 minutes after its end.
 *
 * <p>Expired entries, and those whose requests failed before any token, are purged every minute
 * (after their backoff).
 *
 * <p>Never an expired token: every hit compares the clock with the cached token's refresh time
 * (before its expiry), so the guarantee holds when the timer thread is starved, and follows the
 * wall clock through steps and host suspends. A {@code get} that finds no usable token waits for the
 * single request in flight at most {@linkplain Builder#maxWait the maximum wait} (default 30 s), then
 * throws a {@link TokenRequestException}.
 *
 * <p>Removal is final: a refresh that completes after its entry was {@linkplain #invalidate
 * invalidated}, {@linkplain #removeBoundTo removed}, purged or {@linkplain #close closed} is
 * discarded (its waiting callers still get its answer), and no timer outlives its entry.
 *
 * <pre>{@code
 * try (CachingTokenProvider tokens = CachingTokenProvider.builder(TokenRequestClient.create(apiClient)).build()) {
 *   String bearer = tokens.token(TokenRequestSpec.builder("payments", "api").audience("vault").build());
 * }
 * }</pre>
 *
 * <p>Thread-safe. A cache hit takes no lock and allocates nothing: one map lookup, one volatile read
 * of the entry's immutable state and one clock read. Requests run on the fetch executor (default: 4
 * daemon threads of the provider's own), never on the timer; no lock is held while a request runs.
 * {@link #close()} stops all background work: timers are cancelled, no request starts afterwards, and
 * the provider's own threads end.
 *
 * <p><b>Observing.</b> {@link #stats()} counts refreshes by result and {@link Trigger trigger}, stale
 * tokens served and the last failure (one {@code LongAdder} increment each, always on); {@link
 * #tokenStatus()} lists each cached token's expiry, age and {@code warnafter} without the token; a
 * {@link Listener} (at build time, or added later with {@link #addListener}) hears each event as it
 * happens.
 */
public final class CachingTokenProvider implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CachingTokenProvider.class);

  /** The shortest delay of a scheduled refresh, whatever the clocks say: 1 second. */
  public static final Duration MIN_REFRESH_DELAY = Duration.ofSeconds(1);

  /** The default {@linkplain Builder#maxWait maximum wait} of a {@code get} with no usable token: 30 seconds. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(30);

  /**
   * The default {@linkplain Builder#maxBackoffWithoutToken longest backoff of a key without a valid
   * token}: 2 minutes, as the kubelet retries a failed volume mount (at most 2m2s).
   */
  public static final Duration DEFAULT_MAX_BACKOFF_WITHOUT_TOKEN = Duration.ofMinutes(2);

  /** The number of threads of the default fetch executor: 4. */
  public static final int DEFAULT_FETCH_THREADS = 4;

  private static final long MIN_REFRESH_DELAY_MILLIS = MIN_REFRESH_DELAY.toMillis();

  /** Why a token was requested. */
  public enum Trigger {
    /** The first token for a key: no token was cached (the first {@code get}, or after a purge or {@link CachingTokenProvider#removeBoundTo}). */
    STARTUP,
    /** A refresh of a cached token that is due (by the timer, or by a {@code get} that found it due or expired). */
    SCHEDULE,
    /** The first request after {@link CachingTokenProvider#invalidate(TokenRequestSpec) invalidate} dropped the key's token (a 401). */
    UNAUTHORIZED
  }

  /**
   * Hooks for refreshes, failures, stale tokens and removals (metrics, logs). Called on the
   * refreshing thread, or for {@link #onStaleTokenServed} on the caller's; must be quick and must
   * not block. An exception a listener throws is caught and logged at debug (its type only) and
   * changes nothing else. The default methods do nothing, except that the methods with a {@link
   * Trigger} call those without, so that a listener written before they existed still hears every
   * event.
   */
  public interface Listener {
    /** A token was issued for the spec. */
    default void onRefresh(TokenRequestSpec spec, IssuedToken token) {}

    /** A token was issued for the spec, requested for {@code trigger}. Default: {@link #onRefresh(TokenRequestSpec, IssuedToken)}. */
    default void onRefresh(TokenRequestSpec spec, IssuedToken token, Trigger trigger) {
      onRefresh(spec, token);
    }

    /** A request failed; {@code consecutiveFailures} counts since the last success. */
    default void onFailure(TokenRequestSpec spec, TokenRequestException error, int consecutiveFailures) {}

    /**
     * A request made for {@code trigger} failed; {@code consecutiveFailures} counts since the last
     * success. Default: {@link #onFailure(TokenRequestSpec, TokenRequestException, int)}.
     */
    default void onFailure(TokenRequestSpec spec, TokenRequestException error, int consecutiveFailures, Trigger trigger) {
      onFailure(spec, error, consecutiveFailures);
    }

    /** A cached token was served after its refresh failed ({@code consecutiveFailures} times); it has not expired. */
    default void onStaleTokenServed(TokenRequestSpec spec, int consecutiveFailures) {}

    /** The key's entry was removed: invalidated, purged, its bound object removed, or the provider closed. */
    default void onRemoval(TokenRequestSpec spec) {}
  }

  /**
   * What a provider has counted since it was built, as of one {@link CachingTokenProvider#stats()} call (each count read
   * on its own).
   *
   * @param refreshSuccesses tokens issued, by trigger (every trigger present)
   * @param refreshFailures failed requests, by trigger (every trigger present)
   * @param staleTokensServed cached tokens served after their refresh failed
   * @param lastFailure when the last request failed, by the provider's clock; empty if none has
   */
  public record Stats(Map<Trigger, Long> refreshSuccesses, Map<Trigger, Long> refreshFailures, long staleTokensServed,
      Optional<Instant> lastFailure) {

    /** Copies the maps, adding a zero count for each trigger they lack. */
    public Stats {
      refreshSuccesses = complete(refreshSuccesses);
      refreshFailures = complete(refreshFailures);
      Objects.requireNonNull(lastFailure, "lastFailure");
    }

    private static Map<Trigger, Long> complete(Map<Trigger, Long> counts) {
      Map<Trigger, Long> all = new EnumMap<>(Trigger.class);
      for (Trigger t : Trigger.values()) {
        all.put(t, 0L);
      }
      Objects.requireNonNull(counts, "counts").forEach((t, n) -> all.put(Objects.requireNonNull(t, "trigger"), Objects.requireNonNull(n, "count")));
      return Map.copyOf(all);
    }

    /** Requests for {@code trigger} that succeeded ({@code success}) or failed. */
    public long refreshes(Trigger trigger, boolean success) {
      return (success ? refreshSuccesses : refreshFailures).get(Objects.requireNonNull(trigger, "trigger"));
    }
  }

  private final Function<TokenRequestSpec, IssuedToken> fetcher;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Executor fetchers;
  private final @Nullable ScheduledExecutorService ownScheduler;
  private final @Nullable ExecutorService ownFetchers;
  /** Threads of the provider's own pools, so that {@code close()} returns only once they have ended. */
  private final Set<Thread> ownThreads = ConcurrentHashMap.newKeySet();
  private final LongSupplier jitterSeconds;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final LongAdder[] refreshOk = adders();
  private final LongAdder[] refreshFailed = adders();
  private final LongAdder staleServed = new LongAdder();
  private volatile long lastFailureMillis = Long.MIN_VALUE;
  /** Keys whose entry {@link #invalidate} removed, and when: their next request is {@link Trigger#UNAUTHORIZED}. */
  private final ConcurrentHashMap<TokenRequestSpec, Long> invalidated = new ConcurrentHashMap<>();
  /** How long an invalidation marks its key's next request as {@link Trigger#UNAUTHORIZED}: 1 minute. */
  private static final long INVALIDATION_MEMORY_MILLIS = 60_000;
  /**
   * Keys purged after failed requests (their token expired during an outage), and when: their next
   * token is {@linkplain #desynchronized desynchronized}. Forgotten after 10 minutes.
   */
  private final ConcurrentHashMap<TokenRequestSpec, Long> purgedAfterFailures = new ConcurrentHashMap<>();
  private static final long PURGED_AFTER_FAILURES_MEMORY_MILLIS = 10 * 60_000;
  private final long initialBackoffMillis;
  private final long maxBackoffMillis;
  private final long maxBackoffWithoutTokenMillis;
  private final Duration maxWait;
  /** Monotonic nanoseconds (System::nanoTime; a test seam). */
  private final LongSupplier ticker;
  private final ConcurrentHashMap<TokenRequestSpec, Entry> entries = new ConcurrentHashMap<>();
  private final @Nullable ScheduledFuture<?> purge;
  private volatile boolean closed;

  /**
   * Everything about an entry's token that changes together, immutable: a reader sees one token with
   * its own times, never a token with another one's refresh window.
   */
  private static final class State {
    static final State EMPTY = new State(null, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, 0, 0, 0, null, null, 0);

    final @Nullable IssuedToken token;
    final long issuedAtMillis;
    /** Before {@code expiresAtMillis}: a hit until then needs no other check. */
    final long refreshAtMillis;
    final long expiresAtMillis;
    /** No background refresh before this (backoff after a failure or a token that arrived already due). */
    final long nextAttemptMillis;
    /** Requests failed since the last success. */
    final int failures;
    /** Exponent of the backoff: failures and already-due tokens since the last token that was not due. */
    final int backoffStep;
    /** The token's {@code kubernetes.io.warnafter}, if it is a ServiceAccount JWT with one. */
    final @Nullable Instant warnAfter;
    /** The last request's failure, while {@code failures > 0}: what a caller refused during the backoff is told. */
    final @Nullable TokenRequestException lastError;
    /** When the first of the {@code failures} in a row was made: how late the next token comes. */
    final long failingSinceMillis;

    State(@Nullable IssuedToken token, long issuedAtMillis, long refreshAtMillis, long expiresAtMillis, long nextAttemptMillis,
        int failures, int backoffStep, @Nullable Instant warnAfter, @Nullable TokenRequestException lastError, long failingSinceMillis) {
      this.warnAfter = warnAfter;
      this.lastError = lastError;
      this.failingSinceMillis = failingSinceMillis;
      this.token = token;
      this.issuedAtMillis = issuedAtMillis;
      this.refreshAtMillis = refreshAtMillis;
      this.expiresAtMillis = expiresAtMillis;
      this.nextAttemptMillis = nextAttemptMillis;
      this.failures = failures;
      this.backoffStep = backoffStep;
    }

    /** The token needs no refresh now (implies it is valid). */
    boolean fresh(long now) {
      return now <= refreshAtMillis && now >= issuedAtMillis;
    }

    /** The token has not expired. */
    boolean usable(long now) {
      return token != null && now < expiresAtMillis;
    }

    State failed(long now, long nextAttempt, TokenRequestException error) {
      return new State(token, issuedAtMillis, refreshAtMillis, expiresAtMillis, nextAttempt, failures + 1, backoffStep + 1, warnAfter, error,
          failures == 0 ? now : failingSinceMillis);
    }

    /** No valid token, and the last request failed less than its backoff ago: no request before {@code nextAttemptMillis}. */
    boolean backingOff(long now) {
      return failures > 0 && now < nextAttemptMillis && !usable(now);
    }
  }

  /** One key's entry: its state is swapped whole; the rest is guarded by the entry's lock, never held across I/O. */
  private static final class Entry {
    final TokenRequestSpec spec;
    volatile State state = State.EMPTY;
    /** Mapped and not closed; once false, never true again. Guarded by this. */
    boolean live = true;
    /** The single request in flight. Guarded by this. */
    @Nullable CompletableFuture<IssuedToken> inflight;
    /** The ticker's reading when {@link #inflight} was claimed. Guarded by this. */
    long inflightSinceNanos;
    /** Why {@link #inflight} was claimed. Guarded by this. */
    Trigger inflightTrigger = Trigger.STARTUP;
    /** The pending refresh timer. Guarded by this. */
    @Nullable ScheduledFuture<?> task;
    /**
     * A {@code get} found no valid token since the last request was claimed: the timer retries a key
     * without a valid token at the end of its backoff only then (only keys in use). Guarded by this.
     */
    boolean wanted;

    Entry(TokenRequestSpec spec) {
      this.spec = spec;
    }
  }

  private CachingTokenProvider(Builder b) {
    this.fetcher = b.fetcher;
    this.clock = b.clock;
    this.jitterSeconds = b.jitterSeconds;
    this.listeners.add(b.listener);
    this.initialBackoffMillis = b.initialBackoff.toMillis();
    this.maxBackoffMillis = b.maxBackoff.toMillis();
    this.maxBackoffWithoutTokenMillis = b.maxBackoffWithoutToken.toMillis();
    this.maxWait = b.maxWait;
    this.ticker = b.ticker;
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownScheduler = null;
    } else {
      ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
        return ownThread(r, "sa-identity-token-refresh");
      });
      s.setRemoveOnCancelPolicy(true);
      this.scheduler = s;
      this.ownScheduler = s;
    }
    if (b.fetchExecutor != null) {
      this.fetchers = b.fetchExecutor;
      this.ownFetchers = null;
    } else {
      // Fetches run apart from the timer, so that a slow API server never delays a refresh deadline.
      // core = max: a pool with no core threads and an unbounded queue never grows past one thread.
      // The queue holds at most one task per entry (one request in flight per key).
      AtomicInteger n = new AtomicInteger();
      ThreadPoolExecutor pool = new ThreadPoolExecutor(DEFAULT_FETCH_THREADS, DEFAULT_FETCH_THREADS, 30, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), r -> {
            return ownThread(r, "sa-identity-token-fetch-" + n.incrementAndGet());
          });
      pool.allowCoreThreadTimeOut(true);
      this.fetchers = pool;
      this.ownFetchers = pool;
    }
    this.purge = b.purgeInterval.isZero() ? null
        : scheduler.scheduleWithFixedDelay(this::purgeExpired, b.purgeInterval.toMillis(), b.purgeInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Thread ownThread(Runnable r, String name) {
    ownThreads.removeIf(t -> !t.isAlive()); // fetch threads end after 30 s idle
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    ownThreads.add(t);
    return t;
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
   * for the single request in flight at most the {@linkplain Builder#maxWait maximum wait}).
   *
   * @throws TokenRequestException when there is no valid token and none can be had within the maximum
   *     wait ({@link TokenRequestException.Reason#UNAVAILABLE} on timeout), or at once, without a
   *     request, during the backoff after a failed request (the last failure's reason, {@link
   *     TokenRequestException.Reason#EXPIRED} if the key's token expired, and a message with the time of
   *     the next request)
   * @throws IllegalStateException after {@link #close()}
   */
  public IssuedToken get(TokenRequestSpec spec) {
    Entry e = entries.get(spec);
    if (e != null) {
      State s = e.state;
      IssuedToken t = s.token;
      // One clock read on every hit: the timer may be late (a starved JVM) or follow another clock.
      if (t != null && s.fresh(clock.millis())) {
        return t;
      }
    }
    return slow(spec);
  }

  /** {@code get(spec).token()}. */
  public String token(TokenRequestSpec spec) {
    return get(spec).token();
  }

  private IssuedToken slow(TokenRequestSpec spec) {
    Objects.requireNonNull(spec, "spec");
    long deadline = ticker.getAsLong() + maxWait.toNanos();
    for (boolean again = false;; again = true) {
      checkOpen();
      if (again && ticker.getAsLong() - deadline >= 0) {
        throw timedOut(spec);
      }
      Entry e = entries.computeIfAbsent(spec, Entry::new);
      State s = e.state;
      long now = clock.millis();
      IssuedToken t = s.token;
      if (t != null && now < s.expiresAtMillis) {
        if (!s.fresh(now) && now >= s.nextAttemptMillis) {
          refreshInBackground(e);
        }
        if (s.failures > 0) {
          staleServed.increment();
          for (Listener l : listeners) {
            try {
              l.onStaleTokenServed(spec, s.failures);
            } catch (RuntimeException ex) {
              listenerFailed(l, ex);
            }
          }
        }
        return t; // still valid: serve it while the refresh runs (or backs off)
      }
      CompletableFuture<IssuedToken> f = claimOrJoin(e, s, now);
      if (f == BACKING_OFF) {
        throw backingOff(spec, s, now);
      }
      if (f != null) {
        IssuedToken got = await(e, s, f, deadline);
        if (clock.millis() < got.expiresAt().toEpochMilli()) {
          return got;
        }
        // expired while this caller waited (a clock step): ask again, within the same deadline
      }
      // or the entry was removed or its state changed meanwhile: look again
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this CachingTokenProvider is closed");
    }
  }

  /** What {@link #claimOrJoin} returns when the key has no valid token and its backoff has not passed; never completed. */
  private static final CompletableFuture<IssuedToken> BACKING_OFF = new CompletableFuture<>();

  /**
   * The request in flight, or a new one; null when the entry is no longer live or its state is no
   * longer {@code seen}; {@link #BACKING_OFF} when the last request failed less than its backoff ago
   * (the entry's timer retries then, as a {@code get} asked for the key).
   */
  private @Nullable CompletableFuture<IssuedToken> claimOrJoin(Entry e, State seen, long now) {
    CompletableFuture<IssuedToken> f;
    CompletableFuture<IssuedToken> abandoned;
    synchronized (e) {
      if (!e.live) {
        return null;
      }
      abandoned = abandonIfStuck(e);
      if (e.inflight != null) {
        return e.inflight;
      }
      if (e.state != seen && abandoned == null) {
        return null;
      }
      if (seen.backingOff(now)) {
        e.wanted = true;
        if (e.task == null) { // a timer that found nobody asking stopped: the end of the backoff needs one again
          schedule(e, seen.nextAttemptMillis - now);
        }
        f = BACKING_OFF;
      } else {
        f = claim(e, seen.token != null ? Trigger.SCHEDULE
            : invalidated.remove(e.spec) != null ? Trigger.UNAUTHORIZED : Trigger.STARTUP);
      }
    }
    abandon(e, abandoned);
    if (f != BACKING_OFF) {
      submit(e, f);
    }
    return f;
  }

  /**
   * The refusal of a {@code get} with no valid token during the backoff after a failed request: the
   * last failure, when the token expired if there was one, and the time of the next request.
   */
  private static TokenRequestException backingOff(TokenRequestSpec spec, State s, long now) {
    TokenRequestException last = s.lastError != null ? s.lastError
        : new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 0, null, "token request failed", null);
    String next = " (" + s.failures + " failed in a row; no request before " + Instant.ofEpochMilli(s.nextAttemptMillis) + ", in "
        + Duration.ofMillis(s.nextAttemptMillis - now) + ")";
    if (s.token != null) {
      return new TokenRequestException(TokenRequestException.Reason.EXPIRED, last.status(), last.retryAfter().orElse(null),
          "the token for " + spec + " expired at " + Instant.ofEpochMilli(s.expiresAtMillis) + " and refresh failed: " + last.getMessage() + next,
          last);
    }
    return new TokenRequestException(last.reason(), last.status(), last.retryAfter().orElse(null),
        "failed to fetch token: " + last.getMessage() + next, last);
  }

  private CompletableFuture<IssuedToken> claim(Entry e, Trigger why) {
    CompletableFuture<IssuedToken> f = new CompletableFuture<>();
    e.inflight = f;
    e.wanted = false;
    e.inflightSinceNanos = ticker.getAsLong();
    e.inflightTrigger = why;
    return f;
  }

  /**
   * Under the entry's lock: a request in flight for longer than twice the maximum wait (a fetcher
   * without a deadline, an executor that dropped the task) is released, so that the key is not
   * wedged for good; returns it, to be failed outside the lock. Its late answer is discarded.
   */
  private @Nullable CompletableFuture<IssuedToken> abandonIfStuck(Entry e) {
    CompletableFuture<IssuedToken> f = e.inflight;
    if (f != null && ticker.getAsLong() - e.inflightSinceNanos - 2 * maxWait.toNanos() > 0) {
      e.inflight = null;
      return f;
    }
    return null;
  }

  private void abandon(Entry e, @Nullable CompletableFuture<IssuedToken> f) {
    if (f != null && f.completeExceptionally(new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 0, null,
        "the token request for " + e.spec + " was abandoned: no answer within twice the maximum wait of " + maxWait, null))) {
      LOG.warn("abandoned the token request for {}: no answer within twice the maximum wait of {}", e.spec, maxWait);
    }
  }

  /** Starts a background refresh if the entry is live, due, out of backoff and has none in flight. */
  private void refreshInBackground(Entry e) {
    CompletableFuture<IssuedToken> f;
    CompletableFuture<IssuedToken> abandoned;
    synchronized (e) {
      State s = e.state;
      long now = clock.millis();
      if (!e.live || s.fresh(now) || now < s.nextAttemptMillis) {
        return;
      }
      abandoned = abandonIfStuck(e);
      if (e.inflight != null) {
        return;
      }
      f = claim(e, Trigger.SCHEDULE);
    }
    abandon(e, abandoned);
    submit(e, f);
  }

  private void submit(Entry e, CompletableFuture<IssuedToken> f) {
    Trigger why;
    synchronized (e) {
      why = e.inflight == f ? e.inflightTrigger : Trigger.SCHEDULE;
    }
    try {
      fetchers.execute(() -> fetch(e, f, why));
    } catch (RejectedExecutionException rejected) {
      release(e, f);
      f.completeExceptionally(closed ? closedException()
          : new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 0, null,
              "the fetch executor refused the token request for " + e.spec, rejected));
    }
  }

  private static void release(Entry e, CompletableFuture<IssuedToken> f) {
    synchronized (e) {
      if (e.inflight == f) {
        e.inflight = null;
      }
    }
  }

  private static IllegalStateException closedException() {
    return new IllegalStateException("this CachingTokenProvider is closed");
  }

  private TokenRequestException timedOut(TokenRequestSpec spec) {
    return new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 0, null,
        "no token for " + spec + " within " + maxWait + ": the token request is still running (its answer will be cached)", null);
  }

  private IssuedToken await(Entry e, State seen, CompletableFuture<IssuedToken> f, long deadlineNanos) {
    try {
      return f.get(Math.max(0, Math.min(maxWait.toNanos(), deadlineNanos - ticker.getAsLong())), TimeUnit.NANOSECONDS);
    } catch (TimeoutException te) {
      throw timedOut(e.spec);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 0, null,
          "interrupted while waiting for a token for " + e.spec, ie);
    } catch (ExecutionException ee) {
      Throwable c = ee.getCause();
      if (c instanceof IllegalStateException) {
        throw new IllegalStateException(c.getMessage(), c);
      }
      TokenRequestException cause = c instanceof TokenRequestException ? (TokenRequestException) c
          : new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, 0, null, "token request failed: " + c, c);
      if (seen.token != null) {
        throw new TokenRequestException(TokenRequestException.Reason.EXPIRED, cause.status(), cause.retryAfter().orElse(null),
            "the token for " + e.spec + " expired at " + Instant.ofEpochMilli(seen.expiresAtMillis) + " and refresh failed: " + cause.getMessage(),
            cause);
      }
      throw new TokenRequestException(cause.reason(), cause.status(), cause.retryAfter().orElse(null),
          "failed to fetch token: " + cause.getMessage(), cause);
    }
  }

  /** Runs on the fetch executor: one request, then the answer installed only if the entry is still live. */
  private void fetch(Entry e, CompletableFuture<IssuedToken> f, Trigger why) {
    if (closed) {
      release(e, f);
      f.completeExceptionally(closedException());
      return;
    }
    IssuedToken t;
    try {
      t = Objects.requireNonNull(fetcher.apply(e.spec), "the fetcher returned null");
    } catch (TokenRequestException ex) {
      failed(e, f, why, ex);
      return;
    } catch (RuntimeException ex) {
      failed(e, f, why, new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, 0, null,
          "token request failed: " + ex.getClass().getSimpleName(), ex));
      return;
    } catch (Error err) {
      release(e, f);
      f.completeExceptionally(err);
      throw err;
    }
    long now = clock.millis();
    long expiresAt;
    long issuedAt;
    long refreshAt;
    try {
      // Times a caller's answer cannot be held in (an expiry or lifetime past epoch millis, a throwing
      // jitter source) fail this request: nothing may escape before f completes and inflight is released.
      expiresAt = t.expiresAt().toEpochMilli();
      issuedAt = t.issuedAt().toEpochMilli();
      refreshAt = Math.min(expiresAt - 1, KubeletRefreshPolicy.refreshAfter(t.expiresAt(), t.lifetime().getSeconds(),
          Math.floorMod(jitterSeconds.getAsLong(), KubeletRefreshPolicy.MAX_JITTER_SECONDS)).toEpochMilli());
    } catch (RuntimeException ex) {
      failed(e, f, why, new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, 0, null,
          "the token issued for " + e.spec + " has unusable times (expires " + t.expiresAt() + ", lifetime " + t.lifetime().getSeconds()
              + " s): " + ex.getClass().getSimpleName(), ex));
      return;
    }
    if (now >= expiresAt) {
      failed(e, f, why, new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, 0, null,
          "the API server issued a token for " + e.spec + " that expires at " + t.expiresAt() + ", which is not after this host's time "
              + Instant.ofEpochMilli(now) + ": check the clocks", null));
      return;
    }
    boolean dueOnArrival = now > refreshAt || now < issuedAt;
    Instant warnAfter = warnAfter(t);
    long delay = -1;
    synchronized (e) {
      if (e.inflight == f) {
        e.inflight = null;
      }
      if (e.live && !closed && !f.isDone()) { // done already: abandoned, a newer request owns the entry
        int step = dueOnArrival ? e.state.backoffStep + 1 : 0;
        boolean purged = purgedAfterFailures.remove(e.spec) != null;
        long at = dueOnArrival ? refreshAt
            : e.state.failures > 0 ? inItsPlace(refreshAt, issuedAt, now, now - e.state.failingSinceMillis)
            : purged ? desynchronized(refreshAt, issuedAt, now) : refreshAt;
        delay = dueOnArrival ? Math.max(MIN_REFRESH_DELAY_MILLIS, backoff(step, null)) : at - now + 1;
        e.state = new State(t, issuedAt, at, expiresAt, dueOnArrival ? now + delay : 0, 0, step, warnAfter, null, 0);
        schedule(e, delay);
      } // else: removed, replaced or closed while the request ran: discard the answer (waiting callers still get it)
    }
    if (dueOnArrival && delay >= 0) {
      LOG.warn("the token issued for {} is due for refresh on arrival (issued {}, refresh after {}, now {}): clock skew? next try in {} ms",
          e.spec, t.issuedAt(), Instant.ofEpochMilli(refreshAt), Instant.ofEpochMilli(now), delay);
    }
    f.complete(t);
    refreshOk[why.ordinal()].increment();
    for (Listener l : listeners) {
      try {
        l.onRefresh(e.spec, t, why);
      } catch (RuntimeException ex) {
        listenerFailed(l, ex);
      }
    }
  }

  /**
   * The refresh time of the first token of a key whose entry was purged after failed requests (when
   * they began is no longer known): drawn uniformly from the last quarter before the kubelet's ({@code
   * refreshAt}), i.e. between 60 % and 80 % of a short lifetime, and never sooner than {@link
   * #MIN_REFRESH_DELAY} from now, so that keys that recover together do not stay together: with the
   * kubelet's 0-9 s of jitter alone they would, one burst every refresh period for good.
   */
  private static long desynchronized(long refreshAt, long issuedAt, long now) {
    return inQuarter(refreshAt, issuedAt, now, ThreadLocalRandom.current().nextLong(Math.max(1, (refreshAt - issuedAt) / 4)));
  }

  /**
   * The refresh time of a token that came {@code lateMillis} after the first of the failed requests
   * before it: that much before the kubelet's ({@code refreshAt}), modulo the refresh period, and never
   * sooner than {@link #MIN_REFRESH_DELAY} from now, so that the key keeps its place in the schedule it
   * had before the failures. Keys whose refreshes failed in an outage, and came back one by one each
   * late by its own delay, return to the places they held before it: the fleet's request rate returns
   * to its steady one, with no empty minutes where the outage was and no bump where they came back,
   * period after period, however long the outage (a 10,000-key fleet simulation measured 1.7 times
   * the steady rate and empty minutes every 48 minutes for good with a random point in the last quarter
   * instead, and 13.5 times with the kubelet's 0-9 s of jitter alone). Earlier than the kubelet is
   * always safe: the token is valid throughout.
   */
  private static long inItsPlace(long refreshAt, long issuedAt, long now, long lateMillis) {
    long period = refreshAt - issuedAt;
    long at = period <= 0 ? refreshAt : refreshAt - Math.floorMod(Math.max(0, lateMillis), period);
    return Math.min(refreshAt, Math.max(at, now + MIN_REFRESH_DELAY_MILLIS));
  }

  /** {@code refreshAt - earlier}, at most a quarter of the refresh period earlier and at least {@link #MIN_REFRESH_DELAY} from now. */
  private static long inQuarter(long refreshAt, long issuedAt, long now, long earlier) {
    long at = refreshAt - Math.min(earlier, Math.max(0, (refreshAt - issuedAt) / 4));
    return Math.min(refreshAt, Math.max(at, now + MIN_REFRESH_DELAY_MILLIS));
  }

  /** The token's {@code warnafter}, if it is a ServiceAccount JWT with one; decoded once per token, never verified. */
  private static @Nullable Instant warnAfter(IssuedToken t) {
    try {
      return UnverifiedToken.decode(t.token()).warnAfter().orElse(null);
    } catch (RuntimeException opaque) {
      return null; // not a ServiceAccount JWT: no warnafter
    }
  }

  private void failed(Entry e, CompletableFuture<IssuedToken> f, Trigger why, TokenRequestException ex) {
    long now = clock.millis();
    int failures;
    synchronized (e) {
      if (e.inflight == f) {
        e.inflight = null;
      }
      State s = e.state;
      failures = s.failures + 1;
      if (e.live && !closed && !f.isDone()) {
        Duration retryAfter = ex.retryAfter().orElse(null);
        long backoff = s.usable(now) ? retryWhileValid(s.backoffStep + 1, retryAfter, s.expiresAtMillis - now)
            : backoffWithoutToken(s.backoffStep + 1, retryAfter);
        e.state = s.failed(now, now + backoff, ex);
        schedule(e, backoff);
      }
    }
    f.completeExceptionally(ex);
    if (!closed) { // after close(), a request interrupted by the shutdown is no news
      LOG.warn("refreshing the token for {} failed ({} in a row): {}", e.spec, failures, ex.getMessage());
      refreshFailed[why.ordinal()].increment();
      lastFailureMillis = now;
      for (Listener l : listeners) {
        try {
          l.onFailure(e.spec, ex, failures, why);
        } catch (RuntimeException lex) {
          listenerFailed(l, lex);
        }
      }
    }
  }

  /** Doubling from the initial backoff to the maximum, plus up to 20 % jitter, and at least {@code retryAfter}. */
  private long backoff(int step, @Nullable Duration retryAfter) {
    return atLeast(jittered(Math.min(maxBackoffMillis, initialBackoffMillis << Math.min(20, Math.max(0, step - 1)))), retryAfter);
  }

  /** The least time before its expiry at which a failed refresh of a valid token is retried: 10 s. */
  static final long RETRY_MARGIN_MIN_MILLIS = 10_000;
  /** The most time before its expiry at which a failed refresh of a valid token is retried: 30 s. */
  static final long RETRY_MARGIN_MAX_MILLIS = 30_000;

  /**
   * The delay of the next request after a failed refresh of a token still valid for {@code
   * leftMillis}: late, at a margin drawn uniformly from 10-30 s before its expiry, and never sooner
   * than the {@linkplain #backoff backoff}; within that margin, halfway to the expiry (at least 1 s);
   * never past the expiry while at least 2 s are left, unless the server's {@code Retry-After} asks for
   * it. A valid token needs no earlier retry, and the keys whose refreshes failed together (an outage)
   * come back in the order their tokens expire, at the rate they were issued, not all at its end.
   */
  private long retryWhileValid(int step, @Nullable Duration retryAfter, long leftMillis) {
    long late = leftMillis - RETRY_MARGIN_MIN_MILLIS - ThreadLocalRandom.current().nextLong(RETRY_MARGIN_MAX_MILLIS - RETRY_MARGIN_MIN_MILLIS);
    long d = late > 0 ? Math.max(late, backoff(step, null)) : Math.max(MIN_REFRESH_DELAY_MILLIS, leftMillis / 2);
    if (d >= leftMillis - MIN_REFRESH_DELAY_MILLIS && leftMillis >= 2 * MIN_REFRESH_DELAY_MILLIS) {
      d = leftMillis / 2;
    }
    return atLeast(d, retryAfter);
  }

  /** The delay of the next request after a failure with no valid token: doubling from the initial backoff to {@link Builder#maxBackoffWithoutToken}. */
  private long backoffWithoutToken(int step, @Nullable Duration retryAfter) {
    long b = Math.min(maxBackoffWithoutTokenMillis, initialBackoffMillis << Math.min(20, Math.max(0, step - 1)));
    long d = jittered(b);
    return atLeast(d, retryAfter);
  }

  /** Plus up to 20 %. */
  private static long jittered(long millis) {
    return millis + ThreadLocalRandom.current().nextLong(Math.max(1, millis / 5));
  }

  /**
   * At least {@code retryAfter}, honoured up to a day (no token lives longer without a refresh): a
   * larger one would overflow the millisecond arithmetic of the next attempt.
   */
  private static long atLeast(long millis, @Nullable Duration retryAfter) {
    return retryAfter == null ? millis
        : Math.max(millis, retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER.toMillis() : retryAfter.toMillis());
  }

  private static final Duration MAX_RETRY_AFTER = KubeletRefreshPolicy.MAX_TTL;

  /** Replaces the entry's timer; only for a live entry of an open provider. Caller holds the entry's lock. */
  private void schedule(Entry e, long delayMillis) {
    if (e.task != null) {
      e.task.cancel(false);
      e.task = null;
    }
    if (!e.live || closed) {
      return;
    }
    try {
      e.task = scheduler.schedule(() -> onTimer(e), Math.max(MIN_REFRESH_DELAY_MILLIS, delayMillis), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      // the scheduler is shutting down: the next get() refreshes
    }
  }

  /** On the timer: decides from the state (the timer may be early, late or on another clock) and hands any request to the fetchers. */
  private void onTimer(Entry e) {
    CompletableFuture<IssuedToken> f;
    synchronized (e) {
      if (!e.live || closed || e.inflight != null) {
        return;
      }
      State s = e.state;
      long now = clock.millis();
      boolean usable = s.usable(now);
      if (!usable && (s.failures == 0 || !e.wanted)) {
        e.task = null;
        return; // nothing to keep fresh, or nobody asked since the last failure: the next get() requests one
      }
      if (usable && s.fresh(now)) {
        schedule(e, s.refreshAtMillis - now + 1);
        return;
      }
      if (now < s.nextAttemptMillis) {
        schedule(e, s.nextAttemptMillis - now);
        return;
      }
      e.task = null;
      // claim(..) also stamps the time: an old stamp would let the next get() abandon this request as stuck.
      // Without a valid token: a get() was refused during the backoff, and this is the retry it waits for.
      f = claim(e, usable || s.token != null ? Trigger.SCHEDULE : Trigger.STARTUP);
    }
    submit(e, f);
  }

  /** Removes a live entry and cancels its timer, under its lock; false if it was already removed. */
  private boolean remove(Entry e) {
    synchronized (e) {
      if (!e.live) {
        return false;
      }
      e.live = false;
      entries.remove(e.spec, e);
      if (e.task != null) {
        e.task.cancel(false);
        e.task = null;
      }
      return true;
    }
  }

  /** Drops cached tokens that have expired, and entries whose requests failed before any token (also done every purge interval). */
  public void purgeExpired() {
    long now = clock.millis();
    for (Entry e : entries.values()) {
      boolean removed = false;
      boolean failed = false;
      synchronized (e) {
        // expired, or never had a token (its requests failed); kept while its retry after a failure is pending
        if (e.inflight == null && !e.state.usable(now) && !(e.state.failures > 0 && e.task != null)) {
          failed = e.state.failures > 0;
          removed = remove(e);
        }
      }
      if (removed) {
        if (failed) {
          purgedAfterFailures.put(e.spec, now);
        }
        removed(e.spec);
      }
    }
    invalidated.values().removeIf(at -> now - at > INVALIDATION_MEMORY_MILLIS || at - now > INVALIDATION_MEMORY_MILLIS);
    purgedAfterFailures.values().removeIf(at -> now - at > PURGED_AFTER_FAILURES_MEMORY_MILLIS || at - now > PURGED_AFTER_FAILURES_MEMORY_MILLIS);
  }

  private void removed(TokenRequestSpec spec) {
    for (Listener l : listeners) {
      try {
        l.onRemoval(spec);
      } catch (RuntimeException ex) {
        listenerFailed(l, ex);
      }
    }
  }

  /** The listener's type and what it threw, never the message (which might quote anything). */
  private static void listenerFailed(Listener l, RuntimeException ex) {
    LOG.debug("the token provider listener {} threw {}; ignored", l.getClass().getName(), ex.getClass().getName());
  }

  /** Drops the tokens bound to the object with this uid (the kubelet does so when a pod is deleted); their refreshes in flight are discarded. */
  public void removeBoundTo(String uid) {
    Objects.requireNonNull(uid, "uid");
    for (Entry e : entries.values()) {
      if (e.spec.boundObject().flatMap(BoundObject::uid).map(uid::equals).orElse(false) && remove(e)) {
        removed(e.spec);
      }
    }
  }

  /**
   * Forgets the cached token of a spec, so that the next {@link #get} requests a new one (e.g. after a
   * 401); a refresh in flight is discarded when it completes.
   */
  public void invalidate(TokenRequestSpec spec) {
    Entry e = entries.get(Objects.requireNonNull(spec, "spec"));
    if (e != null && remove(e)) {
      invalidated.put(spec, clock.millis());
      removed(spec);
    }
  }

  /**
   * Forgets the cached token of a spec only if it is still {@code rejected} (compared in full): when
   * many requests get a 401 for one token, the first invalidates it and the others leave its
   * replacement alone.
   */
  public void invalidate(TokenRequestSpec spec, String rejected) {
    Objects.requireNonNull(rejected, "rejected");
    Entry e = entries.get(Objects.requireNonNull(spec, "spec"));
    if (e != null) {
      boolean removed = false;
      synchronized (e) {
        IssuedToken t = e.state.token;
        if (t != null && t.token().equals(rejected)) {
          removed = remove(e);
        }
      }
      if (removed) {
        invalidated.put(spec, clock.millis());
        removed(spec);
      }
    }
  }

  /** How many tokens are cached. */
  public int size() {
    return entries.size();
  }

  /** The cached token's age (now minus its estimated issue time), if one is cached. */
  public Optional<Duration> tokenAge(TokenRequestSpec spec) {
    Entry e = entries.get(spec);
    IssuedToken t = e == null ? null : e.state.token;
    return t == null ? Optional.empty() : Optional.of(Duration.between(t.issuedAt(), clock.instant()));
  }

  /** The time left until the cached token expires, if one is cached. */
  public Optional<Duration> timeToExpiry(TokenRequestSpec spec) {
    Entry e = entries.get(spec);
    IssuedToken t = e == null ? null : e.state.token;
    return t == null ? Optional.empty() : Optional.of(Duration.between(clock.instant(), t.expiresAt()));
  }

  /**
   * The times of each cached token (expiry, age, {@code warnafter}), without the tokens, by key, as
   * of one reading of the clock. Keys with no token yet are left out. Takes no lock.
   */
  public Map<TokenRequestSpec, TokenStatus> tokenStatus() {
    Instant now = clock.instant();
    Map<TokenRequestSpec, TokenStatus> out = new LinkedHashMap<>();
    for (Entry e : entries.values()) {
      TokenStatus st = status(e.state, now);
      if (st != null) {
        out.put(e.spec, st);
      }
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  /** The times of the spec's cached token, without the token; empty when none is cached. */
  public Optional<TokenStatus> tokenStatus(TokenRequestSpec spec) {
    Entry e = entries.get(Objects.requireNonNull(spec, "spec"));
    return e == null ? Optional.empty() : Optional.ofNullable(status(e.state, clock.instant()));
  }

  private static @Nullable TokenStatus status(State s, Instant now) {
    IssuedToken t = s.token;
    if (t == null) {
      return null;
    }
    return new TokenStatus(now, Optional.of(t.issuedAt()), Optional.of(t.expiresAt()), Optional.ofNullable(s.warnAfter));
  }

  /** Refreshes by result and trigger, stale tokens served and the last failure, since the provider was built. */
  public Stats stats() {
    Map<Trigger, Long> ok = new EnumMap<>(Trigger.class);
    Map<Trigger, Long> failed = new EnumMap<>(Trigger.class);
    for (Trigger t : Trigger.values()) {
      ok.put(t, refreshOk[t.ordinal()].sum());
      failed.put(t, refreshFailed[t.ordinal()].sum());
    }
    long last = lastFailureMillis;
    return new Stats(ok, failed, staleServed.sum(), last == Long.MIN_VALUE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(last)));
  }

  /**
   * Adds a listener, heard after those added before it (the {@linkplain Builder#listener builder's}
   * first); for a metrics binder attached to a provider built elsewhere. Thread-safe.
   */
  public void addListener(Listener value) {
    listeners.add(Objects.requireNonNull(value, "listener"));
  }

  /** Removes a listener added with {@link #addListener}; false if it was not there. Thread-safe. */
  public boolean removeListener(Listener value) {
    return listeners.remove(Objects.requireNonNull(value, "listener"));
  }

  private static LongAdder[] adders() {
    LongAdder[] a = new LongAdder[Trigger.values().length];
    for (int i = 0; i < a.length; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  /**
   * Stops all background work: cancels the timers and the purge, starts no request afterwards (one
   * already handed to the fetch executor ends without calling the fetcher), fails the callers waiting
   * for one with an {@link IllegalStateException}, and shuts down the provider's own threads (waiting
   * up to 5 s for each pool). A supplied scheduler or fetch executor is left running. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    if (purge != null) {
      purge.cancel(false);
    }
    List<CompletableFuture<IssuedToken>> waiting = new ArrayList<>();
    List<TokenRequestSpec> removedSpecs = new ArrayList<>();
    for (Entry e : entries.values()) {
      synchronized (e) {
        if (e.inflight != null) {
          waiting.add(e.inflight);
        }
        if (remove(e)) {
          removedSpecs.add(e.spec);
        }
      }
    }
    entries.clear();
    invalidated.clear();
    purgedAfterFailures.clear();
    removedSpecs.forEach(this::removed);
    waiting.forEach(f -> f.completeExceptionally(closedException()));
    if (ownScheduler != null) {
      ownScheduler.shutdownNow();
    }
    if (ownFetchers != null) {
      ownFetchers.shutdownNow();
    }
    try {
      if (ownScheduler != null && !ownScheduler.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("the token refresh timer did not stop within 5 s");
      }
      if (ownFetchers != null && !ownFetchers.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("a token request did not stop within 5 s of close()");
      }
      // A terminated pool's last worker may still be returning from its run loop: wait (bounded) for it to end.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      for (Thread t : ownThreads) {
        long left = deadline - System.nanoTime();
        if (left > 0 && t != Thread.currentThread()) {
          t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "CachingTokenProvider[" + entries.size() + " tokens]";
  }

  /** Settings of a {@link CachingTokenProvider}. Not thread-safe; each {@link #build()} makes an independent provider. */
  public static final class Builder {
    private final Function<TokenRequestSpec, IssuedToken> fetcher;
    private Clock clock = Clock.systemUTC();
    private @Nullable ScheduledExecutorService scheduler;
    private @Nullable Executor fetchExecutor;
    private LongSupplier ticker = System::nanoTime;
    private LongSupplier jitterSeconds = () -> ThreadLocalRandom.current().nextInt(KubeletRefreshPolicy.MAX_JITTER_SECONDS);
    private Listener listener = new Listener() {};
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofMinutes(1);
    private Duration maxBackoffWithoutToken = DEFAULT_MAX_BACKOFF_WITHOUT_TOKEN;
    private Duration purgeInterval = Duration.ofMinutes(1);
    private Duration maxWait = DEFAULT_MAX_WAIT;

    private Builder(Function<TokenRequestSpec, IssuedToken> fetcher) {
      this.fetcher = fetcher;
    }

    /** The clock; default {@link Clock#systemUTC()}. Every hit reads it. */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /**
     * The timer for background refreshes and purges; default a single daemon thread
     * ({@code sa-identity-token-refresh}), shut down by {@code close()}. A supplied scheduler is not
     * shut down; {@code close()} cancels the provider's tasks on it. Only timers run on it, never a
     * request.
     */
    public Builder scheduler(ScheduledExecutorService value) {
      this.scheduler = Objects.requireNonNull(value, "scheduler");
      return this;
    }

    /**
     * Where token requests run; default {@value CachingTokenProvider#DEFAULT_FETCH_THREADS} daemon threads of the
     * provider's own ({@code sa-identity-token-fetch-N}, ending after 30 s idle), shut down by {@code
     * close()}. At most one task per cached key is queued. A supplied executor is not shut down.
     */
    public Builder fetchExecutor(Executor value) {
      this.fetchExecutor = Objects.requireNonNull(value, "fetchExecutor");
      return this;
    }

    /** Monotonic nanoseconds for the waits and the abandonment of stuck requests; default {@code System::nanoTime}. A test seam. */
    Builder ticker(LongSupplier value) {
      this.ticker = Objects.requireNonNull(value, "ticker");
      return this;
    }

    /** The jitter in whole seconds (reduced modulo 10); default uniform in 0–9 as the kubelet draws it. */
    public Builder jitterSeconds(LongSupplier value) {
      this.jitterSeconds = Objects.requireNonNull(value, "jitterSeconds");
      return this;
    }

    /** Hooks for refreshes and failures; default none. */
    public Builder listener(Listener value) {
      this.listener = Objects.requireNonNull(value, "listener");
      return this;
    }

    /**
     * The retry backoff after failures and after tokens that arrive already due for refresh: doubling
     * from {@code initial} up to {@code max}, plus up to 20 % jitter; default 1 s to 1 min. A failed
     * refresh of a valid token is retried no sooner than this, and otherwise late in the token's time
     * left (see the class comment); a key without a valid token doubles on up to {@link
     * #maxBackoffWithoutToken}. A scheduled refresh never comes sooner than {@link
     * CachingTokenProvider#MIN_REFRESH_DELAY} (1 s).
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

    /**
     * The longest backoff of a key with no valid token (it expired, or none was ever issued) after
     * failed requests: doubling from the initial {@linkplain #backoff backoff} up to this, plus up to
     * 20 % jitter, and at least the server's {@code Retry-After}; default {@link
     * CachingTokenProvider#DEFAULT_MAX_BACKOFF_WITHOUT_TOKEN} (2 min). During the backoff a {@code get}
     * of the key fails at once without a request, and the key is retried when it ends, once a {@code
     * get} asked for it: callers that all lost their tokens in an outage do not all ask again at its
     * end. The first request for a key, with no failure before it, is never delayed.
     *
     * @throws IllegalArgumentException if not positive, or over a day
     */
    public Builder maxBackoffWithoutToken(Duration value) {
      if (value.isNegative() || value.isZero() || value.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("maxBackoffWithoutToken must be positive and at most a day, got " + value);
      }
      this.maxBackoffWithoutToken = value;
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

    /**
     * How long a {@code get} that finds no usable token waits for the request in flight before it
     * throws a {@link TokenRequestException} ({@code UNAVAILABLE}); the request goes on and its answer
     * is cached. A request still unanswered after twice this time (a fetcher without a deadline, an
     * executor that dropped the task) is abandoned: the next caller asks again, and its late answer
     * is discarded. Default {@link CachingTokenProvider#DEFAULT_MAX_WAIT} (30 s).
     *
     * @throws IllegalArgumentException if not positive, or over a day
     */
    public Builder maxWait(Duration value) {
      if (value.isNegative() || value.isZero() || value.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("maxWait must be positive and at most a day, got " + value);
      }
      this.maxWait = value;
      return this;
    }

    /** The provider. */
    public CachingTokenProvider build() {
      return new CachingTokenProvider(this);
    }
  }
}
