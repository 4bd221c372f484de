package dev.saidentity.core.internal;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signature verification with {@code java.security}, one cached {@link Signature} per algorithm and
 * thread, initialized again only when the key changes. ES signatures must be exactly R‖S of the curve's size with 0 &lt; R, S &lt; n (refusing
 * CVE-2022-21449 forgeries before they reach the provider). When BouncyCastle's provider is on the
 * class path it verifies ES signatures (its custom-curve arithmetic is many times faster than the
 * JDK's); set the system property {@code saidentity.bouncycastle=false} to keep the JDK's.
 * BouncyCastle is loaded on the first ES key, never for RSA alone: its provider is some 2,000 classes,
 * most of a one-shot command's start-up.
 */
public final class Verifier {

  private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);
  private static final Alg[] ALGS = Alg.values();

  private static final ThreadLocal<Slot[]> JDK = ThreadLocal.withInitial(() -> new Slot[ALGS.length]);
  private static final ThreadLocal<Slot[]> BCS = ThreadLocal.withInitial(() -> new Slot[ALGS.length]);

  /**
   * A thread's Signature for one algorithm and the key it was last initialized with: {@code verify}
   * leaves a Signature initialized for that key (the JCA contract), so a repeat with the same key
   * skips {@code initVerify}. Any failure forgets the key, so the next use initializes afresh.
   */
  private static final class Slot {
    final Signature signature;
    @Nullable PublicKey key;

    Slot(Signature signature) {
      this.signature = signature;
    }
  }

  private Verifier() {}

  /** Loads BouncyCastle when first read (the holder idiom): only an ES key reads it. */
  private static final class Bc {
    static final @Nullable Provider PROVIDER = loadBouncyCastle();

    private Bc() {}
  }

  private static @Nullable Provider loadBouncyCastle() {
    if ("false".equalsIgnoreCase(System.getProperty("saidentity.bouncycastle"))) {
      return null;
    }
    try {
      Class<?> c = Class.forName("org.bouncycastle.jce.provider.BouncyCastleProvider", true, Verifier.class.getClassLoader());
      Provider p = (Provider) c.getDeclaredConstructor().newInstance();
      LOG.debug("BouncyCastle {} verifies ES signatures", p.getVersionStr());
      return p;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      return null;
    }
  }

  /** Whether BouncyCastle verifies ES signatures in this JVM (loading it if it is not loaded yet). */
  public static boolean bouncyCastleActive() {
    return Bc.PROVIDER != null;
  }

  static @Nullable PublicKey toBouncyCastle(PublicKey key) {
    Provider bc = Bc.PROVIDER;
    if (bc == null) {
      return null;
    }
    try {
      return KeyFactory.getInstance("EC", bc).generatePublic(new X509EncodedKeySpec(key.getEncoded()));
    } catch (GeneralSecurityException | RuntimeException e) {
      return null;
    }
  }

  /** Whether the token's signature verifies with the key under the algorithm. */
  public static boolean verify(ParsedToken.Signed t, Alg alg, VerificationKey k) {
    if (!k.compatible(alg)) {
      return false;
    }
    byte[] sig = t.signature;
    if (alg.ec && !validEcSignature(sig, alg, (ECPublicKey) k.key)) {
      return false;
    }
    Slot slot = null;
    try {
      PublicKey bcKey = alg.ec ? k.bcKey() : null; // BouncyCastle loads on the first EC key only
      boolean bc = bcKey != null;
      slot = slot(bc ? BCS.get() : JDK.get(), alg, bc ? Bc.PROVIDER : null);
      PublicKey key = bc ? bcKey : k.key;
      Signature s = slot.signature;
      if (slot.key != key) {
        slot.key = null;
        s.initVerify(key);
        if (!bc && alg.pss != null) {
          s.setParameter(alg.pss);
        }
        slot.key = key;
      }
      s.update(t.bytes, 0, t.parsed.signingInputLength); // the token's own bytes, no copy
      return s.verify(sig);
    } catch (GeneralSecurityException | RuntimeException e) {
      if (slot != null) {
        slot.key = null;
      }
      return false;
    }
  }

  private static Slot slot(Slot[] slots, Alg alg, @Nullable Provider provider) throws GeneralSecurityException {
    Slot s = slots[alg.ordinal()];
    if (s == null) {
      s = new Slot(provider == null ? Signature.getInstance(alg.jcaName) : Signature.getInstance(alg.bcName(), provider));
      slots[alg.ordinal()] = s;
    }
    return s;
  }

  private static boolean validEcSignature(byte[] sig, Alg alg, ECPublicKey key) {
    int n = alg.coordinateBytes;
    if (sig.length != 2 * n) {
      return false;
    }
    BigInteger order = key.getParams().getOrder();
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(sig, 0, n));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, n, 2 * n));
    return r.signum() > 0 && s.signum() > 0 && r.compareTo(order) < 0 && s.compareTo(order) < 0;
  }
}
