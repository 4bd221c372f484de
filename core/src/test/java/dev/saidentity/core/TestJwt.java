package dev.saidentity.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Base64;

/** Builds arbitrary (also hostile) compact JWS in tests, signing with java.security directly. */
final class TestJwt {

  static final KeyPair RSA = generate("RSA", 2048);
  static final KeyPair OTHER_RSA = generate("RSA", 2048);
  static final KeyPair EC256 = generateEc("secp256r1");
  static final KeyPair EC384 = generateEc("secp384r1");

  private TestJwt() {}

  static KeyPair generate(String alg, int bits) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
      g.initialize(bits);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair generateEc(String curve) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(curve));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String b64(String s) {
    return b64(s.getBytes(StandardCharsets.UTF_8));
  }

  static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Signs header.payload with the JWS algorithm named; ES signatures in R‖S form. */
  static String sign(String alg, PrivateKey key, String headerJson, String payloadJson) {
    String input = b64(headerJson) + "." + b64(payloadJson);
    return input + "." + b64(signature(alg, key, input.getBytes(StandardCharsets.US_ASCII)));
  }

  static byte[] signature(String alg, PrivateKey key, byte[] input) {
    try {
      Signature s;
      String bits = alg.substring(2);
      switch (alg.substring(0, 2)) {
        case "RS":
          s = Signature.getInstance("SHA" + bits + "withRSA");
          break;
        case "PS":
          s = Signature.getInstance("RSASSA-PSS");
          s.setParameter(new PSSParameterSpec("SHA-" + bits, "MGF1", new MGF1ParameterSpec("SHA-" + bits),
              Integer.parseInt(bits) / 8, 1));
          break;
        case "ES":
          s = Signature.getInstance("SHA" + bits + "withECDSAinP1363Format");
          break;
        default:
          throw new IllegalArgumentException(alg);
      }
      s.initSign(key);
      s.update(input);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String header(String alg, String kid) {
    return "{\"alg\":\"" + alg + "\",\"kid\":\"" + kid + "\"}";
  }

  /** A projected token's claims, issued at iat for an hour, bound to a pod, with warnafter. */
  static String projectedClaims(long iat, String aud) {
    return "{\"aud\":[\"" + aud + "\"],\"exp\":" + (iat + 3600) + ",\"iat\":" + iat + ",\"iss\":\"" + Vectors.ISSUER + "\","
        + "\"jti\":\"j-1\",\"kubernetes.io\":{\"namespace\":\"ns\",\"pod\":{\"name\":\"p\",\"uid\":\"pu\"},"
        + "\"serviceaccount\":{\"name\":\"sa\",\"uid\":\"su\"},\"warnafter\":" + (iat + 600) + "},\"nbf\":" + iat
        + ",\"sub\":\"system:serviceaccount:ns:sa\"}";
  }
}
