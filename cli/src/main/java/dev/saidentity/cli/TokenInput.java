package dev.saidentity.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** The TOKEN argument: the text itself, or standard input when absent or {@code -}. */
final class TokenInput {

  /** Reads at most this much from stdin (a token is at most 64 KiB; the rest leaves room for whitespace); more is an error, exit 2. */
  static final int MAX_STDIN = 1 << 20;

  /** Input over its limit: a usage error (exit 2) with one line, never silently cut. */
  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  private TokenInput() {}

  static String read(@Nullable String arg, InputStream stdin) throws IOException {
    if (arg != null && !arg.equals("-")) {
      return arg.strip();
    }
    byte[] b = stdin.readNBytes(MAX_STDIN + 1);
    if (b.length > MAX_STDIN) {
      throw new TooLarge("standard input is larger than " + MAX_STDIN + " bytes (a token is at most 64 KiB)");
    }
    return new String(b, StandardCharsets.UTF_8).strip();
  }
}
