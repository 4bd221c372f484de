package dev.saidentity.tokenrequest;

import dev.saidentity.core.Tokens;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.core.internal.RegularFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A projected token file ({@code /var/run/secrets/kubernetes.io/serviceaccount/token}, or an extra
 * projected volume with an audience of its own) that follows the kubelet's rotation: the path is
 * re-read (never an inode pinned, never a watch on the file: the kubelet swaps a {@code ..data}
 * symlink) once the cached copy is 50 s old, as client-go does; sooner when the token is within 50 s
 * of its {@code exp} or past its {@code warnafter} (at most once a second then); and at once after
 * {@link #invalidate()} (a 401). A failed read, an empty file or one larger than {@link
 * #MAX_TOKEN_BYTES} (64 KiB) keeps the last good token; the file is never read beyond that cap.
 *
 * <pre>{@code
 * TokenSource vault = ProjectedTokenFile.of(Path.of("/var/run/secrets/tokens/vault-token"));
 * String jwt = vault.token();
 * }</pre>
 *
 * <p>Thread-safe: the state is one immutable snapshot, replaced by the one thread reading the file;
 * a caller that holds a token never waits for a read. {@link #toString()} shows the path and a
 * fingerprint. {@link #stats()} counts reads, rotations and failed reads; {@link #status()} gives the
 * current token's times without the token.
 */
public final class ProjectedTokenFile implements TokenSource {

  private static final Logger LOG = LoggerFactory.getLogger(ProjectedTokenFile.class);

  /** 50 s: client-go re-reads the file once its cached copy is this old. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(50);
  private static final long MIN_REREAD_MILLIS = 1000;
  /**
   * 64 KiB: the most a token file may hold. A file is read with a cap of this many bytes plus one,
   * checked while reading, so a huge file or a link to a device such as {@code /dev/zero} costs at
   * most 64 KiB and is refused with {@link TooLargeException}.
   */
  public static final int MAX_TOKEN_BYTES = 64 * 1024;

  /**
   * The token file holds more than {@link #MAX_TOKEN_BYTES}: it is not a token, and was not read
   * beyond the cap. The message names the path and the cap, never the content.
   */
  public static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException(Path path) {
      super("the token file " + path + " is larger than " + MAX_TOKEN_BYTES + " bytes: not a token, not read");
    }
  }

  /** 10 s: how long a caller with no token at all waits for another thread's read of the file. */
  static final long FIRST_READ_WAIT_MILLIS = 10_000;

  /** What was read (with the token's own times, when it is a JWT), and when to read again; replaced whole, by the one thread reading. */
  private record Snapshot(@Nullable String token, long readAtMillis, long nextReadMillis, long generation,
      @Nullable Instant issuedAt, @Nullable Instant expiresAt, @Nullable Instant warnAfter) {}

  /**
   * What a token file has counted since it was made, as of one {@link ProjectedTokenFile#stats()} call.
   *
   * @param reads reads of the file that gave a token
   * @param rotations reads that gave a token other than the one before (the kubelet rotated it)
   * @param readFailures reads that gave no token (missing, unreadable, empty or too large): the last good one stayed
   */
  public record Stats(long reads, long rotations, long readFailures) {}

  private final Path path;
  private final Clock clock;
  private final long maxAgeMillis;
  private volatile Snapshot state = new Snapshot(null, Long.MIN_VALUE, Long.MIN_VALUE, 0, null, null, null);
  private final LongAdder reads = new LongAdder();
  private final LongAdder rotations = new LongAdder();
  private final LongAdder readFailures = new LongAdder();
  /** Counts {@link #invalidate()} calls: a snapshot read before the latest one is due. */
  private final AtomicLong invalidations = new AtomicLong();
  /** Held by the one thread reading the file; a caller holding a token never waits for it. */
  private final ReentrantLock reading = new ReentrantLock();

  private ProjectedTokenFile(Path path, Clock clock, Duration maxAge) {
    this.path = path;
    this.clock = clock;
    this.maxAgeMillis = maxAge.toMillis();
  }

  /** The token file at {@code path}, with the system clock and the 50 s re-read age. */
  public static ProjectedTokenFile of(Path path) {
    return new ProjectedTokenFile(Objects.requireNonNull(path, "path"), Clock.systemUTC(), DEFAULT_MAX_AGE);
  }

  /**
   * The token file at {@code path} with a clock and a re-read age.
   *
   * @throws IllegalArgumentException if maxAge is not positive
   */
  public static ProjectedTokenFile of(Path path, Clock clock, Duration maxAge) {
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("maxAge must be positive: " + maxAge);
    }
    return new ProjectedTokenFile(Objects.requireNonNull(path, "path"), Objects.requireNonNull(clock, "clock"), maxAge);
  }

  /** The path. */
  public Path path() {
    return path;
  }

  /**
   * The current token. No lock is taken while a token is held: when a re-read is due, one caller
   * reads the file and the others get the last good token meanwhile. Only a caller with no token at
   * all waits for a read, at most 10 s.
   *
   * @throws UncheckedIOException when the file has never been read successfully (missing, unreadable
   *     or empty; its cause is a {@link TooLargeException} when the file holds more than {@link
   *     #MAX_TOKEN_BYTES}, a {@link java.nio.file.FileSystemException} when the path names a FIFO, a
   *     device or a directory, which is never opened), or another thread's first read did not end within 10 s; the message names
   *     the path, never the content
   */
  @Override
  public String token() {
    Snapshot s = state;
    if (s.token() != null) {
      if (!due(s, clock.millis())) {
        return s.token();
      }
      if (reading.tryLock()) {
        try {
          Snapshot current = state;
          if (due(current, clock.millis())) {
            read(current);
          }
        } finally {
          reading.unlock();
        }
      }
      return Objects.requireNonNull(state.token(), "a token, once read, stays");
    }
    boolean locked;
    try {
      locked = reading.tryLock(FIRST_READ_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new InterruptedIOException("interrupted while waiting for the token file " + path));
    }
    if (!locked) {
      throw new UncheckedIOException(new IOException("no token yet at " + path + ": another read of the file did not end within "
          + FIRST_READ_WAIT_MILLIS + " ms"));
    }
    IOException failure = null;
    try {
      Snapshot current = state;
      if (current.token() == null || due(current, clock.millis())) {
        failure = read(current);
      }
    } finally {
      reading.unlock();
    }
    String t = state.token();
    if (t == null) {
      if (failure instanceof TooLargeException || failure instanceof RegularFiles.NotRegularFileException) {
        throw new UncheckedIOException(failure.getMessage(), failure);
      }
      throw new UncheckedIOException(new IOException("no token yet at " + path + " (missing, unreadable or empty)"));
    }
    return t;
  }

  /** Re-read on the next call (the server answered 401). */
  @Override
  public void invalidate() {
    invalidations.incrementAndGet();
  }

  /** Reads, rotations and failed reads since this was made. */
  public Stats stats() {
    return new Stats(reads.sum(), rotations.sum(), readFailures.sum());
  }

  /**
   * The current token's times ({@code iat}, {@code exp}, {@code warnafter} of the JWT), as of the
   * clock's now, without the token and without reading the file; empty until a token was read.
   * An opaque (non-JWT) token has none of the times.
   */
  public Optional<TokenStatus> status() {
    Snapshot s = state;
    if (s.token() == null) {
      return Optional.empty();
    }
    return Optional.of(new TokenStatus(clock.instant(), Optional.ofNullable(s.issuedAt()), Optional.ofNullable(s.expiresAt()),
        Optional.ofNullable(s.warnAfter())));
  }

  private boolean due(Snapshot s, long now) {
    return now >= s.nextReadMillis() || s.generation() != invalidations.get();
  }

  /** Reads the file (the caller holds {@link #reading}); returns the failure, if any (the last good token stays). */
  private @Nullable IOException read(Snapshot previous) {
    long generation = invalidations.get();
    String fresh;
    try {
      fresh = new String(readCapped(path), StandardCharsets.UTF_8).strip();
    } catch (TooLargeException e) {
      LOG.warn("{}; keeping the last good token", e.getMessage());
      readFailures.increment();
      state = retryLater(previous, generation);
      return e;
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not read the token file {} ({}); keeping the last good token", path, e.getClass().getSimpleName());
      readFailures.increment();
      state = retryLater(previous, generation);
      return e instanceof IOException ? (IOException) e : null;
    }
    if (fresh.isEmpty()) {
      LOG.warn("the token file {} is empty; keeping the last good token", path);
      readFailures.increment();
      state = retryLater(previous, generation);
      return null;
    }
    reads.increment();
    if (!fresh.equals(previous.token())) {
      LOG.debug("read token {} from {}", Tokens.fingerprint(fresh), path);
      if (previous.token() != null) {
        rotations.increment();
      }
    }
    long now = clock.millis();
    long next = now + maxAgeMillis;
    Instant iat = null;
    Instant exp = null;
    Instant warn = null;
    try {
      UnverifiedToken t = UnverifiedToken.decode(fresh);
      iat = t.issuedAt().orElse(null);
      exp = t.expiresAt().orElse(null);
      warn = t.warnAfter().orElse(null);
      if (exp != null) {
        next = Math.min(next, exp.toEpochMilli() - maxAgeMillis);
      }
      if (warn != null) {
        next = Math.min(next, warn.toEpochMilli());
      }
    } catch (RuntimeException notAServiceAccountJwt) {
      // an opaque token: the age rule alone
    }
    state = new Snapshot(fresh, now, Math.max(next, now + MIN_REREAD_MILLIS), generation, iat, exp, warn);
    return null;
  }

  private Snapshot retryLater(Snapshot previous, long generation) {
    return new Snapshot(previous.token(), previous.readAtMillis(), clock.millis() + MIN_REREAD_MILLIS, generation,
        previous.issuedAt(), previous.expiresAt(), previous.warnAfter());
  }

  /** At most {@link #MAX_TOKEN_BYTES} + 1 bytes, checked while reading: never the whole of a huge file or a device. */
  static byte[] readCapped(Path path) throws IOException {
    byte[] bytes = RegularFiles.readCapped(path, MAX_TOKEN_BYTES);
    if (bytes.length > MAX_TOKEN_BYTES) {
      throw new TooLargeException(path);
    }
    return bytes;
  }

  @Override
  public String toString() {
    Snapshot s = state;
    String t = s.token();
    return "ProjectedTokenFile[" + path + (t == null ? ", not read" : ", " + Tokens.fingerprint(t) + " read at "
        + Instant.ofEpochMilli(s.readAtMillis())) + "]";
  }
}
