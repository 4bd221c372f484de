package dev.saidentity.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Helpers for handling token text safely. Stateless and thread-safe. */
public final class Tokens {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Tokens() {}

  /**
   * A short, stable, non-reversible name for a token, safe to log: {@code sha256:} followed by the
   * first 16 hex digits of the SHA-256 of the token (surrounding whitespace stripped).
   *
   * <pre>{@code
   * log.info("refreshed token {}", Tokens.fingerprint(token)); // refreshed token sha256:3f2a9c01b7e4d5a6
   * }</pre>
   */
  public static String fingerprint(String token) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
    byte[] d = md.digest(token.strip().getBytes(StandardCharsets.UTF_8));
    StringBuilder sb = new StringBuilder(7 + 16).append("sha256:");
    for (int i = 0; i < 8; i++) {
      sb.append(HEX[(d[i] >> 4) & 0xF]).append(HEX[d[i] & 0xF]);
    }
    return sb.toString();
  }
}
