package dev.saidentity.core;

import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.internal.Claims;
import dev.saidentity.core.internal.Failure;
import dev.saidentity.core.internal.ParsedToken;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A ServiceAccount token decoded <strong>without any verification</strong>: for inspection,
 * diagnostics and routing only. Nothing here proves who sent the token; use {@link TokenValidator}
 * for that.
 *
 * <pre>{@code
 * UnverifiedToken t = UnverifiedToken.decode(Files.readString(tokenPath));
 * t.kind();                 // PROJECTED
 * t.serviceAccount();       // system:serviceaccount:payments:api
 * t.expiresAt();            // Optional[2026-11-29T16:00:00Z]
 * }</pre>
 *
 * <p>The kind is told by the shape of the claims, not by the issuer: a {@code kubernetes.io} claim
 * object means {@link TokenKind#PROJECTED} (identity from that object, not from {@code sub}); flat
 * {@code kubernetes.io/serviceaccount/*} claims mean {@link TokenKind#LEGACY} (cross-checked with
 * {@code sub}). Unknown claims are ignored. Instances are immutable and thread-safe; {@link
 * #toString()} shows a fingerprint, never the token.
 */
public final class UnverifiedToken {

  private static final long MIN_EPOCH = Instant.MIN.getEpochSecond();
  private static final long MAX_EPOCH = Instant.MAX.getEpochSecond();

  final ParsedToken parsed;
  private final TokenKind kind;
  private final ServiceAccount serviceAccount;
  private final List<String> audiences;
  private final @Nullable ObjectRef pod;
  private final @Nullable ObjectRef secret;
  private final @Nullable ObjectRef node;
  // The dates, made into Instants only when asked for (racy single-check: an Instant is immutable).
  private @Nullable Instant exp;
  private @Nullable Instant nbf;
  private @Nullable Instant iat;
  private @Nullable Instant warnAfter;
  private volatile @Nullable String fingerprint;

  private UnverifiedToken(ParsedToken parsed, boolean strict) {
    this.parsed = parsed;
    Claims c = parsed.claims;
    checkRange(c.hasExp, c.exp, "exp");
    checkRange(c.hasNbf, c.nbf, "nbf");
    checkRange(c.hasIat, c.iat, "iat");
    checkRange(c.hasWarnAfter, c.warnAfter, "kubernetes.io.warnafter");
    if (c.k8s) {
      kind = TokenKind.PROJECTED;
      if (isEmpty(c.namespace)) {
        throw new Failure(Reason.MISSING_CLAIM, "namespace claim is missing", "a projected token must carry kubernetes.io.namespace");
      }
      if (isEmpty(c.saName)) {
        throw new Failure(Reason.MISSING_CLAIM, "serviceAccountName claim is missing",
            "a projected token must carry kubernetes.io.serviceaccount.name");
      }
      serviceAccount = ServiceAccount.of(c.namespace, c.saName, c.saUid);
      pod = c.pod ? ref(c.podName, c.podUid) : null;
      secret = c.secret ? ref(c.secretName, c.secretUid) : null;
      node = c.node ? ref(c.nodeName, c.nodeUid) : null;
      audiences = c.aud == null ? List.of() : c.aud;
    } else if (c.legacy) {
      kind = TokenKind.LEGACY;
      if (strict) {
        checkLegacyClaims(c);
      } else if (isEmpty(c.legacyNamespace) || isEmpty(c.legacySaName)) {
        // Decoding shows what is there, but a ServiceAccount needs a namespace and a name.
        throw new Failure(Reason.MISSING_CLAIM, isEmpty(c.legacyNamespace) ? "namespace claim is missing" : "serviceAccountName claim is missing",
            "a legacy token names its ServiceAccount in kubernetes.io/serviceaccount/namespace and .../service-account.name");
      }
      serviceAccount = ServiceAccount.of(c.legacyNamespace, c.legacySaName, c.legacySaUid);
      pod = null;
      node = null;
      secret = isEmpty(c.legacySecretName) ? null : ObjectRef.of(c.legacySecretName, null);
      // A legacy token has no audiences, whatever it carries.
      audiences = List.of();
    } else {
      throw Failure.malformed("not a ServiceAccount token: it has neither a kubernetes.io claim object"
          + " nor kubernetes.io/serviceaccount/* claims");
    }
  }

  /**
   * Decodes a token without verifying it. Surrounding whitespace is ignored.
   *
   * <p>Decoding is a diagnostic: it shows what the token carries. A legacy token decodes as long as
   * it names its ServiceAccount (namespace and name), even without {@code sub}, the Secret name or
   * the ServiceAccount uid, and its {@code sub} is not cross-checked; {@link TokenValidator} applies
   * upstream's legacy claim checks ({@code MISSING_CLAIM}, {@code INVALID_CLAIM}) before accepting it.
   *
   * @throws TokenValidationException {@code MALFORMED} when it is not a compact JWS ServiceAccount
   *     token (or is over 64 KiB, or a claim has the wrong JSON type, or a date is out of range),
   *     {@code MISSING_CLAIM} when it does not name a ServiceAccount (namespace and name)
   * @throws NullPointerException if token is null
   */
  public static UnverifiedToken decode(String token) {
    try {
      return decodeInternal(token);
    } catch (Failure f) {
      throw f.toException();
    }
  }

  static UnverifiedToken decodeInternal(String token) {
    java.util.Objects.requireNonNull(token, "token");
    return new UnverifiedToken(ParsedToken.parse(token), false);
  }

  /** For validation: a legacy token must also pass upstream's legacy claim checks. */
  static UnverifiedToken of(ParsedToken parsed) {
    return new UnverifiedToken(parsed, true);
  }

  /** Upstream's legacyValidator presence and consistency checks, in its order and with its words. */
  private static void checkLegacyClaims(Claims c) {
    if (isEmpty(c.sub)) {
      throw new Failure(Reason.MISSING_CLAIM, "sub claim is missing");
    }
    if (isEmpty(c.legacyNamespace)) {
      throw new Failure(Reason.MISSING_CLAIM, "namespace claim is missing");
    }
    if (isEmpty(c.legacySecretName)) {
      throw new Failure(Reason.MISSING_CLAIM, "secretName claim is missing");
    }
    if (isEmpty(c.legacySaName)) {
      throw new Failure(Reason.MISSING_CLAIM, "serviceAccountName claim is missing");
    }
    if (isEmpty(c.legacySaUid)) {
      throw new Failure(Reason.MISSING_CLAIM, "serviceAccountUID claim is missing");
    }
    ServiceAccount fromSub;
    try {
      fromSub = ServiceAccount.fromUsername(c.sub);
    } catch (IllegalArgumentException e) {
      throw new Failure(Reason.INVALID_CLAIM, "sub claim is invalid", "sub is not a valid ServiceAccount username");
    }
    if (!fromSub.namespace().equals(c.legacyNamespace) || !fromSub.name().equals(c.legacySaName)) {
      throw new Failure(Reason.INVALID_CLAIM, "sub claim is invalid", "sub names " + fromSub.username()
          + " but the claims name " + ServiceAccount.makeUsername(c.legacyNamespace, c.legacySaName));
    }
  }

  private static boolean isEmpty(@Nullable String s) {
    return s == null || s.isEmpty();
  }

  private static @Nullable ObjectRef ref(@Nullable String name, @Nullable String uid) {
    return ObjectRef.of(name == null ? "" : name, uid);
  }

  private static void checkRange(boolean present, long epoch, String claim) {
    if (present && (epoch < MIN_EPOCH || epoch > MAX_EPOCH)) {
      throw Failure.malformed("claim " + claim + " is out of range for a date");
    }
  }

  /** {@code exp}, or null. */
  @Nullable Instant exp() {
    Instant i = exp;
    return i != null ? i : (exp = instant(parsed.claims.hasExp, parsed.claims.exp));
  }

  /** {@code nbf}, or null. */
  @Nullable Instant nbf() {
    Instant i = nbf;
    return i != null ? i : (nbf = instant(parsed.claims.hasNbf, parsed.claims.nbf));
  }

  /** {@code iat}, or null. */
  @Nullable Instant iat() {
    Instant i = iat;
    return i != null ? i : (iat = instant(parsed.claims.hasIat, parsed.claims.iat));
  }

  /** {@code kubernetes.io.warnafter}, or null. */
  @Nullable Instant warnAfterInstant() {
    Instant i = warnAfter;
    return i != null ? i : (warnAfter = instant(parsed.claims.hasWarnAfter, parsed.claims.warnAfter));
  }

  private static @Nullable Instant instant(boolean present, long epoch) {
    return present ? Instant.ofEpochSecond(epoch) : null;
  }

  /** LEGACY or PROJECTED, by the shape of the claims. */
  public TokenKind kind() {
    return kind;
  }

  /** The ServiceAccount the token names (uid included when the token carries it). */
  public ServiceAccount serviceAccount() {
    return serviceAccount;
  }

  /** The Pod a projected token is bound to. */
  public Optional<ObjectRef> pod() {
    return Optional.ofNullable(pod);
  }

  /** The Secret a projected token is bound to, or the Secret a legacy token lives in (name only). */
  public Optional<ObjectRef> secret() {
    return Optional.ofNullable(secret);
  }

  /** The Node a projected token is bound to, or that runs its Pod. */
  public Optional<ObjectRef> node() {
    return Optional.ofNullable(node);
  }

  /** {@code iss}. */
  public Optional<String> issuer() {
    return Optional.ofNullable(parsed.claims.iss);
  }

  /** {@code sub}. */
  public Optional<String> subject() {
    return Optional.ofNullable(parsed.claims.sub);
  }

  /** {@code aud}, a string or an array in the token; empty when absent and always empty for legacy tokens. */
  public List<String> audiences() {
    return audiences;
  }

  /** {@code iat}. */
  public Optional<Instant> issuedAt() {
    return Optional.ofNullable(iat());
  }

  /** {@code nbf}. */
  public Optional<Instant> notBefore() {
    return Optional.ofNullable(nbf());
  }

  /** {@code exp}. */
  public Optional<Instant> expiresAt() {
    return Optional.ofNullable(exp());
  }

  /** {@code kubernetes.io.warnafter}: after it the token still works but is stale (the kubelet should have rotated it). */
  public Optional<Instant> warnAfter() {
    return Optional.ofNullable(warnAfterInstant());
  }

  /** {@code jti}. */
  public Optional<String> tokenId() {
    return Optional.ofNullable(parsed.claims.jti);
  }

  /** The header's {@code kid}. */
  public Optional<String> keyId() {
    return Optional.ofNullable(parsed.header.kid);
  }

  /** The header's {@code alg}, as written (not yet checked against the allowed algorithms). */
  public String algorithm() {
    String alg = parsed.header.alg;
    return alg == null ? "" : alg;
  }

  /** See {@link Tokens#fingerprint(String)}. */
  public String fingerprint() {
    String f = fingerprint;
    if (f == null) {
      f = Tokens.fingerprint(parsed.token);
      fingerprint = f;
    }
    return f;
  }

  /** Shows the kind, identity and fingerprint; never the token. */
  @Override
  public String toString() {
    return "UnverifiedToken{" + kind + ", " + serviceAccount.username() + ", " + fingerprint() + "}";
  }
}
