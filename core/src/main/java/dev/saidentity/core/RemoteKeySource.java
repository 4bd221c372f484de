package dev.saidentity.core;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.saidentity.core.internal.KeySet;
import dev.saidentity.core.internal.Pem;
import dev.saidentity.core.internal.RegularFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verification keys fetched over HTTP(S) from a JWKS URL, or found through OpenID Connect discovery
 * ({@code <issuer>/.well-known/openid-configuration}, then its {@code jwks_uri}), as the API server
 * publishes them.
 *
 * <pre>{@code
 * try (RemoteKeySource keys = RemoteKeySource.discovery(URI.create("https://kubernetes.default.svc"))
 *     .caCertificatesFile(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"))
 *     .bearerToken(() -> Files.readString(tokenPath).strip())  // the discovery endpoints may need auth
 *     .build()) {
 *   TokenValidator validator = TokenValidator.builder().issuer(issuer).keys(keys).build();
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Fetching.</b> Nothing is fetched until a token is validated. While there are no keys at
 * all (the first validation, or every fetch so far failed), a validation starts a fetch or joins
 * the one running and waits for it, at most the {@link Builder#timeout(Duration) timeout} (default
 * 10 s). Once there are keys, no validation waits for a refresh: keys are cached for the
 * response's {@code Cache-Control: max-age} (default 1 hour without one, see {@link
 * Builder#defaultMaxAge(Duration)}; {@code no-cache}/{@code no-store} count as 0; the lifetime is
 * clamped to 1 s … 24 h), and once that has passed the next validation starts one refresh in the
 * background and is answered with the last good keys meanwhile (stale-while-revalidate). A token
 * whose kid is not in the set triggers a refetch ("a new key appeared"), at most once per {@link
 * Builder#minRefetchInterval(Duration) minimum refetch interval} (default 30 s) since the last
 * fetch; validations of such tokens (only those) wait for the fetch running, at most the timeout.
 * At most one fetch runs at a time; concurrent callers share it. When a fetch fails the last good
 * keys stay in use and further fetches back off: none for 1 s after the first failure, doubling
 * up to 30 s; meanwhile a validation that needs a fetch does not wait but is answered with the
 * keys there are (and, when none, the last error). Cache lifetimes, rate limits and back-off
 * follow a monotonic clock ({@link System#nanoTime()}), not the validator's {@link
 * java.time.Clock}, so a wall-clock step neither expires nor pins keys.
 *
 * <p><b>Bounds.</b> Each fetch (discovery document and JWKS together) has a whole-call deadline of
 * the timeout, enforced by this class after the response headers too (the JDK's own request
 * timeout stops counting once headers arrive, JDK-8258397); the connect timeout is the same. Each
 * response body is read with a cap of 1 MiB, checked while reading (a larger {@code
 * Content-Length} is refused before reading). The discovery document must be a JSON object nested
 * at most 32 levels, with {@code issuer} and {@code jwks_uri} each at most once. Redirects are not
 * followed. HTTPS is required except to loopback hosts. Header URLs in tokens ({@code jku}, {@code
 * x5u}) are never fetched. A key set with an RSA key under 2048 bits is a failed fetch (see {@link
 * Builder#minRsaBits(int)}).
 *
 * <p><b>Threads.</b> Fetches run on the source's own daemon threads, named {@code
 * sa-identity-remote-keys-<n>-<m>}, that end when idle for 30 s (or on an {@link
 * Builder#executor(Executor) executor} you give). {@link #close()} cancels a fetch in progress,
 * releases callers waiting for it and stops the source's threads; afterwards every token is refused
 * with {@code UNKNOWN_KEY}. The JDK's HTTP client keeps a daemon selector thread of its own until
 * the source is garbage-collected (Java 17's {@code HttpClient} cannot be closed).
 *
 * <p>Thread-safe; no lock is taken, and no validation holds anything while a fetch waits on the
 * network: the state (keys, expiry, retry times, last error, the fetch in flight) is one immutable
 * snapshot swapped by compare-and-set.
 */
public final class RemoteKeySource extends KeySource implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RemoteKeySource.class);
  private static final Pattern MAX_AGE = Pattern.compile("(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d{1,10})\"?");
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** The cap on each response body: 1 MiB. */
  static final int MAX_BODY_BYTES = 1 << 20;
  /** How deeply the discovery document may nest. */
  static final int DISCOVERY_NESTING_LIMIT = 32;
  /** The shortest a fetched key set is cached (so {@code max-age=0} is not a fetch per validation). */
  static final Duration MIN_LIFETIME = Duration.ofSeconds(1);
  /** The longest a fetched key set is cached, whatever {@code max-age} says. */
  static final Duration MAX_LIFETIME = Duration.ofHours(24);
  /** The wait after the first failed fetch; it doubles with each further failure. */
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  /** The longest wait between fetches of a failing endpoint. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final String ACCEPT_JWKS = "application/jwk-set+json, application/json";

  private final @Nullable URI jwksUri;
  private final @Nullable URI issuer;
  private final HttpClient http;
  private final @Nullable Supplier<String> bearer;
  private final long minRefetchNanos;
  private final int minRsaBits;
  private final Duration defaultMaxAge;
  private final Duration timeout;
  private final long timeoutNanos;
  private final LongSupplier ticker;
  private final ThreadPoolExecutor threads;
  private final Executor fetchExecutor;
  /** HTTP exchanges in progress, cancelled by {@link #close()}. */
  private final Set<Future<?>> calls = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Snapshot> state;
  private volatile boolean closed;
  private final LongAdder fetchSuccesses = new LongAdder();
  private final LongAdder fetchFailures = new LongAdder();

  /** A fetch in flight: the callers waiting for it share its future. */
  private static final class Claim {
    final CompletableFuture<Snapshot> done = new CompletableFuture<>();
    final long claimedAt;

    Claim(long claimedAt) {
      this.claimedAt = claimedAt;
    }
  }

  /**
   * Everything that changes together. Times are ticker readings (nanoseconds, compared by
   * difference so that wrap-around is harmless).
   *
   * @param keys the last good keys (empty until a fetch succeeds)
   * @param refreshAt when the keys are due for a refresh
   * @param unknownKidAt the earliest time an unknown kid may trigger a fetch
   * @param retryAt the earliest time of any fetch (back-off after failures)
   * @param failures consecutive failed fetches
   * @param error why the last fetch failed; empty after a success
   * @param fetching the fetch in flight, if any
   */
  private record Snapshot(KeySet keys, long refreshAt, long unknownKidAt, long retryAt, int failures, String error,
      @Nullable Claim fetching) {

    Snapshot with(@Nullable Claim c) {
      return new Snapshot(keys, refreshAt, unknownKidAt, retryAt, failures, error, c);
    }
  }

  /** Why a fetch is wanted; each has its own rule. */
  private enum Trigger {
    NO_KEYS, EXPIRED, UNKNOWN_KID;

    boolean allows(Snapshot s, long now) {
      if (!reached(now, s.retryAt)) {
        return false;
      }
      switch (this) {
        case NO_KEYS:
          return s.keys.isEmpty();
        case EXPIRED:
          return reached(now, s.refreshAt);
        default:
          return reached(now, s.unknownKidAt);
      }
    }
  }

  private RemoteKeySource(Builder b) {
    this.jwksUri = b.jwksUri;
    this.issuer = b.issuer;
    this.bearer = b.bearer;
    this.minRefetchNanos = b.minRefetch.toNanos();
    this.minRsaBits = b.minRsaBits;
    this.defaultMaxAge = b.defaultMaxAge;
    this.timeout = b.timeout;
    this.timeoutNanos = b.timeout.toNanos();
    this.ticker = b.ticker;
    int id = INSTANCES.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    this.threads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "sa-identity-remote-keys-" + id + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.fetchExecutor = b.executor != null ? b.executor : threads;
    HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(b.timeout).followRedirects(HttpClient.Redirect.NEVER)
        .executor(threads);
    if (b.sslContext != null) {
      hb.sslContext(b.sslContext);
    }
    this.http = hb.build();
    long now = ticker.getAsLong();
    this.state = new AtomicReference<>(new Snapshot(KeySet.EMPTY, now, now, now, 0, "", null));
  }

  /** Keys from a JWKS URL. */
  public static Builder jwks(URI jwksUri) {
    Builder b = new Builder();
    b.jwksUri = checkUrl(Objects.requireNonNull(jwksUri, "jwksUri"), "JWKS URL");
    return b;
  }

  /**
   * Keys found by OIDC discovery from an issuer URL; the discovery document's {@code issuer} must
   * equal it exactly.
   */
  public static Builder discovery(URI issuer) {
    Builder b = new Builder();
    b.issuer = checkUrl(Objects.requireNonNull(issuer, "issuer"), "issuer URL");
    return b;
  }

  private static boolean reached(long now, long at) {
    return now - at >= 0;
  }

  @Override
  KeySet current(Instant ignored) {
    if (closed) {
      return KeySet.EMPTY;
    }
    long now = ticker.getAsLong();
    Snapshot s = state.get();
    if (!reached(now, s.refreshAt)) {
      return s.keys;
    }
    if (!s.keys.isEmpty()) {
      claim(now, Trigger.EXPIRED); // in the background: the stale keys answer meanwhile
      return s.keys;
    }
    return await(claim(now, Trigger.NO_KEYS));
  }

  @Override
  KeySet unknownKid(Instant ignored) {
    if (closed) {
      return KeySet.EMPTY;
    }
    return await(claim(ticker.getAsLong(), Trigger.UNKNOWN_KID));
  }

  @Override
  String unavailableReason() {
    if (closed) {
      return this + " is closed";
    }
    Snapshot s = state.get();
    if (!s.error.isEmpty()) {
      return s.error;
    }
    if (s.keys.isEmpty() && s.fetching != null) {
      return "the first fetch from " + where() + " did not finish within " + format(timeout);
    }
    return "";
  }

  @Override
  int loadedKeyCount() {
    return closed ? 0 : state.get().keys.all().size();
  }

  /** Fetches whose outcome was published: those discarded (replaced claim, closed source) are not counted. */
  @Override
  long refreshCount(boolean success) {
    return (success ? fetchSuccesses : fetchFailures).sum();
  }

  /**
   * Joins the fetch in flight, or starts one if {@code why} allows it now; null when neither. The
   * claim is one compare-and-set on the snapshot, so concurrent callers share one fetch.
   */
  private @Nullable CompletableFuture<Snapshot> claim(long now, Trigger why) {
    for (;;) {
      Snapshot s = state.get();
      Claim running = s.fetching;
      if (running != null) {
        if (!reached(now, running.claimedAt + 2 * timeoutNanos)) {
          return running.done;
        }
        // Its executor never ran it (our own fetches end by their deadline): replace it; should it
        // still run, its result is discarded because it no longer holds the claim.
        if (state.compareAndSet(s, s.with(null))) {
          running.done.complete(s);
        }
        continue;
      }
      if (closed || !why.allows(s, now)) {
        return null;
      }
      Claim mine = new Claim(now);
      if (state.compareAndSet(s, s.with(mine))) {
        try {
          fetchExecutor.execute(() -> fetch(mine));
        } catch (RejectedExecutionException e) {
          finish(mine, now, null, Duration.ZERO, "the fetch executor refused the fetch from " + where());
        }
        return mine.done;
      }
    }
  }

  /** Waits for a fetch, at most the timeout; then the keys there are. */
  private KeySet await(@Nullable CompletableFuture<Snapshot> f) {
    if (f != null) {
      try {
        f.get(timeoutNanos, TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException | CancellationException e) {
        // the keys there are, and unavailableReason() says why there are none
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return closed ? KeySet.EMPTY : state.get().keys;
  }

  /** One fetch, on the fetch executor: discovery (if configured) and JWKS within one deadline. */
  private void fetch(Claim mine) {
    long start = ticker.getAsLong();
    KeySet fresh = null;
    Duration maxAge = Duration.ZERO;
    String error = "fetching keys from " + where() + " failed";
    try {
      if (closed) {
        error = "closed";
        return;
      }
      long deadline = mine.claimedAt + timeoutNanos;
      URI uri = jwksUri != null ? jwksUri : discoverJwksUri(deadline);
      Fetched f = get(uri, ACCEPT_JWKS, deadline);
      fresh = KeySource.jwks(f.body, "JWKS from " + uri, minRsaBits);
      maxAge = f.maxAge;
      LOG.debug("fetched {} keys from {}, cached for {}", fresh.all().size(), uri, maxAge);
    } catch (KeySourceException e) {
      error = String.valueOf(e.getMessage());
    } catch (RuntimeException e) {
      // e.g. the bearer-token supplier failed; its message might hold secrets, so only its type
      error = "fetching keys from " + where() + " failed: " + e.getClass().getName();
    } finally {
      finish(mine, start, fresh, maxAge, error);
    }
  }

  /** Publishes a fetch's outcome, unless the claim was replaced or the source closed meanwhile. */
  private void finish(Claim mine, long start, @Nullable KeySet fresh, Duration maxAge, String error) {
    for (;;) {
      Snapshot s = state.get();
      if (s.fetching != mine || closed) {
        mine.done.complete(s);
        return;
      }
      Snapshot next;
      if (fresh != null) {
        long lifetime = lifetime(maxAge).toNanos();
        next = new Snapshot(fresh, start + lifetime, start + minRefetchNanos, start, 0, "", null);
      } else {
        int failures = s.failures + 1;
        long backoff = FIRST_BACKOFF.toNanos() << Math.min(failures - 1, 10);
        backoff = Math.min(backoff, MAX_BACKOFF.toNanos());
        next = new Snapshot(s.keys, s.refreshAt, start + minRefetchNanos, start + backoff, failures, error, null);
      }
      if (state.compareAndSet(s, next)) {
        (fresh == null ? fetchFailures : fetchSuccesses).increment();
        if (fresh == null) {
          LOG.warn("could not refresh verification keys, keeping the {} last good ones: {}", s.keys.all().size(), error);
        }
        mine.done.complete(next);
        return;
      }
    }
  }

  private static Duration lifetime(Duration maxAge) {
    if (maxAge.compareTo(MIN_LIFETIME) < 0) {
      return MIN_LIFETIME;
    }
    return maxAge.compareTo(MAX_LIFETIME) > 0 ? MAX_LIFETIME : maxAge;
  }

  /**
   * Cancels a fetch in progress, releases the callers waiting for it and stops the source's own
   * threads (not those of an executor given to {@link Builder#executor(Executor)}). Afterwards no
   * key is fetched or served: every token is refused with {@code UNKNOWN_KEY}. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    Snapshot s = state.getAndUpdate(x -> x.with(null));
    for (Future<?> call : calls) {
      call.cancel(true);
    }
    if (s.fetching != null) {
      s.fetching.done.complete(s);
    }
    threads.shutdownNow();
  }

  /** For tests: whether the source's own threads ended within {@code d} after {@link #close()}. */
  boolean awaitTermination(Duration d) {
    try {
      return threads.awaitTermination(d.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private String where() {
    return String.valueOf(jwksUri != null ? jwksUri : issuer);
  }

  private URI discoverJwksUri(long deadline) {
    String base = Objects.requireNonNull(issuer).toString();
    String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    URI configUri = URI.create(trimmed + "/.well-known/openid-configuration");
    Fetched f = get(configUri, "application/json", deadline);
    List<@Nullable String> doc = readDiscovery(f.body, configUri);
    String docIssuer = doc.get(0);
    if (!base.equals(docIssuer)) {
      throw new KeySourceException("discovery document at " + configUri + " names issuer " + quote(docIssuer)
          + ", expected exactly " + quote(base));
    }
    String jwks = doc.get(1);
    if (jwks == null || jwks.isEmpty()) {
      throw new KeySourceException("discovery document at " + configUri + " has no jwks_uri");
    }
    try {
      return checkUrl(URI.create(jwks), "jwks_uri");
    } catch (IllegalArgumentException e) {
      throw new KeySourceException("discovery document at " + configUri + ": " + e.getMessage());
    }
  }

  /**
   * The top-level {@code issuer} and {@code jwks_uri} strings (null when absent or not strings) of
   * a discovery document, read as a stream: a JSON object nested at most {@value
   * #DISCOVERY_NESTING_LIMIT} levels, each of the two members at most once, nothing after it.
   */
  static List<@Nullable String> readDiscovery(String json, URI where) {
    String[] names = {"issuer", "jwks_uri"};
    @Nullable String[] values = new @Nullable String[2];
    boolean[] seen = new boolean[2];
    try (JsonReader r = new JsonReader(new StringReader(json))) {
      r.setStrictness(Strictness.STRICT);
      r.setNestingLimit(DISCOVERY_NESTING_LIMIT);
      r.beginObject();
      while (r.hasNext()) {
        String name = r.nextName();
        int i = name.equals(names[0]) ? 0 : name.equals(names[1]) ? 1 : -1;
        if (i < 0) {
          r.skipValue();
          continue;
        }
        if (seen[i]) {
          throw new KeySourceException("discovery document at " + where + " has \"" + names[i] + "\" twice");
        }
        seen[i] = true;
        if (r.peek() == JsonToken.STRING) {
          values[i] = r.nextString();
        } else {
          r.skipValue();
        }
      }
      r.endObject();
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw new IOException("content after the object");
      }
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw new KeySourceException("discovery document at " + where + " is not a JSON object of at most "
          + DISCOVERY_NESTING_LIMIT + " levels");
    }
    return java.util.Arrays.asList(values);
  }

  private static String quote(@Nullable String s) {
    return s == null ? "none" : "\"" + s + "\"";
  }

  private static final class Fetched {
    final String body;
    final Duration maxAge;

    Fetched(String body, Duration maxAge) {
      this.body = body;
      this.maxAge = maxAge;
    }
  }

  /** One GET, answered within the deadline, its body read up to the cap. */
  private Fetched get(URI uri, String accept, long deadline) {
    long remaining = deadline - ticker.getAsLong();
    if (remaining <= 0) {
      throw new KeySourceException("GET " + uri + " did not complete within " + format(timeout));
    }
    HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofNanos(remaining)).header("Accept", accept).GET();
    if (bearer != null) {
      String token = bearer.get();
      if (token != null && !token.isBlank()) {
        rb.header("Authorization", "Bearer " + token.strip());
      }
    }
    CompletableFuture<HttpResponse<byte[]>> call = http.sendAsync(rb.build(), CappedBody.handler(MAX_BODY_BYTES));
    calls.add(call);
    HttpResponse<byte[]> resp;
    try {
      if (closed) {
        call.cancel(true);
      }
      resp = call.get(remaining, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new KeySourceException("GET " + uri + " did not complete within " + format(timeout));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KeySourceException("GET " + uri + " was interrupted");
    } catch (CancellationException e) {
      throw new KeySourceException("GET " + uri + " was cancelled");
    } catch (ExecutionException e) {
      throw failure(uri, e.getCause());
    } finally {
      call.cancel(true); // a no-op once complete; otherwise aborts the exchange
      calls.remove(call);
    }
    if (resp.statusCode() != 200) {
      throw new KeySourceException("GET " + uri + " answered HTTP " + resp.statusCode());
    }
    Duration maxAge = defaultMaxAge;
    String cc = resp.headers().firstValue("Cache-Control").orElse("").toLowerCase(Locale.ROOT);
    Matcher m = MAX_AGE.matcher(cc);
    if (cc.contains("no-store") || cc.contains("no-cache")) {
      maxAge = Duration.ZERO;
    } else if (m.find()) {
      maxAge = Duration.ofSeconds(Long.parseLong(m.group(1)));
    }
    return new Fetched(new String(resp.body(), StandardCharsets.UTF_8), maxAge);
  }

  private KeySourceException failure(URI uri, @Nullable Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof BodyTooLarge) {
        return new KeySourceException("GET " + uri + " answered more than " + MAX_BODY_BYTES + " bytes");
      }
      if (t instanceof HttpTimeoutException) {
        return new KeySourceException("GET " + uri + " did not complete within " + format(timeout));
      }
    }
    Throwable t = cause == null ? new IOException() : cause;
    // The JDK wraps the real failure (e.g. SSLHandshakeException) in a bare IOException.
    if (t.getClass() == IOException.class && t.getCause() != null) {
      t = t.getCause();
    }
    return new KeySourceException("GET " + uri + " failed: " + t.getClass().getSimpleName()
        + (t.getMessage() == null ? "" : " " + t.getMessage()));
  }

  static String format(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }

  /** Thrown into the response future when a body passes the cap. */
  private static final class BodyTooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    BodyTooLarge() {
      super("response body over the cap");
    }
  }

  /**
   * A body subscriber that keeps at most {@code cap} bytes and cancels the exchange as soon as more
   * arrive; bodies of non-200 answers are not read at all.
   */
  private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int cap;
    private final boolean refuse;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private Flow.@Nullable Subscription subscription;

    private CappedBody(int cap, boolean refuse) {
      this.cap = cap;
      this.refuse = refuse;
    }

    static HttpResponse.BodyHandler<byte[]> handler(int cap) {
      return info -> {
        if (info.statusCode() != 200) {
          return new CappedBody(0, false);
        }
        long declared;
        try {
          declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        } catch (NumberFormatException e) {
          declared = -1;
        }
        return new CappedBody(cap, declared > cap);
      };
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (refuse) {
        s.cancel();
        body.completeExceptionally(new BodyTooLarge());
      } else if (cap == 0) {
        s.cancel();
        body.complete(new byte[0]);
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      Flow.Subscription s = Objects.requireNonNull(subscription);
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        int n = b.remaining();
        if (n > cap - out.size()) {
          s.cancel();
          body.completeExceptionally(new BodyTooLarge());
          return;
        }
        byte[] chunk = new byte[n];
        b.get(chunk);
        out.write(chunk, 0, n);
      }
      s.request(1);
    }

    @Override
    public void onError(Throwable t) {
      body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      body.complete(out.toByteArray());
    }

    @Override
    public java.util.concurrent.CompletionStage<byte[]> getBody() {
      return body;
    }
  }

  static URI checkUrl(URI uri, String what) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new IllegalArgumentException(what + " must be an absolute https URL, got " + uri);
    }
    if (scheme.equals("http") && !isLoopback(uri.getHost())) {
      throw new IllegalArgumentException(what + " must use https (plain http is allowed only for loopback), got " + uri);
    }
    return uri;
  }

  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1") || h.matches("127(\\.\\d{1,3}){3}");
  }

  @Override
  public String toString() {
    return "RemoteKeySource[" + (jwksUri != null ? "jwks " + jwksUri : "discovery " + issuer) + "]";
  }

  /** Settings of a {@link RemoteKeySource}. Not thread-safe; build once. */
  public static final class Builder {
    private @Nullable URI jwksUri;
    private @Nullable URI issuer;
    private @Nullable SSLContext sslContext;
    private @Nullable Supplier<String> bearer;
    private Duration minRefetch = Duration.ofSeconds(30);
    private Duration defaultMaxAge = Duration.ofHours(1);
    private Duration timeout = Duration.ofSeconds(10);
    private LongSupplier ticker = System::nanoTime;
    private @Nullable Executor executor;
    private int minRsaBits = KeySource.DEFAULT_MIN_RSA_BITS;

    private Builder() {}

    /** For tests: the monotonic clock, in nanoseconds; default {@link System#nanoTime()}. */
    Builder ticker(LongSupplier nanoTicker) {
      this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
      return this;
    }

    /**
     * Run fetches on this executor instead of the source's own daemon threads (the HTTP client
     * still uses the source's threads). {@link RemoteKeySource#close()} does not shut it down. A
     * fetch that the executor has not run within twice the timeout is abandoned and another may
     * start.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Trust only the CA certificates in this PEM file (e.g. the pod's {@code ca.crt}) instead of
     * the JVM's default trust store. At most 1 MiB is read.
     *
     * @throws KeySourceException if the file cannot be read, is larger than 1 MiB or holds no
     *     certificate
     */
    public Builder caCertificatesFile(Path pemFile) {
      byte[] pem;
      try {
        pem = RegularFiles.readCapped(pemFile, MAX_BODY_BYTES);
      } catch (RegularFiles.NotRegularFileException e) {
        throw new KeySourceException("cannot read CA file " + pemFile + ": not a regular file", e);
      } catch (IOException e) {
        throw new KeySourceException("cannot read CA file " + pemFile + ": " + e.getClass().getSimpleName(), e);
      }
      if (pem.length > MAX_BODY_BYTES) {
        throw new KeySourceException("CA file " + pemFile + " is larger than " + MAX_BODY_BYTES + " bytes");
      }
      return caCertificates(new String(pem, StandardCharsets.UTF_8));
    }

    /**
     * Trust only the CA certificates in this PEM text.
     *
     * @throws KeySourceException if it holds no certificate
     */
    public Builder caCertificates(String pem) {
      this.sslContext = sslContextTrusting(pem);
      return this;
    }

    /** Use this TLS context (for example with client certificates). */
    public Builder sslContext(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * Send {@code Authorization: Bearer <token>} with each request; the supplier is asked every
     * time, on the fetch thread. It should return promptly: the fetch's deadline cannot interrupt
     * it. If it throws, the fetch fails and only the exception's type is reported (its message
     * might hold a secret).
     */
    public Builder bearerToken(Supplier<String> token) {
      this.bearer = Objects.requireNonNull(token, "token");
      return this;
    }

    /**
     * The rate limit of refetches for tokens whose kid is not in the key set: at most one per this
     * interval since the last fetch of any kind; default 30 s. It does not delay refreshes due
     * by {@code max-age}; a failing endpoint is retried with its own back-off (1 s doubling to
     * 30 s).
     *
     * @throws IllegalArgumentException if negative or over 24 hours
     */
    public Builder minRefetchInterval(Duration interval) {
      if (interval.isNegative() || interval.compareTo(MAX_LIFETIME) > 0) {
        throw new IllegalArgumentException("minRefetchInterval must be between 0 and 24 hours: " + interval);
      }
      this.minRefetch = interval;
      return this;
    }

    /**
     * How long keys are cached when the response has no {@code max-age}; default 1 hour. Any
     * lifetime, given here or by the server, is clamped to 1 s … 24 h.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder defaultMaxAge(Duration maxAge) {
      if (maxAge.isNegative()) {
        throw new IllegalArgumentException("defaultMaxAge must not be negative: " + maxAge);
      }
      this.defaultMaxAge = maxAge;
      return this;
    }

    /**
     * The deadline of each whole fetch (discovery document and JWKS together, headers and body),
     * which is also the connect timeout and the longest a validation waits for keys; default
     * 10 s.
     *
     * @throws IllegalArgumentException if not positive or over 1 hour
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("timeout must be positive and at most 1 hour: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The shortest RSA key accepted from the key set; default {@value KeySource#DEFAULT_MIN_RSA_BITS}
     * (RFC 7518 section 3.3). A key set holding a shorter RSA key is a failed fetch. For an old
     * cluster whose signing key is shorter, this may be lowered to {@value
     * KeySource#LOWEST_MIN_RSA_BITS} and no further.
     *
     * @throws IllegalArgumentException if under {@value KeySource#LOWEST_MIN_RSA_BITS}
     */
    public Builder minRsaBits(int bits) {
      if (bits < KeySource.LOWEST_MIN_RSA_BITS) {
        throw new IllegalArgumentException("minRsaBits must be at least " + KeySource.LOWEST_MIN_RSA_BITS + ": " + bits);
      }
      this.minRsaBits = bits;
      return this;
    }

    /** The key source; nothing is fetched until a token is validated. */
    public RemoteKeySource build() {
      return new RemoteKeySource(this);
    }
  }

  static SSLContext sslContextTrusting(String pem) {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      int n = 0;
      for (Object[] block : Pem.blocks(pem)) {
        if ("CERTIFICATE".equals(block[0])) {
          Certificate c = cf.generateCertificate(new ByteArrayInputStream((byte[]) block[1]));
          ks.setCertificateEntry("ca-" + n++, c);
        }
      }
      if (n == 0) {
        throw new KeySourceException("no PEM CERTIFICATE block in the CA bundle");
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
      throw new KeySourceException("cannot build a trust store from the CA bundle: " + e.getClass().getSimpleName(), e);
    }
  }
}
