package dev.saidentity.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Catches tokens in a test suite's output: tees everything written to {@code System.out} and {@code
 * System.err} (where SLF4J's simple binding and most test logging end up) from the start of the
 * JUnit session, so that a last test can assert that no JWT was ever printed.
 *
 * <p>Register it in {@code src/test/resources/META-INF/services/org.junit.platform.launcher.LauncherSessionListener}
 * (one line: {@code dev.saidentity.testing.TokenLeakGuard}) and end the suite with a test ordered
 * last that calls {@link #assertNoTokenPrinted()}. Thread-safe.
 */
public final class TokenLeakGuard implements LauncherSessionListener {

  /** Two base64url JSON segments as a JWS starts ({@code eyJ} is the base64 of <code>{"</code>). */
  public static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{6,}\\.[A-Za-z0-9_-]{6,}");

  private static final ByteArrayOutputStream BUFFER = new ByteArrayOutputStream();
  private static volatile boolean installed;

  /** Created by the JUnit launcher through ServiceLoader. */
  public TokenLeakGuard() {}

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    install();
  }

  /** Starts capturing (idempotent); the launcher calls it, tests need not. */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    System.setOut(tee(System.out));
    System.setErr(tee(System.err));
  }

  /** Whether capturing is on. */
  public static boolean installed() {
    return installed;
  }

  private static PrintStream tee(PrintStream original) {
    return new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        synchronized (BUFFER) {
          BUFFER.write(b);
        }
        original.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        synchronized (BUFFER) {
          BUFFER.write(b, off, len);
        }
        original.write(b, off, len);
      }

      @Override
      public void flush() {
        original.flush();
      }
    }, true, StandardCharsets.UTF_8);
  }

  /** Everything captured so far. */
  public static String captured() {
    synchronized (BUFFER) {
      return BUFFER.toString(StandardCharsets.UTF_8);
    }
  }

  /** The text just before the first JWT in the captured output (never the JWT itself), if there is one. */
  public static Optional<String> firstTokenContext() {
    String all = captured();
    Matcher m = JWT.matcher(all);
    return m.find() ? Optional.of(all.substring(Math.max(0, m.start() - 80), m.start())) : Optional.empty();
  }

  /**
   * Fails if the suite printed a JWT.
   *
   * @throws AssertionError naming where (the 80 characters before it), never the token
   * @throws IllegalStateException if the guard was not registered
   */
  public static void assertNoTokenPrinted() {
    if (!installed) {
      throw new IllegalStateException("TokenLeakGuard is not registered as a LauncherSessionListener");
    }
    Optional<String> context = firstTokenContext();
    if (context.isPresent()) {
      throw new AssertionError("a JWT was printed after: " + context.get());
    }
  }
}
