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
 * on P-256, P-384, P-521 ({@code x}, {@code y}, checked to lie on the curve). Keys with {@code use}
 * other than {@code sig}, other key types and private members are ignored; {@code x5c}/{@code x5u}
 * are never used.
 *
 * <p>Written on java.security rather than jjwt's JWK support: jjwt 0.13's jars declare no module
 * name, so a named module requiring them could not be published.
 */
public final class JwksReader {

  private JwksReader() {}

  /**
   * The signature keys of a JWKS document.
   *
   * @throws IllegalArgumentException when the document is not a JWK set or a key in it is broken
   */
  public static List<VerificationKey> read(String json) {
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
    for (JsonElement e : keys) {
      index++;
      if (!e.isJsonObject()) {
        throw new IllegalArgumentException("key " + index + " is not a JSON object");
      }
      JsonObject k = e.getAsJsonObject();
      String use = str(k, "use");
      if (use != null && !use.equals("sig")) {
        continue;
      }
      String kty = str(k, "kty");
      String kid = str(k, "kid");
      try {
        PublicKey pub;
        if ("RSA".equals(kty)) {
          pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(uint(k, "n"), uint(k, "e")));
        } else if ("EC".equals(kty)) {
          pub = ec(k);
        } else {
          continue;
        }
        out.add(new VerificationKey(pub, kid));
      } catch (GeneralSecurityException | IllegalArgumentException ex) {
        throw new IllegalArgumentException("key " + index + (kid == null ? "" : " (kid " + kid + ")") + " is not a valid "
            + kty + " key: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
      }
    }
    return out;
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
