package dev.saidentity.tokenrequest;

import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.Fault;
import dev.saidentity.testing.SettableClock;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * A fleet of pods, each with one token key (its own ServiceAccount and audience, a lifetime of 1 h or
 * 24 h), refreshed by one {@link CachingTokenProvider} under the kubelet policy in virtual time: the
 * provider's clock is a {@link SettableClock} and its timer a {@link VirtualTimeScheduler}, and every
 * request runs at once on the simulation's thread. Each pod's caller calls {@code get()} once a
 * simulated minute from its start. An outage window makes every TokenRequest fail.
 *
 * <p>Pods start at a uniformly random second within their token's first refresh period (48 min for 1
 * h tokens, 19.2 h for 24 h tokens): a fleet that has run for a while has token ages spread that
 * way (the equilibrium of a renewal process), so the request rate is stationary from the start rather
 * than a start-up wave that the refresh period then repeats. Not thread-safe: one run, one thread.
 */
final class FleetSimulation {

  static final Instant EPOCH = Instant.parse("2026-06-01T00:00:00Z");
  static final long H1 = 3600;
  static final long H24 = 86_400;

  /** One pod: its key, its token lifetime, and the second of its first {@code get()}. */
  record Pod(int id, TokenRequestSpec spec, long lifetimeSeconds, long startSecond) {}

  /** Every TokenRequest fails from {@code startSecond} (inclusive) to {@code endSecond} (exclusive). */
  record Outage(long startSecond, long endSecond) {
    boolean covers(long millis) {
      return millis >= startSecond * 1000 && millis < endSecond * 1000;
    }
  }

  /** Makes a TokenRequest fail (in-process) or not, or sets the fake server's fault (over HTTP). */
  interface Api {
    /** Issues a token for the spec at the clock's time, or throws as the API would. */
    IssuedToken request(TokenRequestSpec spec);

    /** The outage begins ({@code true}) or ends. */
    void outage(boolean on);
  }

  /** The kubelet's refresh period of a lifetime in seconds: 80 % of it, at most 24 h (before the jitter). */
  static long refreshPeriodSeconds(long lifetimeSeconds) {
    return Math.min(lifetimeSeconds * 80 / 100, KubeletRefreshPolicy.MAX_TTL.getSeconds());
  }

  /** {@code n} pods, alternately 1 h and 24 h tokens, started as the class comment says. */
  static List<Pod> fleet(int n, long seed) {
    Random r = new Random(seed);
    List<Pod> pods = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long lifetime = i % 2 == 0 ? H1 : H24;
      TokenRequestSpec spec = TokenRequestSpec.builder(namespace(i), "sa-" + i).audience("aud-" + i)
          .expiration(Duration.ofSeconds(lifetime)).build();
      pods.add(new Pod(i, spec, lifetime, (long) (r.nextDouble() * refreshPeriodSeconds(lifetime))));
    }
    return pods;
  }

  static String namespace(int pod) {
    return "ns-" + pod % 20;
  }

  /** The in-process stand-in of the TokenRequest API: issues opaque tokens for the requested lifetime; fails during the outage. */
  static final class StandIn implements Api {
    private final SettableClock clock;
    private boolean down;
    private long issued;

    StandIn(SettableClock clock) {
      this.clock = clock;
    }

    @Override
    public IssuedToken request(TokenRequestSpec spec) {
      if (down) {
        throw new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 503, null, "the API server is down (simulated)", null);
      }
      return IssuedToken.of("opaque-" + ++issued, clock.instant().plus(spec.expiration()), spec.expiration(), spec.audiences());
    }

    @Override
    public void outage(boolean on) {
      down = on;
    }
  }

  /** The fake API server over HTTP: every ServiceAccount created, tokens from its TokenRequest endpoint, the outage a 503 fault. */
  static final class Http implements Api {
    static final String TOKEN_PATH = "/api/v1/namespaces/*/serviceaccounts/*/token";
    private final FakeKubernetesApiServer server;
    private final TokenRequestClient client;

    Http(FakeKubernetesApiServer server, List<Pod> pods) {
      this.server = server;
      for (int ns = 0; ns < Math.min(20, pods.size()); ns++) {
        server.createNamespace(namespace(ns));
      }
      pods.forEach(p -> server.createServiceAccount(p.spec().namespace(), p.spec().serviceAccount()));
      this.client = TokenRequestClient.create(new ClientBuilder().setBasePath(server.url())
          .setAuthentication(new AccessTokenAuthentication(server.adminToken())).build());
    }

    @Override
    public IssuedToken request(TokenRequestSpec spec) {
      return client.request(spec);
    }

    @Override
    public void outage(boolean on) {
      if (on) {
        server.setFault("POST", TOKEN_PATH, Fault.status(503));
      } else {
        server.clearFaults();
      }
    }
  }

  /** What a run saw. Per-minute arrays are indexed by simulated minute. */
  static final class Result {
    final int minutes;
    /** TokenRequests (attempts) started in each minute. */
    final long[] requests;
    /** Of those, the failed ones. */
    final long[] failures;
    /** Of the requests, those a caller's {@code get()} made itself (no usable token), not the timer. */
    final long[] callerRequests;
    long gets;
    long expiredServed;
    long refusals;
    long refusalsWhileValid;
    long staleServed;
    long scheduledTasks;
    /**
     * For each key whose token expired before the outage ended (or that had none), how long after
     * the end it got a new one, in millis.
     */
    final List<Long> recoveryWaits = new ArrayList<>();
    /** Keys whose token expired after the outage ended, before a refresh succeeded: it lapsed while the API was up. */
    long lapsedAfterRecovery;

    Result(int minutes) {
      this.minutes = minutes;
      this.requests = new long[minutes];
      this.failures = new long[minutes];
      this.callerRequests = new long[minutes];
    }

    long total() {
      return Arrays.stream(requests).sum();
    }

    long totalFailures() {
      return Arrays.stream(failures).sum();
    }

    /** Requests per minute over minutes [from, to). */
    long[] window(int from, int to) {
      return Arrays.copyOfRange(requests, from, to);
    }
  }

  static double mean(long[] xs) {
    return Arrays.stream(xs).average().orElseThrow();
  }

  static long max(long[] xs) {
    return Arrays.stream(xs).max().orElseThrow();
  }

  /** The nearest-rank percentile. */
  static long percentile(long[] xs, double p) {
    long[] s = xs.clone();
    Arrays.sort(s);
    return s[(int) Math.ceil(p / 100 * s.length) - 1];
  }

  private final List<Pod> pods;
  private final long hours;
  private final Outage outage;
  private final long seed;

  FleetSimulation(List<Pod> pods, long hours, Outage outage, long seed) {
    this.pods = pods;
    this.hours = hours;
    this.outage = outage;
    this.seed = seed;
  }

  /** The caller calls the pods make in a whole run: each once a minute from its start. */
  long expectedCalls() {
    return pods.stream().mapToLong(p -> (hours * 3600 - p.startSecond() + 59) / 60).sum();
  }

  /** Runs the fleet against {@code api} on {@code clock}, which must stand at {@link #EPOCH}. */
  Result run(SettableClock clock, Api api) {
    if (!clock.instant().equals(EPOCH)) {
      throw new IllegalArgumentException("the clock must start at " + EPOCH);
    }
    int minutes = (int) (hours * 60);
    Result result = new Result(minutes);
    long epochMillis = EPOCH.toEpochMilli();
    Map<TokenRequestSpec, Integer> ids = new HashMap<>();
    pods.forEach(p -> ids.put(p.spec(), p.id()));
    long[] latestExpiry = new long[pods.size()];
    Arrays.fill(latestExpiry, Long.MIN_VALUE);
    boolean[] inCaller = new boolean[1];
    Function<TokenRequestSpec, IssuedToken> counting = spec -> {
      long now = clock.millis();
      int minute = (int) ((now - epochMillis) / 60_000);
      boolean counted = minute >= 0 && minute < minutes;
      if (counted) {
        result.requests[minute]++;
        if (inCaller[0]) {
          result.callerRequests[minute]++;
        }
      }
      try {
        IssuedToken t = api.request(spec);
        int id = ids.get(spec);
        long outageEnd = epochMillis + outage.endSecond() * 1000;
        if (latestExpiry[id] != Long.MIN_VALUE && latestExpiry[id] <= now && now >= outageEnd) {
          if (latestExpiry[id] <= outageEnd) {
            result.recoveryWaits.add(now - outageEnd);
          } else {
            result.lapsedAfterRecovery++;
          }
        }
        latestExpiry[id] = Math.max(latestExpiry[id], t.expiresAt().toEpochMilli());
        return t;
      } catch (RuntimeException e) {
        if (counted) {
          result.failures[minute]++;
        }
        throw e;
      }
    };
    VirtualTimeScheduler scheduler = new VirtualTimeScheduler(clock);
    Random jitter = new Random(seed ^ 0x5eed);
    // Callers by the second of the minute they call at.
    List<List<Pod>> bySecond = new ArrayList<>();
    for (int s = 0; s < 60; s++) {
      bySecond.add(new ArrayList<>());
    }
    pods.forEach(p -> bySecond.get((int) (p.startSecond() % 60)).add(p));
    PrintStream err = System.err;
    // Each failed request is a WARN line: thousands during the outage, written nowhere.
    System.setErr(new PrintStream(OutputStream.nullOutputStream()));
    try (CachingTokenProvider provider = CachingTokenProvider.builder(counting).clock(clock).scheduler(scheduler)
        .fetchExecutor(Runnable::run).ticker(() -> clock.millis() * 1_000_000L).jitterSeconds(() -> jitter.nextInt(10)).build()) {
      long end = hours * 3600;
      for (long s = 0; s < end; s++) {
        long at = epochMillis + s * 1000;
        scheduler.runUntil(at - 1);
        if (s == outage.startSecond()) {
          api.outage(true);
        } else if (s == outage.endSecond()) {
          api.outage(false);
        }
        scheduler.runUntil(at);
        for (Pod p : bySecond.get((int) (s % 60))) {
          if (p.startSecond() <= s) {
            call(provider, p, at, latestExpiry, inCaller, result);
          }
        }
      }
      result.staleServed = provider.stats().staleTokensServed();
      result.scheduledTasks = scheduler.ran();
    } finally {
      System.setErr(err);
    }
    return result;
  }

  private static void call(CachingTokenProvider provider, Pod p, long now, long[] latestExpiry, boolean[] inCaller, Result result) {
    inCaller[0] = true;
    try {
      IssuedToken t = provider.get(p.spec());
      result.gets++;
      if (t.expiresAt().toEpochMilli() <= now) {
        result.expiredServed++;
      }
    } catch (TokenRequestException refused) {
      result.refusals++;
      if (latestExpiry[p.id()] > now) {
        result.refusalsWhileValid++; // a token issued for this key was still valid
      }
    } finally {
      inCaller[0] = false;
    }
  }

  /**
   * The request count the policy predicts, as a mean-field schedule per pod (each random draw at its
   * mean): the first request at its start; then one every refresh period less the mean jitter (4.5
   * s). A request due during the outage fails. While the cached token is valid, the timer retries it
   * late, at the mean margin of {@code [marginMinMillis, marginMaxMillis)} before its expiry, but never
   * sooner than the backoff at its mean (doubling from {@code initialBackoffMillis} to {@code
   * maxBackoffMillis}, plus a mean 10 % jitter); within the margin, halfway to the expiry (at least 1
   * s), and halfway too when the backoff would reach the expiry. Once no valid token is left, the
   * backoff doubles on up to {@code maxBackoffWithoutTokenMillis} (plus a mean 10 %), and each retry
   * is made at the backoff's end by the
   * timer if the pod's caller (once a minute) asked meanwhile, else by the caller's first call after
   * it. The first attempt after the outage succeeds, and the next refresh comes as much before the
   * kubelet's time as that token came late (modulo the period), so that the key keeps its place in the
   * schedule.
   *
   * @return {@code {successes, failures}}
   */
  long[] expected(long initialBackoffMillis, long maxBackoffMillis, long maxBackoffWithoutTokenMillis, long marginMinMillis,
      long marginMaxMillis) {
    long endMillis = hours * 3600 * 1000;
    long successes = 0;
    long failures = 0;
    for (Pod p : pods) {
      long periodMillis = refreshPeriodSeconds(p.lifetimeSeconds()) * 1000 - 4500 + 1;
      long t = p.startSecond() * 1000;
      long issued = -1;
      boolean afterFailures = false;
      long failingSince = 0;
      while (t < endMillis) {
        if (!outage.covers(t)) {
          successes++;
          issued = t;
          // after failures: as much before the kubelet's time as this token came late, modulo the period
          t += afterFailures ? Math.max(1000, periodMillis - Math.floorMod(t - failingSince, periodMillis)) : periodMillis;
          afterFailures = false;
          continue;
        }
        afterFailures = true;
        failingSince = t;
        long expiry = issued < 0 ? Long.MIN_VALUE : issued + p.lifetimeSeconds() * 1000;
        long callerPhase = Math.floorMod(p.startSecond() * 1000, 60_000);
        int step = 0;
        while (outage.covers(t)) {
          failures++;
          step++;
          long next;
          if (t < expiry) {
            long backoff = Math.min(maxBackoffMillis, initialBackoffMillis << Math.min(20, step - 1));
            long left = expiry - t;
            long late = left - (marginMinMillis + marginMaxMillis) / 2;
            long delay = late > 0 ? Math.max(late, backoff + backoff / 10) : Math.max(1000, left / 2);
            next = t + (delay >= left - 1000 && left >= 2000 ? left / 2 : delay);
            if (next >= expiry) { // expired before the retry: the timer makes it if a caller asked after the expiry
              long call = nextCallerMillis(expiry, callerPhase);
              next = Math.max(next, call);
            }
          } else {
            long backoff = Math.min(maxBackoffWithoutTokenMillis, initialBackoffMillis << Math.min(20, step - 1));
            next = t + backoff + backoff / 10;
            long call = nextCallerMillis(t + 1, callerPhase); // the first call after this request
            next = Math.max(next, call);
          }
          t = next;
        }
      }
    }
    return new long[] {successes, failures};
  }

  /** The first caller call at or after {@code millis} of a pod calling at {@code phase} within each minute. */
  private static long nextCallerMillis(long millis, long phase) {
    long m = Math.floorDiv(millis - phase, 60_000) * 60_000 + phase;
    return m >= millis ? m : m + 60_000;
  }
}
