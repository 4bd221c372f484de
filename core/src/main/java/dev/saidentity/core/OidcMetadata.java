package dev.saidentity.core;

import dev.saidentity.core.internal.GoJson;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The two documents the API server serves for OIDC discovery of its ServiceAccount issuer, rendered
 * byte for byte as upstream renders them: {@code /.well-known/openid-configuration} and {@code
 * /openid/v1/jwks}. For fakes, and for services that publish keys of their own.
 *
 * <pre>{@code
 * OidcMetadata m = OidcMetadata.create("https://issuer.example.com", null, "10.0.0.1:443", List.of(publicKey));
 * m.openIdConfiguration(); // {"issuer":"https://issuer.example.com","jwks_uri":"https://10.0.0.1:443/openid/v1/jwks",...}
 * m.jwks();                // {"keys":[{"use":"sig","kty":"RSA","kid":"...","alg":"RS256","n":"...","e":"AQAB"}]}
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class OidcMetadata {

  /** {@code /.well-known/openid-configuration}. */
  public static final String CONFIG_PATH = "/.well-known/openid-configuration";
  /** {@code /openid/v1/jwks}. */
  public static final String JWKS_PATH = "/openid/v1/jwks";
  /** {@code application/json}, the configuration's content type. */
  public static final String CONFIG_CONTENT_TYPE = "application/json";
  /** {@code application/jwk-set+json}, the key set's content type. */
  public static final String JWKS_CONTENT_TYPE = "application/jwk-set+json";
  /** {@code public, max-age=3600}, on both documents. */
  public static final String CACHE_CONTROL = "public, max-age=3600";

  private final String config;
  private final String jwks;

  private OidcMetadata(String config, String jwks) {
    this.config = config;
    this.jwks = jwks;
  }

  /**
   * Renders the documents, with upstream's checks and messages ({@code NewOpenIDMetadataProvider}).
   *
   * @param issuerUrl the issuer: https, no query, no fragment
   * @param jwksUri where the key set is served (https), or null/empty to use the external address
   * @param externalAddress {@code host:port} for the default {@code https://<address>/openid/v1/jwks}
   * @param keys the RSA or EC (P-256/384/521) public keys; only public parts are ever published
   * @throws IllegalArgumentException with upstream's message when an input is invalid
   */
  public static OidcMetadata create(String issuerUrl, @Nullable String jwksUri, @Nullable String externalAddress,
      List<? extends PublicKey> keys) {
    Objects.requireNonNull(issuerUrl, "issuerUrl");
    String jwksIn = jwksUri == null ? "" : jwksUri;
    String ext = externalAddress == null ? "" : externalAddress;
    if (issuerUrl.isEmpty()) {
      throw new IllegalArgumentException("empty issuer URL");
    }
    if (jwksIn.isEmpty() && ext.isEmpty()) {
      throw new IllegalArgumentException("either the JWKS URI or the default external address, or both, must be set");
    }
    URI iss = parse(issuerUrl);
    if (!"https".equals(iss.getScheme())) {
      throw new IllegalArgumentException("issuer URL must use https scheme, got: " + issuerUrl);
    }
    if (iss.getRawQuery() != null && !iss.getRawQuery().isEmpty()) {
      throw new IllegalArgumentException("issuer URL may not include a query, got: " + issuerUrl);
    }
    if (iss.getRawFragment() != null && !iss.getRawFragment().isEmpty()) {
      throw new IllegalArgumentException("issuer URL may not include a fragment, got: " + issuerUrl);
    }
    String jwksOut;
    if (jwksIn.isEmpty()) {
      String built = "https://" + ext + JWKS_PATH;
      URI u;
      try {
        u = new URI(built);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(externalAddressError(ext, e.getMessage()));
      }
      if (!ext.equals(u.getRawAuthority()) || !JWKS_PATH.equals(u.getRawPath())) {
        throw new IllegalArgumentException(externalAddressError(ext, "got " + u + ", expected " + built));
      }
      jwksOut = built;
    } else {
      URI u = parse(jwksIn);
      if (!"https".equals(u.getScheme())) {
        throw new IllegalArgumentException("jwksURI requires https scheme, parsed as: " + jwksIn);
      }
      jwksOut = jwksIn;
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no keys provided for validating keyset");
    }
    StringBuilder set = new StringBuilder("{\"keys\":[");
    TreeSet<String> algs = new TreeSet<>();
    for (int i = 0; i < keys.size(); i++) {
      PublicKey k = Objects.requireNonNull(keys.get(i), "key");
      String kid = KeySource.keyId(k);
      set.append(i == 0 ? "" : ",");
      if (k instanceof RSAPublicKey) {
        RSAPublicKey r = (RSAPublicKey) k;
        algs.add("RS256");
        set.append("{\"use\":\"sig\",\"kty\":\"RSA\",\"kid\":").append(quote(kid)).append(",\"alg\":\"RS256\",\"n\":\"")
            .append(b64(r.getModulus(), 0)).append("\",\"e\":\"").append(b64(r.getPublicExponent(), 0)).append("\"}");
      } else if (k instanceof ECPublicKey) {
        ECPublicKey e = (ECPublicKey) k;
        int bits = e.getParams().getCurve().getField().getFieldSize();
        String crv;
        String alg;
        if (bits == 256) {
          crv = "P-256";
          alg = "ES256";
        } else if (bits == 384) {
          crv = "P-384";
          alg = "ES384";
        } else if (bits == 521) {
          crv = "P-521";
          alg = "ES512";
        } else {
          throw new IllegalArgumentException("error constructing JWK for key #" + i + ": unknown private key curve, must be 256, 384, or 521");
        }
        algs.add(alg);
        int size = (bits + 7) / 8;
        set.append("{\"use\":\"sig\",\"kty\":\"EC\",\"kid\":").append(quote(kid)).append(",\"crv\":\"").append(crv)
            .append("\",\"alg\":\"").append(alg).append("\",\"x\":\"").append(b64(e.getW().getAffineX(), size))
            .append("\",\"y\":\"").append(b64(e.getW().getAffineY(), size)).append("\"}");
      } else {
        throw new IllegalArgumentException("error constructing JWK for key #" + i
            + ": unknown public key type, must be *rsa.PublicKey, *ecdsa.PublicKey, or jose.OpaqueSigner");
      }
    }
    set.append("]}");
    List<String> algList = new ArrayList<>(algs);
    StringBuilder cfg = new StringBuilder("{\"issuer\":").append(quote(issuerUrl))
        .append(",\"jwks_uri\":").append(quote(jwksOut))
        .append(",\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"]")
        .append(",\"id_token_signing_alg_values_supported\":[");
    for (int i = 0; i < algList.size(); i++) {
      cfg.append(i == 0 ? "" : ",").append(quote(algList.get(i)));
    }
    cfg.append("]}");
    return new OidcMetadata(cfg.toString(), set.toString());
  }

  private static String externalAddressError(String ext, String why) {
    return "attempted to build jwks_uri from external address " + ext + ", but could not construct a valid URL. Error: " + why;
  }

  private static URI parse(String s) {
    try {
      return new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("parse \"" + s + "\": " + e.getReason());
    }
  }

  private static String b64(BigInteger v, int size) {
    byte[] b = v.toByteArray();
    int start = b.length > 1 && b[0] == 0 ? 1 : 0;
    int len = b.length - start;
    byte[] out = new byte[Math.max(len, size)];
    System.arraycopy(b, start, out, out.length - len, len);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
  }

  /** A JSON string as Go's encoding/json writes it (HTML-safe escapes included). */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    GoJson.quote(sb, s);
    return sb.toString();
  }

  /** The {@code /.well-known/openid-configuration} document. */
  public String openIdConfiguration() {
    return config;
  }

  /** The {@code /openid/v1/jwks} document. */
  public String jwks() {
    return jwks;
  }

  @Override
  public String toString() {
    return "OidcMetadata" + config;
  }
}
