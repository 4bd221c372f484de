package dev.saidentity.benchmarks;

import dev.saidentity.core.internal.Verifier;
import java.security.Security;

/**
 * Refuses to measure a row under a label it does not deserve. A JMH command line's {@code
 * -jvmArgsAppend} replaces the {@code jvmArgsAppend} of a {@code @Fork} annotation, so the "JDK only"
 * ES256 row's {@code -Dsaidentity.bouncycastle=false} can silently disappear and the row then
 * measures BouncyCastle.
 */
final class BouncyCastleGuard {

  private BouncyCastleGuard() {}

  /** For a row that must verify with the JDK's providers only. */
  static void requireJdkOnly(String row) {
    if (Security.getProvider("BC") != null) {
      throw new IllegalStateException(row + ": BouncyCastle is registered as a security provider in this JVM;"
          + " a JDK-only figure cannot be measured here");
    }
    if (Verifier.bouncyCastleActive()) {
      throw new IllegalStateException(row + ": sa-identity verifies ES signatures with BouncyCastle in this JVM"
          + " (saidentity.bouncycastle=" + System.getProperty("saidentity.bouncycastle")
          + "); run it with -Dsaidentity.bouncycastle=false (a -jvmArgsAppend on the JMH command line replaces the"
          + " annotation's, so repeat it there)");
    }
  }

  /** For a row that claims to measure BouncyCastle. */
  static void requireBouncyCastle(String row) {
    if (!Verifier.bouncyCastleActive()) {
      throw new IllegalStateException(row + ": BouncyCastle is not active in this JVM (saidentity.bouncycastle="
          + System.getProperty("saidentity.bouncycastle") + "); this row would measure the JDK");
    }
  }
}
