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

/**
 * A public key ready for verification, with its key ids and, for a JWK that declares one, the one
 * algorithm it may verify. Equal when the key, declared kid and algorithm are equal. RSA keys under
 * {@value #ABSOLUTE_MIN_RSA_BITS} bits are never accepted.
 */
public final class VerificationKey {

  /** RSA keys shorter than this are refused whatever the caller allows (Go's crypto/rsa since 1.24). */
  public static final int ABSOLUTE_MIN_RSA_BITS = 1024;

  public final PublicKey key;
  /** base64url(SHA-256(SubjectPublicKeyInfo DER)), the kid Kubernetes derives. */
  public final String derivedKid;
  /** The kid a JWKS declared for this key, or null. */
  public final @Nullable String declaredKid;
  /** The JWK's {@code alg}: the only algorithm this key verifies; null for any the key type allows. */
  public final @Nullable Alg alg;
  final boolean ec;
  final int curveBits;
  /**
   * The same key in BouncyCastle's form ({@link #NO_BC_KEY} when BouncyCastle does not verify ES
   * signatures here), made on the first ES verification so that loading a key never loads BouncyCastle.
   */
  private volatile @Nullable Object bcKey;

  private static final Object NO_BC_KEY = new Object();

  public VerificationKey(PublicKey key, @Nullable String declaredKid) {
    this(key, declaredKid, null);
  }

  /**
   * A key restricted to one algorithm when {@code alg} is not null.
   *
   * @throws IllegalArgumentException if the key is neither RSA nor EC, is an RSA key under {@value
   *     #ABSOLUTE_MIN_RSA_BITS} bits, or cannot verify {@code alg}
   */
  public VerificationKey(PublicKey key, @Nullable String declaredKid, @Nullable Alg alg) {
    if (!(key instanceof RSAPublicKey) && !(key instanceof ECPublicKey)) {
      throw new IllegalArgumentException("only RSA and EC public keys verify ServiceAccount tokens, got " + key.getAlgorithm());
    }
    if (key instanceof RSAPublicKey && rsaBits(key) < ABSOLUTE_MIN_RSA_BITS) {
      throw new IllegalArgumentException("a " + rsaBits(key) + "-bit RSA key is never accepted (the minimum is "
          + ABSOLUTE_MIN_RSA_BITS + " bits)");
    }
    this.key = key;
    this.alg = alg;
    this.derivedKid = keyId(key);
    this.declaredKid = declaredKid == null || declaredKid.isEmpty() ? null : declaredKid;
    this.ec = key instanceof ECPublicKey;
    this.curveBits = ec ? ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize() : 0;
    if (alg != null && !compatibleWithKeyType(alg)) {
      throw new IllegalArgumentException("alg " + alg + " cannot be verified with " + describe(key));
    }
  }

  /** The modulus length of an RSA key in bits; 0 for any other key. */
  public static int rsaBits(PublicKey key) {
    return key instanceof RSAPublicKey ? ((RSAPublicKey) key).getModulus().bitLength() : 0;
  }

  /** "an RSA key" or "a P-256 key". */
  public static String describe(PublicKey key) {
    if (key instanceof ECPublicKey) {
      int bits = ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
      return "a P-" + bits + " key";
    }
    return "an " + key.getAlgorithm() + " key";
  }

  /** The kid that names this key: the declared one when a JWKS gave one, else the derived one. */
  public String kid() {
    return declaredKid != null ? declaredKid : derivedKid;
  }

  public boolean matches(String kid) {
    return kid.equals(derivedKid) || kid.equals(declaredKid);
  }

  /** This EC key in BouncyCastle's form, or null when BouncyCastle is not used (or this is not an EC key). */
  @Nullable PublicKey bcKey() {
    Object k = bcKey;
    if (k == null) {
      // Racing threads compute equal keys; either write is fine.
      PublicKey converted = ec ? Verifier.toBouncyCastle(key) : null;
      k = converted == null ? NO_BC_KEY : converted;
      bcKey = k;
    }
    return k == NO_BC_KEY ? null : (PublicKey) k;
  }

  /** Whether this key verifies {@code alg}: the key type must allow it, and a declared alg must be it. */
  boolean compatible(Alg alg) {
    return (this.alg == null || this.alg == alg) && compatibleWithKeyType(alg);
  }

  /** Whether the key type allows {@code alg} (RSA: RS and PS; EC: the ES of its curve). */
  public boolean compatibleWithKeyType(Alg alg) {
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
        && Objects.equals(((VerificationKey) o).declaredKid, declaredKid)
        && ((VerificationKey) o).alg == alg;
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
