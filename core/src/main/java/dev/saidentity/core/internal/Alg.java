package dev.saidentity.core.internal;

import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import org.jspecify.annotations.Nullable;

/** The JWS algorithms a ServiceAccount token may use: the asymmetric ones go-jose v2 verifies. */
public enum Alg {
  RS256("SHA256withRSA", false, 0, null),
  RS384("SHA384withRSA", false, 0, null),
  RS512("SHA512withRSA", false, 0, null),
  PS256("RSASSA-PSS", false, 0, new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1)),
  PS384("RSASSA-PSS", false, 0, new PSSParameterSpec("SHA-384", "MGF1", MGF1ParameterSpec.SHA384, 48, 1)),
  PS512("RSASSA-PSS", false, 0, new PSSParameterSpec("SHA-512", "MGF1", MGF1ParameterSpec.SHA512, 64, 1)),
  ES256("SHA256withECDSAinP1363Format", true, 32, null),
  ES384("SHA384withECDSAinP1363Format", true, 48, null),
  ES512("SHA512withECDSAinP1363Format", true, 66, null);

  final String jcaName;
  final boolean ec;
  /** For ES*: the byte length of each of R and S. */
  final int coordinateBytes;
  final @Nullable PSSParameterSpec pss;

  Alg(String jcaName, boolean ec, int coordinateBytes, @Nullable PSSParameterSpec pss) {
    this.jcaName = jcaName;
    this.ec = ec;
    this.coordinateBytes = coordinateBytes;
    this.pss = pss;
  }

  /** The BouncyCastle name of the same ES algorithm, with R‖S signatures. */
  String bcName() {
    return "SHA" + name().substring(2) + "withPLAIN-ECDSA";
  }

  private static final Alg[] VALUES = values();

  /** The algorithm, or null if {@code name} is not an allowed one. */
  public static @Nullable Alg of(String name) {
    if (name.length() == 5) {
      for (Alg a : VALUES) {
        if (a.name().equals(name)) {
          return a;
        }
      }
    }
    return null;
  }

  /** The field size in bits of the EC curve that ESxxx requires. */
  int curveBits() {
    return coordinateBytes == 66 ? 521 : coordinateBytes * 8;
  }
}
