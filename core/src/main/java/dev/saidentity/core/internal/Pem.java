package dev.saidentity.core.internal;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads public keys from PEM text the way the API server's {@code --service-account-key-file} does:
 * any number of blocks, public keys ({@code PUBLIC KEY}, {@code RSA PUBLIC KEY}), certificates, or
 * private keys ({@code RSA PRIVATE KEY}, {@code EC PRIVATE KEY}, {@code PRIVATE KEY}) from which the
 * public key is taken. Private key material is never kept.
 */
public final class Pem {

  private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};

  private Pem() {}

  /** PEM text longer than this is refused: a bundle of a hundred certificates is under 200 KiB. */
  static final int MAX_TEXT = 1 << 20;
  /** At most this many {@code -----BEGIN} lines are looked at. */
  static final int MAX_BLOCKS = 1_000;
  private static final String BEGIN = "-----BEGIN ";
  private static final String DASHES = "-----";

  /**
   * Blocks of one PEM document: type and DER bytes. A block is {@code -----BEGIN TYPE-----}, base64
   * and whitespace, then {@code -----END TYPE-----}; text between blocks is ignored. Found by a
   * forward scan in time linear in the text (a regular expression with a lazy group and a
   * back-reference took minutes on 10 KB of whitespace), with a size and a block-count limit.
   *
   * @throws IllegalArgumentException if the text is over 1 MiB, has over 1,000 BEGIN lines, or a
   *     block is not valid base64
   */
  public static List<Object[]> blocks(String pem) {
    if (pem.length() > MAX_TEXT) {
      throw new IllegalArgumentException("PEM text is over the limit of " + MAX_TEXT + " characters");
    }
    List<Object[]> out = new ArrayList<>();
    int from = 0;
    int begins = 0;
    while (true) {
      int begin = pem.indexOf(BEGIN, from);
      if (begin < 0) {
        break;
      }
      if (++begins > MAX_BLOCKS) {
        throw new IllegalArgumentException("PEM text has more than " + MAX_BLOCKS + " BEGIN lines");
      }
      int typeStart = begin + BEGIN.length();
      int typeEnd = typeStart;
      while (typeEnd < pem.length() && isTypeChar(pem.charAt(typeEnd))) {
        typeEnd++;
      }
      from = typeStart;
      if (typeEnd == typeStart || !pem.startsWith(DASHES, typeEnd)) {
        continue;
      }
      String type = pem.substring(typeStart, typeEnd);
      int bodyStart = typeEnd + DASHES.length();
      // The body runs to the first character that cannot be in one (a '-' among them, so it never
      // runs past the next BEGIN line: the scan stays linear); the END line must be right there.
      int bodyEnd = bodyStart;
      while (bodyEnd < pem.length() && isBodyChar(pem.charAt(bodyEnd))) {
        bodyEnd++;
      }
      String end = "-----END " + type + DASHES;
      if (!pem.startsWith(end, bodyEnd)) {
        continue;
      }
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(pem.substring(bodyStart, bodyEnd));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("PEM block " + type + " is not valid base64");
      }
      out.add(new Object[] {type, der});
      from = bodyEnd + end.length();
    }
    return out;
  }

  private static boolean isTypeChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ';
  }

  private static boolean isBodyChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='
        || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B';
  }

  /**
   * Every public key in the text, in order.
   *
   * @throws IllegalArgumentException if there is none or a block cannot be read
   */
  public static List<PublicKey> publicKeys(String pem) {
    return publicKeys(pem, 0);
  }

  /**
   * Every public key in the text, in order, refusing RSA keys shorter than {@code minRsaBits}.
   *
   * @throws IllegalArgumentException if there is none, a block cannot be read, or an RSA key is too short
   */
  public static List<PublicKey> publicKeys(String pem, int minRsaBits) {
    List<PublicKey> keys = new ArrayList<>();
    int index = 0;
    for (Object[] block : blocks(pem)) {
      index++;
      String type = (String) block[0];
      byte[] der = (byte[]) block[1];
      PublicKey k;
      try {
        k = read(type, der);
      } catch (GeneralSecurityException | IllegalArgumentException | IndexOutOfBoundsException e) {
        // IndexOutOfBoundsException: DER that parses but has fewer fields than the structure needs
        throw new IllegalArgumentException("PEM block " + index + " (" + type + ") is not a readable RSA or EC key: "
            + e.getClass().getSimpleName());
      }
      int bits = VerificationKey.rsaBits(k);
      if (bits > 0 && bits < minRsaBits) {
        throw new IllegalArgumentException("PEM block " + index + " is a " + bits + "-bit RSA key, shorter than the minimum of "
            + minRsaBits + " bits (RFC 7518 section 3.3)");
      }
      keys.add(k);
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no PEM public key, certificate or private key found");
    }
    return keys;
  }

  private static PublicKey read(String type, byte[] der) throws GeneralSecurityException {
    switch (type) {
      case "PUBLIC KEY":
        return spki(der);
      case "RSA PUBLIC KEY": {
        List<Der.Tlv> f = Der.parse(der).children();
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(f.get(0).integer(), f.get(1).integer()));
      }
      case "CERTIFICATE": {
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(der));
        return c.getPublicKey();
      }
      case "RSA PRIVATE KEY": {
        List<Der.Tlv> f = Der.parse(der).children();
        BigInteger n = f.get(1).integer();
        BigInteger e = f.get(2).integer();
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
      }
      case "EC PRIVATE KEY":
        return ecFromSec1(der, null);
      case "PRIVATE KEY":
        return fromPkcs8(der);
      default:
        throw new IllegalArgumentException("unsupported PEM block type " + type);
    }
  }

  private static PublicKey spki(byte[] der) throws GeneralSecurityException {
    try {
      return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
    }
  }

  private static PublicKey fromPkcs8(byte[] der) throws GeneralSecurityException {
    List<Der.Tlv> f = Der.parse(der).children();
    List<Der.Tlv> algId = f.get(1).children();
    byte[] algOid = Der.encode(Der.OID, algId.get(0).value);
    if (java.util.Arrays.equals(algOid, EC_PUBLIC_KEY_OID)) {
      return ecFromSec1(f.get(2).value, Der.encode(Der.OID, algId.get(1).value));
    }
    PrivateKey k = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    if (!(k instanceof RSAPrivateCrtKey)) {
      throw new IllegalArgumentException("RSA private key without public exponent");
    }
    RSAPrivateCrtKey crt = (RSAPrivateCrtKey) k;
    return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
  }

  /** SEC1 ECPrivateKey: version, privateKey, [0] parameters, [1] publicKey. The public key must be embedded. */
  private static PublicKey ecFromSec1(byte[] der, byte @org.jspecify.annotations.Nullable [] curveOid) throws GeneralSecurityException {
    byte[] oid = curveOid;
    byte[] publicBits = null;
    for (Der.Tlv t : Der.parse(der).children()) {
      if (t.tag == 0xA0) {
        oid = Der.encode(Der.OID, Der.parse(t.value).value);
      } else if (t.tag == 0xA1) {
        publicBits = Der.parse(t.value).value;
      }
    }
    if (oid == null || publicBits == null) {
      throw new IllegalArgumentException("EC private key without its curve or embedded public key");
    }
    byte[] spki = Der.encode(Der.SEQUENCE, Der.encode(Der.SEQUENCE, EC_PUBLIC_KEY_OID, oid), Der.encode(Der.BIT_STRING, publicBits));
    return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
  }
}
