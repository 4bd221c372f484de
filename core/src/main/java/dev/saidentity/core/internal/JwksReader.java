package dev.saidentity.core.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECField;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * JWKS documents (RFC 7517/7518) read into public signature keys: RSA ({@code n}, {@code e}) and EC
 * on P-256, P-384, P-521 ({@code x}, {@code y}, checked to lie on the curve). Other key types and
 * private members are ignored; {@code x5c}/{@code x5u} are never used.
 *
 * <p>What a JWK says about its own use is honoured (RFC 7517 section 4.2 to 4.4, RFC 8725 section
 * 3.1). Not used for verification, and skipped (counted in {@link Result#skipped}): a key whose
 * {@code use} is present and not {@code "sig"}, whose {@code key_ops} is present without {@code
 * "verify"}, or whose {@code alg} is not one of the JWS algorithms ServiceAccount tokens use (for
 * example {@code RSA-OAEP}). A key with a supported {@code alg} verifies that algorithm only. Refused,
 * failing the whole document: a key whose {@code alg} its key type cannot verify (an RSA key marked
 * {@code ES256}, a P-256 key marked {@code ES384}), broken key material, and an RSA key shorter than
 * the minimum asked for.
 *
 * <p>Written on java.security rather than jjwt's JWK support: jjwt 0.13's jars declare no module
 * name, so a named module requiring them could not be published.
 */
public final class JwksReader {

  private JwksReader() {}

  /** The keys read, and how many JWKs were skipped as not meant for verifying signatures. */
  public static final class Result {
    public final List<VerificationKey> keys;
    public final int skipped;

    Result(List<VerificationKey> keys, int skipped) {
      this.keys = List.copyOf(keys);
      this.skipped = skipped;
    }
  }

  /**
   * The signature keys of a JWKS document, RSA keys of any size from 1024 bits.
   *
   * @throws IllegalArgumentException when the document is not a JWK set or a key in it is broken
   */
  public static List<VerificationKey> read(String json) {
    return read(json, VerificationKey.ABSOLUTE_MIN_RSA_BITS).keys;
  }

  /**
   * The signature keys of a JWKS document.
   *
   * @throws IllegalArgumentException when the document is not a JWK set, a key in it is broken,
   *     declares an alg its type cannot verify, or is an RSA key under {@code minRsaBits}
   */
  public static Result read(String json, int minRsaBits) {
    JsonElement root;
    try {
      root = JsonParser.parseString(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not valid JSON");
    }
    if (!root.isJsonObject() || !root.getAsJsonObject().has("keys") || !root.getAsJsonObject().get("keys").isJsonArray()) {
      throw new IllegalArgumentException("not a JWK set: expected an object with a \"keys\" array");
    }
    JsonArray keys = root.getAsJsonObject().getAsJsonArray("keys");
    List<VerificationKey> out = new ArrayList<>();
    int index = 0;
    int skipped = 0;
    for (JsonElement e : keys) {
      index++;
      if (!e.isJsonObject()) {
        throw new IllegalArgumentException("key " + index + " is not a JSON object");
      }
      JsonObject k = e.getAsJsonObject();
      String kty = str(k, "kty");
      if (!"RSA".equals(kty) && !"EC".equals(kty)) {
        continue;
      }
      if (!forVerifying(k)) {
        skipped++;
        continue;
      }
      Alg alg = null;
      JsonElement algMember = k.get("alg");
      if (algMember != null && !algMember.isJsonNull()) {
        String name = str(k, "alg");
        alg = name == null ? null : Alg.of(name);
        if (alg == null) {
          skipped++;
          continue;
        }
      }
      String kid = str(k, "kid");
      String which = "key " + index + (kid == null ? "" : " (kid " + Failure.printable(kid) + ")");
      PublicKey pub;
      try {
        if ("RSA".equals(kty)) {
          pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(uint(k, "n"), uint(k, "e")));
        } else {
          pub = ec(k);
        }
      } catch (GeneralSecurityException | IllegalArgumentException ex) {
        throw new IllegalArgumentException(which + " is not a valid "
            + kty + " key: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
      }
      int bits = VerificationKey.rsaBits(pub);
      if ("RSA".equals(kty) && bits < minRsaBits) {
        throw new IllegalArgumentException(which + " is a " + bits + "-bit RSA key, shorter than the minimum of "
            + minRsaBits + " bits (RFC 7518 section 3.3)");
      }
      VerificationKey vk = new VerificationKey(pub, kid, null);
      if (alg != null && !vk.compatibleWithKeyType(alg)) {
        throw new IllegalArgumentException(which + " declares alg " + alg + ", which " + VerificationKey.describe(pub)
            + " cannot verify");
      }
      out.add(alg == null ? vk : new VerificationKey(pub, kid, alg));
    }
    return new Result(out, skipped);
  }

  /** {@code use} absent or {@code "sig"}, and {@code key_ops} absent or listing {@code "verify"}. */
  private static boolean forVerifying(JsonObject k) {
    JsonElement use = k.get("use");
    if (use != null && !use.isJsonNull() && !"sig".equals(str(k, "use"))) {
      return false;
    }
    JsonElement ops = k.get("key_ops");
    if (ops == null || ops.isJsonNull()) {
      return true;
    }
    if (!ops.isJsonArray()) {
      return false;
    }
    for (JsonElement op : ops.getAsJsonArray()) {
      if (op.isJsonPrimitive() && op.getAsJsonPrimitive().isString() && op.getAsString().equals("verify")) {
        return true;
      }
    }
    return false;
  }

  private static PublicKey ec(JsonObject k) throws GeneralSecurityException {
    String crv = str(k, "crv");
    String name;
    if ("P-256".equals(crv)) {
      name = "secp256r1";
    } else if ("P-384".equals(crv)) {
      name = "secp384r1";
    } else if ("P-521".equals(crv)) {
      name = "secp521r1";
    } else {
      throw new IllegalArgumentException("unsupported curve " + crv);
    }
    AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
    p.init(new ECGenParameterSpec(name));
    ECParameterSpec spec = p.getParameterSpec(ECParameterSpec.class);
    BigInteger x = uint(k, "x");
    BigInteger y = uint(k, "y");
    if (!onCurve(spec.getCurve(), x, y)) {
      throw new IllegalArgumentException("the point (x, y) is not on " + crv);
    }
    return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), spec));
  }

  static boolean onCurve(EllipticCurve c, BigInteger x, BigInteger y) {
    ECField f = c.getField();
    if (!(f instanceof ECFieldFp)) {
      return false;
    }
    BigInteger prime = ((ECFieldFp) f).getP();
    if (x.signum() < 0 || y.signum() < 0 || x.compareTo(prime) >= 0 || y.compareTo(prime) >= 0) {
      return false;
    }
    BigInteger lhs = y.multiply(y).mod(prime);
    BigInteger rhs = x.pow(3).add(c.getA().multiply(x)).add(c.getB()).mod(prime);
    return lhs.equals(rhs);
  }

  private static @Nullable String str(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
  }

  private static BigInteger uint(JsonObject o, String name) {
    String s = str(o, name);
    if (s == null || s.isEmpty()) {
      throw new IllegalArgumentException("member " + name + " is missing");
    }
    try {
      return new BigInteger(1, Base64.getUrlDecoder().decode(s));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("member " + name + " is not base64url");
    }
  }
}
