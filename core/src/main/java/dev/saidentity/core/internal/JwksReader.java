package dev.saidentity.core.internal;

import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.JwkSet;
import io.jsonwebtoken.security.Jwks;
import java.security.Key;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * JWKS documents read with jjwt's JWK support (RFC 7517/7518 checks, RSA and EC, unknown key types
 * ignored). Only public signature keys are kept; private members are never retained.
 */
public final class JwksReader {

  private JwksReader() {}

  /**
   * The signature keys of a JWKS document.
   *
   * @throws IllegalArgumentException when the document is not a JWK set
   */
  public static List<VerificationKey> read(String json) {
    JwkSet set;
    try {
      set = Jwks.setParser().build().parse(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a valid JWK set (" + e.getClass().getSimpleName() + ": " + safe(e.getMessage()) + ")");
    }
    List<VerificationKey> out = new ArrayList<>();
    for (Jwk<?> jwk : set.getKeys()) {
      Object use = jwk.get("use");
      if (use != null && !"sig".equals(use)) {
        continue;
      }
      Key k = jwk.toKey();
      PublicKey pub = null;
      if (k instanceof PublicKey) {
        pub = (PublicKey) k;
      } else if (jwk instanceof io.jsonwebtoken.security.PrivateJwk) {
        pub = ((io.jsonwebtoken.security.PrivateJwk<?, ?, ?>) jwk).toPublicJwk().toKey();
      }
      if (pub != null && (pub.getAlgorithm().equals("RSA") || pub.getAlgorithm().equals("EC"))) {
        out.add(new VerificationKey(pub, jwk.getId()));
      }
    }
    return out;
  }

  private static String safe(String m) {
    if (m == null) {
      return "";
    }
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }
}
