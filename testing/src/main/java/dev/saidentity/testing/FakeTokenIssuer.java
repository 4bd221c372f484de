package dev.saidentity.testing;

import dev.saidentity.core.KeySource;
import dev.saidentity.core.OidcMetadata;
import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.internal.GoJson;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.jspecify.annotations.Nullable;

/**
 * Mints ServiceAccount tokens as the Kubernetes API server does: upstream's claim layout (go-jose's
 * sorted JSON, header {@code {"alg","kid"}}, kid derived from the key), RS256 for RSA keys and
 * ES256/ES384 by curve; projected tokens bound to a Pod, Secret or Node, legacy tokens, and
 * deliberate oddities for negative tests. RS256 tokens are byte-identical to the API server's for
 * the same claims.
 *
 * <pre>{@code
 * FakeTokenIssuer issuer = FakeTokenIssuer.builder().clock(clock).build();   // RSA-2048
 * String token = issuer.projected(ServiceAccount.of("payments", "api", "uid-1"))
 *     .audience("vault").boundToPod("api-7d9f", "pod-uid").expiresIn(Duration.ofHours(1)).mint();
 * TokenValidator validator = issuer.validator().audience("vault").build();
 * }</pre>
 *
 * <p>Thread-safe. {@link #toString()} shows the issuer and kid, never key material.
 */
public final class FakeTokenIssuer {

  /** The default issuer, as a cluster's {@code --service-account-issuer} typically reads. */
  public static final String DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";

  private final String issuer;
  private final KeyPair keys;
  private final String kid;
  private final String algName;
  /** The {@link Signature} algorithm of {@link #algName}; ECDSA signatures in JWS's R‖S form. */
  private final String signatureAlg;
  private final Clock clock;

  private FakeTokenIssuer(Builder b) {
    this.issuer = b.issuer;
    this.keys = b.keys != null ? b.keys : generate("RSA", null);
    this.kid = KeySource.keyId(keys.getPublic());
    this.clock = b.clock;
    if (keys.getPublic() instanceof ECPublicKey) {
      int bits = ((ECPublicKey) keys.getPublic()).getParams().getCurve().getField().getFieldSize();
      if (bits == 256) {
        algName = "ES256";
        signatureAlg = "SHA256withECDSAinP1363Format";
      } else if (bits == 384) {
        algName = "ES384";
        signatureAlg = "SHA384withECDSAinP1363Format";
      } else if (bits == 521) {
        algName = "ES512";
        signatureAlg = "SHA512withECDSAinP1363Format";
      } else {
        throw new IllegalArgumentException("unknown private key curve, must be 256, 384, or 521");
      }
    } else {
      algName = "RS256"; // upstream: "Today we only support RS256" for RSA keys
      signatureAlg = "SHA256withRSA";
    }
  }

  /** A builder: issuer {@value #DEFAULT_ISSUER}, a fresh RSA-2048 key, the system UTC clock. */
  public static Builder builder() {
    return new Builder();
  }

  /** An issuer with the defaults of {@link #builder()}. */
  public static FakeTokenIssuer create() {
    return builder().build();
  }

  /** The issuer ({@code iss}) of projected tokens. */
  public String issuer() {
    return issuer;
  }

  /** The signing key's kid (base64url SHA-256 of its SubjectPublicKeyInfo). */
  public String keyId() {
    return kid;
  }

  /** The verification key. */
  public PublicKey publicKey() {
    return keys.getPublic();
  }

  /** The JWS algorithm: RS256, ES256, ES384 or ES512. */
  public String algorithm() {
    return algName;
  }

  /** The clock that stamps {@code iat}, {@code nbf}, {@code exp}. */
  public Clock clock() {
    return clock;
  }

  /** The public key as PEM ({@code PUBLIC KEY}), as for {@code --service-account-key-file}. */
  public String publicKeyPem() {
    String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPublic().getEncoded());
    return "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
  }

  /** The JWKS the API server would serve at {@code /openid/v1/jwks}, byte for byte. */
  public String jwks() {
    // The key set does not depend on the issuer; any valid https issuer renders it.
    return OidcMetadata.create("https://issuer.invalid", "https://issuer.invalid" + OidcMetadata.JWKS_PATH, null,
        List.of(keys.getPublic())).jwks();
  }

  /**
   * The discovery document the API server would serve for this issuer, with the given {@code
   * jwks_uri}. The API server serves it only for an https issuer; for a plain-HTTP fake (an
   * {@code http://127.0.0.1} issuer) the same fields are rendered without that check.
   */
  public String openIdConfiguration(String jwksUri) {
    if (issuer.startsWith("https://") && jwksUri.startsWith("https://")) {
      return OidcMetadata.create(issuer, jwksUri, null, List.of(keys.getPublic())).openIdConfiguration();
    }
    StringBuilder sb = new StringBuilder("{\"issuer\":");
    GoJson.quote(sb, issuer);
    sb.append(",\"jwks_uri\":");
    GoJson.quote(sb, jwksUri);
    return sb.append(",\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"],")
        .append("\"id_token_signing_alg_values_supported\":[\"").append(algName).append("\"]}").toString();
  }

  /** A key source holding this issuer's key. */
  public KeySource keySource() {
    return KeySource.of(keys.getPublic());
  }

  /** A validator builder for this issuer's tokens: its issuer, key and clock. */
  public TokenValidator.Builder validator() {
    return TokenValidator.builder().issuer(issuer).keys(keySource()).clock(clock);
  }

  /** Starts a projected (TokenRequest-style) token for the ServiceAccount: 1 hour, no audience, unbound. */
  public ProjectedToken projected(ServiceAccount serviceAccount) {
    return new ProjectedToken(this, Objects.requireNonNull(serviceAccount, "serviceAccount"));
  }

  /**
   * A legacy Secret-based token: {@code iss: kubernetes/serviceaccount}, the four flat claims and
   * {@code sub}; no expiry.
   *
   * @throws IllegalArgumentException if the ServiceAccount has no uid (legacy tokens always carry one)
   */
  public String legacy(ServiceAccount serviceAccount, String secretName) {
    String uid = serviceAccount.uid().orElseThrow(() -> new IllegalArgumentException("a legacy token needs the ServiceAccount's uid"));
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", TokenValidator.LEGACY_ISSUER);
    claims.put("sub", serviceAccount.username());
    claims.put("kubernetes.io/serviceaccount/namespace", serviceAccount.namespace());
    claims.put("kubernetes.io/serviceaccount/secret.name", Objects.requireNonNull(secretName, "secretName"));
    claims.put("kubernetes.io/serviceaccount/service-account.name", serviceAccount.name());
    claims.put("kubernetes.io/serviceaccount/service-account.uid", uid);
    return sign(claims);
  }

  /** Signs arbitrary claims (serialized as go-jose does) with this issuer's key: for odd tokens. */
  public String sign(Map<String, ?> claims) {
    return signPayload(GoJson.write(claims));
  }

  /** Signs an arbitrary payload string with this issuer's key and header. */
  public String signPayload(String payload) {
    // go-jose's protected header: alg, then kid; compact serialization in base64url without padding.
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input = b64.encodeToString(("{\"alg\":\"" + algName + "\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8))
        + "." + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    try {
      Signature s = Signature.getInstance(signatureAlg);
      s.initSign(keys.getPrivate());
      s.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + b64.encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with " + algName, e);
    }
  }

  @Override
  public String toString() {
    return "FakeTokenIssuer[" + issuer + ", " + algName + " kid " + kid + "]";
  }

  private static KeyPair generate(String type, @Nullable String curve) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(type);
      if (curve == null) {
        g.initialize(2048);
      } else {
        g.initialize(new ECGenParameterSpec(curve));
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a " + type + " key", e);
    }
  }

  /** A projected token being built. Not thread-safe; {@link #mint()} may be called more than once. */
  public static final class ProjectedToken {
    private final FakeTokenIssuer issuer;
    private final ServiceAccount sa;
    private final List<String> audiences = new ArrayList<>();
    private Duration expiresIn = Duration.ofHours(1);
    private @Nullable Duration warnAfter;
    private @Nullable Instant issuedAt;
    private String @Nullable [] pod;
    private String @Nullable [] secret;
    private String @Nullable [] node;
    private @Nullable String jti;
    private @Nullable String iss;
    private final Map<String, @Nullable Object> extra = new LinkedHashMap<>();
    private final List<String> without = new ArrayList<>();

    ProjectedToken(FakeTokenIssuer issuer, ServiceAccount sa) {
      this.issuer = issuer;
      this.sa = sa;
    }

    /** Adds an audience (repeatable); with none, {@code aud} is omitted as upstream omits it. */
    public ProjectedToken audience(String audience) {
      audiences.add(Objects.requireNonNull(audience, "audience"));
      return this;
    }

    /** The lifetime: {@code exp = iat + duration}; default 1 hour. */
    public ProjectedToken expiresIn(Duration duration) {
      this.expiresIn = Objects.requireNonNull(duration, "duration");
      return this;
    }

    /** Adds {@code kubernetes.io.warnafter = iat + after}, as for kubelet tokens with extended expiry. */
    public ProjectedToken warnAfter(Duration after) {
      this.warnAfter = Objects.requireNonNull(after, "after");
      return this;
    }

    /**
     * The kubelet's default projected token with extended expiry: JWT valid one year, warnafter at
     * 3607 s, bound to the pod.
     */
    public ProjectedToken kubeletExtended() {
      return expiresIn(Duration.ofSeconds(31536000)).warnAfter(Duration.ofSeconds(3607));
    }

    /** Issued at this instant instead of the clock's now (for expired or future tokens). */
    public ProjectedToken issuedAt(Instant at) {
      this.issuedAt = Objects.requireNonNull(at, "at");
      return this;
    }

    /** Binds to a Pod. */
    public ProjectedToken boundToPod(String name, String uid) {
      this.pod = new String[] {name, uid};
      return this;
    }

    /** Binds to a Secret. */
    public ProjectedToken boundToSecret(String name, String uid) {
      this.secret = new String[] {name, uid};
      return this;
    }

    /** Binds to a Node, or (with a Pod) names the node the Pod runs on; the uid may be null. */
    public ProjectedToken node(String name, @Nullable String uid) {
      this.node = new String[] {name, uid};
      return this;
    }

    /** The {@code jti}; default a random UUID. */
    public ProjectedToken tokenId(String id) {
      this.jti = Objects.requireNonNull(id, "id");
      return this;
    }

    /** An {@code iss} other than the issuer's (a wrong-issuer token). */
    public ProjectedToken issuer(String otherIssuer) {
      this.iss = Objects.requireNonNull(otherIssuer, "otherIssuer");
      return this;
    }

    /** Adds or replaces a top-level claim (an extra or mistyped claim); null writes JSON null. */
    public ProjectedToken claim(String name, @Nullable Object value) {
      extra.put(Objects.requireNonNull(name, "name"), value);
      return this;
    }

    /** Leaves out a claim: a top-level name ({@code "exp"}) or one inside {@code kubernetes.io} ({@code "kubernetes.io.namespace"}). */
    public ProjectedToken without(String claim) {
      without.add(Objects.requireNonNull(claim, "claim"));
      return this;
    }

    /** The claims as upstream's {@code Claims(..)} builds them. */
    public Map<String, Object> claims() {
      if (secret != null && (pod != null || node != null)) {
        throw new IllegalStateException("internal error, token can only be bound to one object type");
      }
      Instant now = issuedAt != null ? issuedAt : issuer.clock.instant();
      long iat = now.getEpochSecond();
      Map<String, Object> k8s = new LinkedHashMap<>();
      k8s.put("namespace", sa.namespace());
      k8s.put("serviceaccount", ref(sa.name(), sa.uid().orElse(null)));
      if (pod != null) {
        k8s.put("pod", ref(pod[0], pod[1]));
      }
      if (secret != null) {
        k8s.put("secret", ref(secret[0], secret[1]));
      }
      if (node != null) {
        k8s.put("node", ref(node[0], node[1]));
      }
      if (warnAfter != null) {
        k8s.put("warnafter", iat + warnAfter.getSeconds());
      }
      Map<String, Object> claims = new LinkedHashMap<>();
      claims.put("iss", iss != null ? iss : issuer.issuer);
      claims.put("sub", sa.username());
      if (!audiences.isEmpty()) {
        claims.put("aud", List.copyOf(audiences));
      }
      claims.put("exp", iat + expiresIn.getSeconds());
      claims.put("nbf", iat);
      claims.put("iat", iat);
      claims.put("jti", jti != null ? jti : UUID.randomUUID().toString());
      claims.put("kubernetes.io", k8s);
      for (String w : without) {
        if (w.startsWith("kubernetes.io.")) {
          k8s.remove(w.substring("kubernetes.io.".length()));
        } else {
          claims.remove(w);
        }
      }
      claims.putAll(extra);
      return claims;
    }

    private static Map<String, Object> ref(String name, @Nullable String uid) {
      Map<String, Object> m = new LinkedHashMap<>();
      if (name != null && !name.isEmpty()) {
        m.put("name", name);
      }
      if (uid != null && !uid.isEmpty()) {
        m.put("uid", uid);
      }
      return m;
    }

    /**
     * Signs the token.
     *
     * @throws IllegalStateException with upstream's message if bound to a Secret and a Pod or Node
     */
    public String mint() {
      return issuer.sign(claims());
    }
  }

  /** Settings of a {@link FakeTokenIssuer}. */
  public static final class Builder {
    private String issuer = DEFAULT_ISSUER;
    private @Nullable KeyPair keys;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The {@code iss} of projected tokens; default {@value FakeTokenIssuer#DEFAULT_ISSUER}. */
    public Builder issuer(String value) {
      if (Objects.requireNonNull(value, "issuer").isEmpty()) {
        throw new IllegalArgumentException("issuer must not be empty");
      }
      this.issuer = value;
      return this;
    }

    /** A fresh RSA-2048 key (the default); tokens are RS256. */
    public Builder rsa() {
      this.keys = generate("RSA", null);
      return this;
    }

    /** A fresh EC P-256 key; tokens are ES256. */
    public Builder ecP256() {
      this.keys = generate("EC", "secp256r1");
      return this;
    }

    /** A fresh EC P-384 key; tokens are ES384. */
    public Builder ecP384() {
      this.keys = generate("EC", "secp384r1");
      return this;
    }

    /** This key pair (RSA, or EC on P-256/384/521). */
    public Builder keyPair(KeyPair pair) {
      this.keys = Objects.requireNonNull(pair, "pair");
      return this;
    }

    /**
     * The key from a PEM private key ({@code RSA PRIVATE KEY}, {@code EC PRIVATE KEY} or {@code
     * PRIVATE KEY}), like the API server's {@code --service-account-signing-key-file}.
     *
     * @throws IllegalArgumentException if it cannot be read
     */
    public Builder privateKeyPem(String pem) {
      this.keys = readKeyPair(pem);
      return this;
    }

    /** The clock for {@code iat}, {@code nbf}, {@code exp}; default {@link Clock#systemUTC()}. */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /** The issuer. */
    public FakeTokenIssuer build() {
      return new FakeTokenIssuer(this);
    }
  }

  /** Reads an RSA or EC key pair from a PEM private key. */
  static KeyPair readKeyPair(String pem) {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      JcaPEMKeyConverter c = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair) {
        return c.getKeyPair((PEMKeyPair) o);
      } else if (o instanceof PrivateKeyInfo) {
        PrivateKey priv = c.getPrivateKey((PrivateKeyInfo) o);
        throw new IllegalArgumentException("PKCS#8 " + priv.getAlgorithm()
            + " keys carry no public key here; use an RSA PRIVATE KEY or EC PRIVATE KEY block, or keyPair(..)");
      } else {
        throw new IllegalArgumentException("no RSA or EC private key in the PEM text");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the PEM private key: " + e.getClass().getSimpleName());
    }
  }
}
