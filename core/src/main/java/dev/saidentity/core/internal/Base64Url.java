package dev.saidentity.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Unpadded base64url (RFC 4648 section 5, as JWS compact serialization uses it): no padding, no line
 * breaks, no other alphabet. As Go's {@code RawURLEncoding} (and the JDK's decoder), the unused low
 * bits of a segment's last character are not checked.
 */
final class Base64Url {

  private static final VarHandle LITTLE_ENDIAN_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle BIG_ENDIAN_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  /** The 6-bit value of each byte, or -1 for bytes outside the alphabet (all of 128..255 included). */
  private static final int[] VALUES = new int[256];

  static {
    java.util.Arrays.fill(VALUES, -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < alphabet.length(); i++) {
      VALUES[alphabet.charAt(i)] = i;
    }
  }

  /** What is wrong with a segment. */
  enum Fault {
    NOT_BASE64URL,
    IMPOSSIBLE_LENGTH
  }

  private Base64Url() {}

  /** How many bytes {@code n} characters decode to (for a length that is not impossible). */
  static int decodedLength(int n) {
    int rest = n & 3;
    return (n >> 2) * 3 + (rest == 0 ? 0 : rest - 1);
  }

  /**
   * Decodes {@code in[from, to)} into {@code out} from {@code at}, returning the number of bytes
   * written, or -1 when it is not unpadded base64url (then {@link #fault} says why). {@code out} may
   * be {@code in} with {@code at <= from}: decoding in place never overtakes its input.
   */
  static int decode(byte[] in, int from, int to, byte[] out, int at) {
    int rest = (to - from) & 3;
    if (rest == 1) {
      return -1;
    }
    int o = at;
    int i = from;
    int quads = to - rest;
    int bad = 0;
    // Four characters read as one int and three bytes written as one int, while a fourth byte may be
    // written past them (the next quad overwrites it; in place it lands on input already read).
    int wide = Math.min(quads, from + ((out.length - 1 - at) / 3) * 4);
    while (i < wide) {
      int q = (int) LITTLE_ENDIAN_INT.get(in, i);
      int a = VALUES[q & 0xff];
      int b = VALUES[(q >>> 8) & 0xff];
      int c = VALUES[(q >>> 16) & 0xff];
      int d = VALUES[q >>> 24];
      bad |= a | b | c | d;
      BIG_ENDIAN_INT.set(out, o, (a << 18 | b << 12 | c << 6 | d) << 8);
      o += 3;
      i += 4;
    }
    while (i < quads) {
      int a = VALUES[in[i] & 0xff];
      int b = VALUES[in[i + 1] & 0xff];
      int c = VALUES[in[i + 2] & 0xff];
      int d = VALUES[in[i + 3] & 0xff];
      bad |= a | b | c | d;
      int bits = a << 18 | b << 12 | c << 6 | d;
      out[o] = (byte) (bits >> 16);
      out[o + 1] = (byte) (bits >> 8);
      out[o + 2] = (byte) bits;
      o += 3;
      i += 4;
    }
    if (rest != 0) {
      int a = VALUES[in[i] & 0xff];
      int b = VALUES[in[i + 1] & 0xff];
      int c = rest == 3 ? VALUES[in[i + 2] & 0xff] : 0;
      bad |= a | b | c;
      int bits = a << 18 | b << 12 | c << 6;
      out[o++] = (byte) (bits >> 16);
      if (rest == 3) {
        out[o++] = (byte) (bits >> 8);
      }
    }
    return bad < 0 ? -1 : o - at;
  }

  /** Whether {@code in[from, to)} is unpadded base64url, checked without decoding it. */
  static boolean valid(byte[] in, int from, int to) {
    if (((to - from) & 3) == 1) {
      return false;
    }
    int bad = 0;
    int i = from;
    for (; i + 4 <= to; i += 4) {
      int q = (int) LITTLE_ENDIAN_INT.get(in, i);
      bad |= VALUES[q & 0xff] | VALUES[(q >>> 8) & 0xff] | VALUES[(q >>> 16) & 0xff] | VALUES[q >>> 24];
    }
    for (; i < to; i++) {
      bad |= VALUES[in[i] & 0xff];
    }
    return bad >= 0;
  }

  /** Why {@code in[from, to)} is not unpadded base64url (a stray character is reported first), or null. */
  static @org.jspecify.annotations.Nullable Fault fault(byte[] in, int from, int to) {
    for (int i = from; i < to; i++) {
      if (VALUES[in[i] & 0xff] < 0) {
        return Fault.NOT_BASE64URL;
      }
    }
    return ((to - from) & 3) == 1 ? Fault.IMPOSSIBLE_LENGTH : null;
  }
}
