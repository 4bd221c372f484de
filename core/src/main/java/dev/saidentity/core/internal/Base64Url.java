package dev.saidentity.core.internal;

import org.jspecify.annotations.Nullable;

/**
 * Unpadded base64url (RFC 4648 section 5, as JWS compact serialization uses it), decoded straight
 * from the token's characters in one pass: no copy of the segment, no padding, no line breaks, no
 * other alphabet. As Go's {@code RawURLEncoding} (and the JDK's decoder), the unused low bits of a
 * segment's last character are not checked.
 */
final class Base64Url {

  /** The 6-bit value of each ASCII character, or -1 for characters outside the alphabet. */
  private static final byte[] VALUES = new byte[128];

  static {
    java.util.Arrays.fill(VALUES, (byte) -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < alphabet.length(); i++) {
      VALUES[alphabet.charAt(i)] = (byte) i;
    }
  }

  /** What went wrong with a segment, when {@link #decode} returns null. */
  enum Fault {
    NOT_BASE64URL,
    IMPOSSIBLE_LENGTH
  }

  private Base64Url() {}

  private static int value(char c) {
    return c < 128 ? VALUES[c] : -1;
  }

  /**
   * Decodes {@code s[from, to)}, or returns null when it is not unpadded base64url; then {@link
   * #fault(String, int, int)} says why.
   */
  static byte @Nullable [] decode(String s, int from, int to) {
    int n = to - from;
    int rest = n & 3;
    if (rest == 1) {
      return null;
    }
    byte[] out = new byte[(n >> 2) * 3 + (rest == 0 ? 0 : rest - 1)];
    int o = 0;
    int i = from;
    int quads = to - rest;
    int bad = 0;
    while (i < quads) {
      int a = value(s.charAt(i));
      int b = value(s.charAt(i + 1));
      int c = value(s.charAt(i + 2));
      int d = value(s.charAt(i + 3));
      bad |= a | b | c | d;
      int bits = a << 18 | b << 12 | c << 6 | d;
      out[o] = (byte) (bits >> 16);
      out[o + 1] = (byte) (bits >> 8);
      out[o + 2] = (byte) bits;
      o += 3;
      i += 4;
    }
    if (rest != 0) {
      int a = value(s.charAt(i));
      int b = value(s.charAt(i + 1));
      int c = rest == 3 ? value(s.charAt(i + 2)) : 0;
      bad |= a | b | c;
      int bits = a << 18 | b << 12 | c << 6;
      out[o] = (byte) (bits >> 16);
      if (rest == 3) {
        out[o + 1] = (byte) (bits >> 8);
      }
    }
    return bad < 0 ? null : out;
  }

  /** Why {@code s[from, to)} is not unpadded base64url (a stray character is reported first), or null. */
  static @Nullable Fault fault(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (value(s.charAt(i)) < 0) {
        return Fault.NOT_BASE64URL;
      }
    }
    return ((to - from) & 3) == 1 ? Fault.IMPOSSIBLE_LENGTH : null;
  }
}
