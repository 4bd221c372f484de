package dev.saidentity.core.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The few DER structures PEM key files need: a reader for TLVs and a writer for SubjectPublicKeyInfo. */
final class Der {

  static final int SEQUENCE = 0x30;
  static final int INTEGER = 0x02;
  static final int BIT_STRING = 0x03;
  static final int OCTET_STRING = 0x04;
  static final int OID = 0x06;

  /** One TLV: its tag and value bytes. */
  static final class Tlv {
    final int tag;
    final byte[] value;

    Tlv(int tag, byte[] value) {
      this.tag = tag;
      this.value = value;
    }

    List<Tlv> children() {
      return parseAll(value);
    }

    BigInteger integer() {
      check(tag == INTEGER, "expected an INTEGER");
      return new BigInteger(value);
    }
  }

  private Der() {}

  static Tlv parse(byte[] der) {
    List<Tlv> all = parseAll(der);
    check(all.size() == 1, "expected one DER structure");
    return all.get(0);
  }

  static List<Tlv> parseAll(byte[] b) {
    List<Tlv> out = new ArrayList<>();
    int i = 0;
    while (i < b.length) {
      check(i + 2 <= b.length, "truncated DER");
      int tag = b[i++] & 0xFF;
      int len = b[i++] & 0xFF;
      if (len >= 0x80) {
        int n = len & 0x7F;
        check(n >= 1 && n <= 3 && i + n <= b.length, "bad DER length");
        len = 0;
        for (int k = 0; k < n; k++) {
          len = (len << 8) | (b[i++] & 0xFF);
        }
      }
      check(len >= 0 && i + len <= b.length, "truncated DER");
      out.add(new Tlv(tag, Arrays.copyOfRange(b, i, i + len)));
      i += len;
    }
    return out;
  }

  static byte[] encode(int tag, byte[]... parts) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      body.writeBytes(p);
    }
    byte[] v = body.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = v.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len & 0xFF);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write((len >> 8) & 0xFF);
      out.write(len & 0xFF);
    }
    out.writeBytes(v);
    return out.toByteArray();
  }

  static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalArgumentException(what);
    }
  }
}
