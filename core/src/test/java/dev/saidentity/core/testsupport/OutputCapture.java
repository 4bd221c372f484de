package dev.saidentity.core.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Tees everything the suite writes to stdout and stderr (every log line: SLF4J goes to stderr at
 * debug level in tests) into a buffer that SecretLeakTest inspects last. The testing module offers
 * the same as TokenLeakGuard, but core's tests cannot use it: testing depends on core.
 */
public final class OutputCapture implements LauncherSessionListener {

  private static final ByteArrayOutputStream BUFFER = new ByteArrayOutputStream();
  private static volatile boolean installed;

  /** Created by the JUnit launcher through ServiceLoader. */
  public OutputCapture() {}

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    install();
  }

  static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    System.setOut(tee(System.out));
    System.setErr(tee(System.err));
  }

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

  public static String captured() {
    synchronized (BUFFER) {
      return BUFFER.toString(StandardCharsets.UTF_8);
    }
  }
}
