package dev.saidentity.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A public key ready for verification, with its key ids. Equal when the key and declared kid are equal. */
public final class VerificationKey {

  public final PublicKey key;
  /** base64url(SHA-256(SubjectPublicKeyInfo DER)), the kid Kubernetes derives. */
  public final String derivedKid;
  /** The kid a JWKS declared for this key, or null. */
  public final @Nullable String declaredKid;
  final boolean ec;
  final int curveBits;
  /** The same key in BouncyCastle's form, when BouncyCastle verifies ES signatures here. */
  final @Nullable PublicKey bcKey;

  public VerificationKey(PublicKey key, @Nullable String declaredKid) {
    if (!(key instanceof RSAPublicKey) && !(key instanceof ECPublicKey)) {
      throw new IllegalArgumentException("only RSA and EC public keys verify ServiceAccount tokens, got " + key.getAlgorithm());
    }
    this.key = key;
    this.derivedKid = keyId(key);
    this.declaredKid = declaredKid == null || declaredKid.isEmpty() ? null : declaredKid;
    this.ec = key instanceof ECPublicKey;
    this.curveBits = ec ? ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize() : 0;
    this.bcKey = ec ? Verifier.toBouncyCastle(key) : null;
  }

  /** The kid that names this key: the declared one when a JWKS gave one, else the derived one. */
  public String kid() {
    return declaredKid != null ? declaredKid : derivedKid;
  }

  public boolean matches(String kid) {
    return kid.equals(derivedKid) || kid.equals(declaredKid);
  }

  boolean compatible(Alg alg) {
    return alg.ec ? ec && curveBits == alg.curveBits() : !ec;
  }

  public static String keyId(PublicKey key) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return new String(Base64.getUrlEncoder().withoutPadding().encode(d), StandardCharsets.US_ASCII);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof VerificationKey
        && ((VerificationKey) o).derivedKid.equals(derivedKid)
        && Objects.equals(((VerificationKey) o).declaredKid, declaredKid);
  }

  @Override
  public int hashCode() {
    return derivedKid.hashCode();
  }

  @Override
  public String toString() {
    return key.getAlgorithm() + " key " + kid();
  }
}
