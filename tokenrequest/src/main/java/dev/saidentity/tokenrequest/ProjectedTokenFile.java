package dev.saidentity.tokenrequest;

import dev.saidentity.core.Tokens;
import dev.saidentity.core.UnverifiedToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
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
 * <p>Thread-safe. {@link #toString()} shows the path and a fingerprint.
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

  private final Path path;
  private final Clock clock;
  private final long maxAgeMillis;
  private @Nullable String token;
  private long readAtMillis = Long.MIN_VALUE;
  private long nextReadMillis = Long.MIN_VALUE;

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
   * The current token.
   *
   * @throws UncheckedIOException when the file has never been read successfully (missing, unreadable
   *     or empty; its cause is a {@link TooLargeException} when the file holds more than {@link
   *     #MAX_TOKEN_BYTES}); the message names the path, never the content
   */
  @Override
  public synchronized String token() {
    long now = clock.millis();
    IOException failure = null;
    if (token == null || now >= nextReadMillis) {
      failure = read(now);
    }
    if (token == null) {
      if (failure instanceof TooLargeException) {
        throw new UncheckedIOException(failure.getMessage(), failure);
      }
      throw new UncheckedIOException(new IOException("no token yet at " + path + " (missing, unreadable or empty)"));
    }
    return token;
  }

  /** Re-read on the next call (the server answered 401). */
  @Override
  public synchronized void invalidate() {
    nextReadMillis = Long.MIN_VALUE;
  }

  /** Reads the file; returns the failure, if any (the last good token stays). */
  private @Nullable IOException read(long now) {
    String fresh;
    try {
      fresh = new String(readCapped(path), StandardCharsets.UTF_8).strip();
    } catch (TooLargeException e) {
      LOG.warn("{}; keeping the last good token", e.getMessage());
      nextReadMillis = now + MIN_REREAD_MILLIS;
      return e;
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not read the token file {} ({}); keeping the last good token", path, e.getClass().getSimpleName());
      nextReadMillis = now + MIN_REREAD_MILLIS;
      return e instanceof IOException ? (IOException) e : null;
    }
    if (fresh.isEmpty()) {
      LOG.warn("the token file {} is empty; keeping the last good token", path);
      nextReadMillis = now + MIN_REREAD_MILLIS;
      return null;
    }
    if (!fresh.equals(token)) {
      LOG.debug("read token {} from {}", Tokens.fingerprint(fresh), path);
    }
    token = fresh;
    readAtMillis = now;
    long next = now + maxAgeMillis;
    try {
      UnverifiedToken t = UnverifiedToken.decode(fresh);
      Instant exp = t.expiresAt().orElse(null);
      Instant warn = t.warnAfter().orElse(null);
      if (exp != null) {
        next = Math.min(next, exp.toEpochMilli() - maxAgeMillis);
      }
      if (warn != null) {
        next = Math.min(next, warn.toEpochMilli());
      }
    } catch (RuntimeException notAServiceAccountJwt) {
      // an opaque token: the age rule alone
    }
    nextReadMillis = Math.max(next, now + MIN_REREAD_MILLIS);
    return null;
  }

  /** At most {@link #MAX_TOKEN_BYTES} + 1 bytes, checked while reading: never the whole of a huge file or a device. */
  static byte[] readCapped(Path path) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      byte[] bytes = in.readNBytes(MAX_TOKEN_BYTES + 1);
      if (bytes.length > MAX_TOKEN_BYTES) {
        throw new TooLargeException(path);
      }
      return bytes;
    }
  }

  @Override
  public synchronized String toString() {
    return "ProjectedTokenFile[" + path + (token == null ? ", not read" : ", " + Tokens.fingerprint(token) + " read at "
        + Instant.ofEpochMilli(readAtMillis)) + "]";
  }
}
