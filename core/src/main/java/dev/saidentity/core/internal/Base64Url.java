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

  private static final VarHandle BIG_ENDIAN_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle BIG_ENDIAN_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  /**
   * The 6-bit value of each byte placed where the byte's position in a quartet puts it in the
   * quartet's 24 bits ({@code AT18} for the first character, bits 18 to 23, down to {@code AT0} for
   * the fourth), or -1 (every bit set) for a byte outside the alphabet (all of 128..255 included). A
   * quartet's bits are the OR of its four entries, negative exactly when one of them is not base64url,
   * so a whole segment is checked by OR-ing its quartets and testing the sign once at the end.
   */
  private static final int[] AT18 = table(18);
  private static final int[] AT12 = table(12);
  private static final int[] AT6 = table(6);
  private static final int[] AT0 = table(0);

  private static int[] table(int shift) {
    int[] t = new int[256];
    java.util.Arrays.fill(t, -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < alphabet.length(); i++) {
      t[alphabet.charAt(i)] = i << shift;
    }
    return t;
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
   * written, or -1 when it is not unpadded base64url (then {@link #fault} says why). A segment of
   * impossible length is refused before anything is written. {@code out} may be {@code in} with
   * {@code at <= from}: decoding in place never overtakes its input.
   */
  static int decode(byte[] in, int from, int to, byte[] out, int at) {
    int rest = (to - from) & 3;
    if (rest == 1) {
      return -1;
    }
    int quads = to - rest;
    int i = from;
    int o = at;
    int bad = 0;
    // Eight characters a step, each read as a byte (a load, cheaper here than shifting them out of one
    // long), and six bytes written as one long whose last two bytes the next step overwrites (in place
    // they land on input already read: o + 8 <= i + 8). Steps are bounded by the input's whole octets
    // and by the room for an eight-byte write in out.
    int steps = Math.min((quads - from) >> 3, Math.max(0, out.length - at - 2) / 6);
    int octets = from + 8 * steps;
    for (; i < octets; i += 8) {
      int hi = AT18[in[i] & 0xff] | AT12[in[i + 1] & 0xff] | AT6[in[i + 2] & 0xff] | AT0[in[i + 3] & 0xff];
      int lo = AT18[in[i + 4] & 0xff] | AT12[in[i + 5] & 0xff] | AT6[in[i + 6] & 0xff] | AT0[in[i + 7] & 0xff];
      bad |= hi | lo;
      BIG_ENDIAN_LONG.set(out, o, (long) hi << 40 | (long) lo << 16);
      o += 6;
    }
    // The remaining quartets: three bytes written as one int while there is room for a fourth (which
    // the next quartet overwrites), then byte by byte.
    while (i < quads) {
      int bits = AT18[in[i] & 0xff] | AT12[in[i + 1] & 0xff] | AT6[in[i + 2] & 0xff] | AT0[in[i + 3] & 0xff];
      bad |= bits;
      if (o + 4 <= out.length) {
        BIG_ENDIAN_INT.set(out, o, bits << 8);
      } else {
        out[o] = (byte) (bits >> 16);
        out[o + 1] = (byte) (bits >> 8);
        out[o + 2] = (byte) bits;
      }
      o += 3;
      i += 4;
    }
    if (rest != 0) {
      int bits = AT18[in[i] & 0xff] | AT12[in[i + 1] & 0xff] | (rest == 3 ? AT6[in[i + 2] & 0xff] : 0);
      bad |= bits;
      out[o++] = (byte) (bits >> 16);
      if (rest == 3) {
        out[o++] = (byte) (bits >> 8);
      }
    }
    return bad < 0 ? -1 : o - at;
  }

  /** Whether {@code in[from, to)} is unpadded base64url, checked without decoding it (one sign test at the end). */
  static boolean valid(byte[] in, int from, int to) {
    if (((to - from) & 3) == 1) {
      return false;
    }
    int bad = 0;
    int i = from;
    int octets = from + ((to - from) & ~7);
    for (; i < octets; i += 8) {
      bad |= AT0[in[i] & 0xff] | AT0[in[i + 1] & 0xff] | AT0[in[i + 2] & 0xff] | AT0[in[i + 3] & 0xff]
          | AT0[in[i + 4] & 0xff] | AT0[in[i + 5] & 0xff] | AT0[in[i + 6] & 0xff] | AT0[in[i + 7] & 0xff];
    }
    for (; i < to; i++) {
      bad |= AT0[in[i] & 0xff];
    }
    return bad >= 0;
  }

  /** Why {@code in[from, to)} is not unpadded base64url (a stray character is reported first), or null. */
  static @org.jspecify.annotations.Nullable Fault fault(byte[] in, int from, int to) {
    for (int i = from; i < to; i++) {
      if (AT0[in[i] & 0xff] < 0) {
        return Fault.NOT_BASE64URL;
      }
    }
    return ((to - from) & 3) == 1 ? Fault.IMPOSSIBLE_LENGTH : null;
  }
}
