package dev.saidentity.tokenrequest;

import dev.saidentity.core.Tokens;
import dev.saidentity.core.UnverifiedToken;
import java.io.IOException;
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
 * {@link #invalidate()} (a 401). A failed read or an empty file keeps the last good token.
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
   *     or empty); the message names the path, never the content
   */
  @Override
  public synchronized String token() {
    long now = clock.millis();
    if (token == null || now >= nextReadMillis) {
      read(now);
    }
    if (token == null) {
      throw new UncheckedIOException(new IOException("no token yet at " + path + " (missing, unreadable or empty)"));
    }
    return token;
  }

  /** Re-read on the next call (the server answered 401). */
  @Override
  public synchronized void invalidate() {
    nextReadMillis = Long.MIN_VALUE;
  }

  private void read(long now) {
    String fresh;
    try {
      fresh = new String(Files.readAllBytes(path), StandardCharsets.UTF_8).strip();
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not read the token file {} ({}); keeping the last good token", path, e.getClass().getSimpleName());
      nextReadMillis = now + MIN_REREAD_MILLIS;
      return;
    }
    if (fresh.isEmpty()) {
      LOG.warn("the token file {} is empty; keeping the last good token", path);
      nextReadMillis = now + MIN_REREAD_MILLIS;
      return;
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
  }

  @Override
  public synchronized String toString() {
    return "ProjectedTokenFile[" + path + (token == null ? ", not read" : ", " + Tokens.fingerprint(token) + " read at "
        + Instant.ofEpochMilli(readAtMillis)) + "]";
  }
}
