package dev.saidentity.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** The TOKEN argument: the text itself, or standard input when absent or {@code -}. */
final class TokenInput {

  /** Reads at most this much from stdin; anything longer is refused by the validator's 64 KiB limit anyway. */
  private static final int MAX_STDIN = 1 << 20;

  private TokenInput() {}

  static String read(@Nullable String arg, InputStream stdin) throws IOException {
    if (arg != null && !arg.equals("-")) {
      return arg.strip();
    }
    byte[] b = stdin.readNBytes(MAX_STDIN);
    return new String(b, StandardCharsets.UTF_8).strip();
  }
}
