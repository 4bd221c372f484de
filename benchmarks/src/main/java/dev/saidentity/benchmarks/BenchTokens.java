package dev.saidentity.benchmarks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** A realistic projected token of about 1 KB, as the kubelet mounts it. */
final class BenchTokens {

  static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

  private BenchTokens() {}

  static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  static String kid(PublicKey key) throws GeneralSecurityException {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
  }

  static String token(String alg, KeyPair kp) throws GeneralSecurityException {
    long iat = System.currentTimeMillis() / 1000;
    String header = "{\"alg\":\"" + alg + "\",\"kid\":\"" + kid(kp.getPublic()) + "\"}";
    String payload = "{\"aud\":[\"" + ISSUER + "\"],\"exp\":" + (iat + 31536000) + ",\"iat\":" + iat
        + ",\"iss\":\"" + ISSUER + "\",\"jti\":\"6b1a3c2e-7f4d-4e8a-9c1b-2d3e4f5a6b7c\","
        + "\"kubernetes.io\":{\"namespace\":\"payments\",\"node\":{\"name\":\"ip-10-0-12-34.eu-west-1.compute.internal\","
        + "\"uid\":\"8d2f6a40-3c1e-4b7a-9f10-2a3b4c5d6e7f\"},\"pod\":{\"name\":\"checkout-7d9f8c6b5-x2k4q\","
        + "\"uid\":\"1f0e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b\"},\"serviceaccount\":{\"name\":\"checkout\","
        + "\"uid\":\"4c3b2a19-0817-4e6f-8d5c-7b6a59483726\"},\"warnafter\":" + (iat + 3607) + "},\"nbf\":" + iat
        + ",\"sub\":\"system:serviceaccount:payments:checkout\"}";
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    return input + "." + b64.encodeToString(sign(alg, kp.getPrivate(), input));
  }

  private static byte[] sign(String alg, PrivateKey key, String input) throws GeneralSecurityException {
    Signature s = Signature.getInstance(alg.equals("RS256") ? "SHA256withRSA" : "SHA256withECDSAinP1363Format");
    s.initSign(key);
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return s.sign();
  }

  /** The signing input and the decoded signature, for the bare verify baseline. */
  static byte[][] split(String token) {
    int dot = token.lastIndexOf('.');
    return new byte[][] {
      token.substring(0, dot).getBytes(StandardCharsets.US_ASCII), Base64.getUrlDecoder().decode(token.substring(dot + 1))
    };
  }
}
