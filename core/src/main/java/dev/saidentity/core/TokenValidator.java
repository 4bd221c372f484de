package dev.saidentity.core;

import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.internal.Alg;
import dev.saidentity.core.internal.Claims;
import dev.saidentity.core.internal.Failure;
import dev.saidentity.core.internal.KeySet;
import dev.saidentity.core.internal.TokenKey;
import dev.saidentity.core.internal.ParsedToken;
import dev.saidentity.core.internal.VerificationKey;
import dev.saidentity.core.internal.Verifier;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates ServiceAccount tokens offline, as the Kubernetes API server's ServiceAccount
 * authenticators do: issuer, signature, audiences, then time with 60 s of leeway.
 *
 * <pre>{@code
 * TokenValidator validator = TokenValidator.builder()
 *     .issuer("https://kubernetes.default.svc.cluster.local")
 *     .audience("payments")
 *     .keys(KeySource.fromJwksFile(Path.of("jwks.json")))
 *     .build();
 * ValidatedToken caller = validator.validate(bearerToken);   // or tryValidate(..) on hot paths
 * }</pre>
 *
 * <p>The checks, in order: size (64 KiB) and compact-JWS structure ({@code MALFORMED}); the
 * algorithm ({@code UNSUPPORTED_ALGORITHM}: only RS/PS/ES 256/384/512); the legacy policy
 * ({@code LEGACY_TOKEN_NOT_ALLOWED}, before the issuer); the issuer, by exact match ({@code
 * ISSUER_MISMATCH}); the key, by kid ({@code UNKNOWN_KEY}) and the signature ({@code
 * INVALID_SIGNATURE}); required claims ({@code MISSING_CLAIM}); audiences ({@code
 * AUDIENCE_MISMATCH}: required whenever an audience was asked for, skipped only when none was and
 * there are no API audiences); then, for projected tokens only, {@code nbf}, {@code exp}, {@code
 * iat}. Legacy tokens are recognised only under {@code kubernetes/serviceaccount}.
 *
 * <p>Validated tokens are cached (see {@link Builder#cacheSize(int)}), keyed on the token with
 * surrounding whitespace stripped: a repeat is answered without
 * verifying the signature again, but its time is checked on every hit and it is dropped once the
 * key that verified it leaves the key source. Instances are immutable and thread-safe.
 *
 * <p>Outcomes, cache hits and the key source's fetches are counted (one {@link LongAdder} increment
 * each) and read with {@link #stats()}; a {@link Builder#listener(ValidationListener) listener}
 * hears each outcome as it happens.
 */
public final class TokenValidator {

  /** {@code kubernetes/serviceaccount}, the issuer of legacy (Secret-based) tokens. */
  public static final String LEGACY_ISSUER = "kubernetes/serviceaccount";
  /** 60 seconds, upstream's leeway for {@code nbf}, {@code exp} and {@code iat}. */
  public static final Duration DEFAULT_LEEWAY = Duration.ofSeconds(60);
  private static final String CRYPTO_FAILURE = "go-jose/go-jose: error in cryptographic primitive";
  /** 10,000 validated tokens. */
  public static final int DEFAULT_CACHE_SIZE = 10_000;

  private final Set<String> issuers;
  private final Set<String> legacyIssuers;
  private final List<String> apiAudiences;
  private final List<String> requestedAudiences;
  private final KeySource keys;
  private final Clock clock;
  private final Duration leeway;
  private final boolean allowLegacy;
  private final @Nullable ValidatedTokenCache cache;
  private final @Nullable ValidationListener listener;
  private final LongAdder valid = new LongAdder();
  private final LongAdder[] refused = new LongAdder[Reason.values().length];
  private final LongAdder cacheHits = new LongAdder();
  private final LongAdder cacheMisses = new LongAdder();

  private static final Logger LOG = LoggerFactory.getLogger(TokenValidator.class);

  private TokenValidator(Builder b) {
    this.issuers = Set.copyOf(b.issuers);
    Set<String> legacy = new LinkedHashSet<>();
    legacy.add(LEGACY_ISSUER);
    legacy.addAll(b.extraLegacyIssuers);
    this.legacyIssuers = Set.copyOf(legacy);
    this.apiAudiences = b.apiAudiences != null ? List.copyOf(b.apiAudiences) : List.copyOf(b.issuers);
    this.requestedAudiences = b.audiences.isEmpty() ? apiAudiences : List.copyOf(b.audiences);
    this.keys = Objects.requireNonNull(b.keys);
    this.clock = b.clock;
    this.leeway = b.leeway;
    this.allowLegacy = b.allowLegacy;
    this.cache = b.cacheSize > 0 ? new ValidatedTokenCache(b.cacheSize, b.leeway) : null;
    this.listener = b.listener;
    for (int i = 0; i < refused.length; i++) {
      refused[i] = new LongAdder();
    }
  }

  /** A builder with the defaults: no issuer, no audience, {@link Clock#systemUTC()}, 60 s leeway, legacy refused. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Validates a token (surrounding whitespace ignored).
   *
   * @return the validated token
   * @throws TokenValidationException when it is refused, with the reason
   * @throws NullPointerException if token is null
   */
  public ValidatedToken validate(String token) {
    Objects.requireNonNull(token, "token");
    try {
      return counted(token, clock.instant());
    } catch (Failure f) {
      throw f.toException();
    }
  }

  /**
   * Validates a token without throwing on refusal; cheaper than catching {@link
   * TokenValidationException} on hot paths.
   *
   * @throws NullPointerException if token is null
   */
  public ValidationResult tryValidate(String token) {
    Objects.requireNonNull(token, "token");
    try {
      return ValidationResult.valid(counted(token, clock.instant()));
    } catch (Failure f) {
      return ValidationResult.invalid(f.reason(), f.upstream(), f.details());
    }
  }

  /** Validates at a given instant instead of the clock's now (for diagnostics and tests). */
  public ValidationResult tryValidateAt(String token, Instant at) {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(at, "at");
    try {
      return ValidationResult.valid(counted(token, at));
    } catch (Failure f) {
      return ValidationResult.invalid(f.reason(), f.upstream(), f.details());
    }
  }

  /**
   * What this validator has counted since it was built (validations by outcome, cache hits and
   * misses) and its key source's state (keys loaded, fetches by result). Never fetches keys. A
   * validation counts once, whichever of {@code validate}, {@code tryValidate} or {@code
   * tryValidateAt} ran it.
   */
  public ValidationStats stats() {
    Map<Reason, Long> byReason = new java.util.EnumMap<>(Reason.class);
    for (Reason r : Reason.values()) {
      byReason.put(r, refused[r.ordinal()].sum());
    }
    return new ValidationStats(valid.sum(), byReason, cacheHits.sum(), cacheMisses.sum(), keys.loadedKeyCount(),
        keys.refreshCount(true), keys.refreshCount(false));
  }

  /** {@link #check}, counted and told to the listener. */
  private ValidatedToken counted(String token, Instant now) {
    ValidatedToken v;
    try {
      v = check(token, now);
    } catch (Failure f) {
      refused[f.reason().ordinal()].increment();
      ValidationListener l = listener;
      if (l != null) {
        try {
          l.onRefused(f.reason());
        } catch (RuntimeException e) {
          listenerFailed(l, e);
        }
      }
      throw f;
    }
    valid.increment();
    ValidationListener l = listener;
    if (l != null) {
      try {
        l.onValid(v);
      } catch (RuntimeException e) {
        listenerFailed(l, e);
      }
    }
    return v;
  }

  /** The type of what the listener threw, never its message (which might quote anything). */
  private static void listenerFailed(ValidationListener l, RuntimeException e) {
    LOG.debug("the validation listener {} threw {}; ignored", l.getClass().getName(), e.getClass().getName());
  }

  /** How many validated tokens the cache holds now (for tests: the bound must be observable). */
  int cachedTokens() {
    ValidatedTokenCache c = cache;
    return c == null ? 0 : c.size();
  }

  private ValidatedToken check(String raw, Instant now) {
    // Strip before the cache is consulted, so that whitespace variants of one token share one entry.
    String token = raw;
    if (token.length() <= ParsedToken.MAX_LENGTH && !token.isEmpty()
        && (token.charAt(0) <= ' ' || token.charAt(token.length() - 1) <= ' ')) {
      token = token.strip();
    }
    ValidatedTokenCache c = cache;
    TokenKey key = null;
    if (c != null && token.length() <= ParsedToken.MAX_LENGTH) {
      key = new TokenKey(token);
      ValidatedTokenCache.Entry hit = c.get(key);
      if (hit != null && keys.current(now).contains(hit.key)) {
        cacheHits.increment();
        try {
          checkTime(hit.token.claims(), now);
        } catch (Failure f) {
          if (f.reason() == Reason.EXPIRED) {
            c.remove(key, hit);
          }
          throw f;
        }
        return hit.token.at(now);
      }
      cacheMisses.increment();
      if (hit != null) {
        c.remove(key, hit); // verified by a key that has left the key source
      }
    }
    ParsedToken.Signed signed = ParsedToken.parseSigned(token);
    ParsedToken parsed = signed.parsed;
    String algName = Objects.requireNonNull(parsed.header.alg);
    Alg alg = Alg.of(algName);
    if (alg == null) {
      // Upstream has no allow-list: every verifier fails, with go-jose's crypto error.
      throw new Failure(Reason.UNSUPPORTED_ALGORITHM, CRYPTO_FAILURE,
          "unsupported signing algorithm \"" + Failure.printable(algName) + "\" is not one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512");
    }
    UnverifiedToken u = UnverifiedToken.of(parsed);
    String iss = parsed.claims.iss;
    if (u.kind() == TokenKind.LEGACY) {
      if (!allowLegacy) {
        throw new Failure(Reason.LEGACY_TOKEN_NOT_ALLOWED, "legacy ServiceAccount tokens are not allowed",
            "a Secret-based token for " + u.serviceAccount().username()
                + "; use a projected token from the TokenRequest API, or allow legacy tokens explicitly");
      }
      // Upstream's legacy authenticator takes only kubernetes/serviceaccount: flat legacy claims under
      // the bound issuer would otherwise get the legacy treatment, with no time checks at all.
      if (iss == null || !legacyIssuers.contains(iss)) {
        List<String> sorted = new ArrayList<>(legacyIssuers);
        java.util.Collections.sort(sorted);
        throw new Failure(Reason.ISSUER_MISMATCH,
            iss == null ? "token has no issuer" : "token issuer \"" + Failure.printable(iss) + "\" is invalid",
            "a legacy token is accepted only under " + goQuote(sorted));
      }
    } else if (iss == null || !issuers.contains(iss)) {
      throw issuerMismatch(iss, issuers);
    }

    VerificationKey verifiedBy = verify(signed, alg, now);

    if (u.kind() == TokenKind.PROJECTED && !parsed.claims.hasExp) {
      throw new Failure(Reason.MISSING_CLAIM, "exp claim is missing", "a projected token must carry exp");
    }
    List<String> auds = audiences(u);
    checkTime(u, now);
    ValidatedToken v = new ValidatedToken(u, auds, verifiedBy.kid(), now);
    if (c != null && key != null) {
      c.put(key, v, verifiedBy, now);
    }
    return v;
  }

  private VerificationKey verify(ParsedToken.Signed signed, Alg alg, Instant now) {
    String kid = signed.parsed.header.kid;
    KeySet set = keys.current(now);
    List<VerificationKey> candidates = set.candidates(kid);
    if (candidates.isEmpty()) {
      set = keys.unknownKid(now);
      candidates = set.candidates(kid);
    }
    if (candidates.isEmpty()) {
      String why = keys.unavailableReason();
      String details = kid == null || kid.isEmpty()
          ? "there are no verification keys"
          : "kid \"" + Failure.printable(kid) + "\" matches none of the " + set.all().size() + " verification keys" + someKids(set);
      throw new Failure(Reason.UNKNOWN_KEY, "invalid signature, no keys found", why.isEmpty() ? details : details + " (" + why + ")");
    }
    int tried = 0;
    for (VerificationKey k : candidates) {
      tried++;
      if (Verifier.verify(signed, alg, k)) {
        return k;
      }
    }
    throw new Failure(Reason.INVALID_SIGNATURE, CRYPTO_FAILURE,
        "the " + alg + " signature does not verify with any of the " + tried + " candidate keys");
  }

  /** How many kids an {@code UNKNOWN_KEY} refusal names: its size must not grow with the key set. */
  private static final int KIDS_SHOWN = 3;

  /** The first few kids of a key set, for a message whose length does not grow with the set. */
  private static String someKids(KeySet set) {
    List<VerificationKey> all = set.all();
    if (all.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder(" [");
    for (int i = 0; i < all.size() && i < KIDS_SHOWN; i++) {
      sb.append(i == 0 ? "" : ", ").append(Failure.printable(all.get(i).kid()));
    }
    if (all.size() > KIDS_SHOWN) {
      sb.append(", ... ").append(all.size() - KIDS_SHOWN).append(" more");
    }
    return sb.append(']').toString();
  }

  /**
   * Upstream's audience rule: intersection in requested order; the implicit (API) audiences stand in
   * for an absent aud. When audiences are required (explicitly, or the API audiences by default), an
   * empty intersection is refused; only with none required at all is the check skipped.
   */
  private List<String> audiences(UnverifiedToken u) {
    List<String> tokenAuds = u.audiences().isEmpty() ? apiAudiences : u.audiences();
    List<String> out = null;
    for (String r : requestedAudiences) {
      if (tokenAuds.contains(r)) {
        if (out == null) {
          out = new ArrayList<>(1);
        }
        out.add(r);
      }
    }
    if (out == null) {
      // requestedAudiences is the explicit audiences, or the API audiences when none were given.
      if (!requestedAudiences.isEmpty()) {
        throw new Failure(Reason.AUDIENCE_MISMATCH,
            "token audiences " + goQuote(tokenAuds) + " is invalid for the target audiences " + goQuote(requestedAudiences));
      }
      return List.of();
    }
    return List.copyOf(out);
  }

  /**
   * nbf, exp, iat in upstream's order, inclusive of the leeway; legacy tokens get no time checks. The
   * dates are whole seconds, compared as numbers with now moved by the leeway (the same outcome as
   * comparing Instants, with no Instant made for a date unless it is refused).
   */
  private void checkTime(UnverifiedToken u, Instant now) {
    if (u.kind() == TokenKind.LEGACY) {
      return;
    }
    Claims c = u.parsed.claims;
    Instant late = now.plus(leeway);
    // late.isBefore(nbf) for a whole second nbf: late's nanoseconds never bring it below nbf.
    if (c.hasNbf && late.getEpochSecond() < c.nbf) {
      throw new Failure(Reason.NOT_YET_VALID, "service account token is not valid yet",
          "now " + now + " is before nbf " + u.nbf() + " minus leeway " + leeway.toSeconds() + "s");
    }
    Instant early = now.minus(leeway);
    // early.isAfter(exp) for a whole second exp: later second, or the same one and a fraction past it.
    if (c.hasExp && (early.getEpochSecond() > c.exp || early.getEpochSecond() == c.exp && early.getNano() > 0)) {
      throw new Failure(Reason.EXPIRED, "service account token has expired",
          "now " + now + " is after exp " + u.exp() + " plus leeway " + leeway.toSeconds() + "s");
    }
    if (c.hasIat && late.getEpochSecond() < c.iat) {
      throw new Failure(Reason.ISSUED_IN_FUTURE, "service account token is issued in the future",
          "now " + now + " is before iat " + u.iat() + " minus leeway " + leeway.toSeconds() + "s");
    }
  }

  private static Failure issuerMismatch(@Nullable String iss, Set<String> accepted) {
    List<String> sorted = new ArrayList<>(accepted);
    java.util.Collections.sort(sorted);
    return new Failure(Reason.ISSUER_MISMATCH,
        iss == null ? "token has no issuer" : "token issuer \"" + Failure.printable(iss) + "\" is invalid",
        "expected one of " + goQuote(sorted));
  }

  /** Go's {@code %q} of a string slice: {@code ["a" "b"]}. */
  static String goQuote(List<String> values) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append('"');
      String v = values.get(i);
      for (int k = 0; k < v.length(); k++) {
        char ch = v.charAt(k);
        if (ch == '"' || ch == '\\') {
          sb.append('\\').append(ch);
        } else if (ch < 0x20 || ch == 0x7f) {
          sb.append(String.format("\\x%02x", (int) ch));
        } else {
          sb.append(ch);
        }
      }
      sb.append('"');
    }
    return sb.append(']').toString();
  }

  @Override
  public String toString() {
    return "TokenValidator{issuers=" + issuers + ", audiences=" + requestedAudiences + ", keys=" + keys
        + ", leeway=" + leeway + ", allowLegacy=" + allowLegacy + "}";
  }

  /**
   * Settings of a {@link TokenValidator}. Each argument is checked when given. Not thread-safe;
   * build once and share the validator.
   */
  public static final class Builder {
    private final Set<String> issuers = new LinkedHashSet<>();
    private final Set<String> audiences = new LinkedHashSet<>();
    private final Set<String> extraLegacyIssuers = new LinkedHashSet<>();
    private @Nullable List<String> apiAudiences;
    private @Nullable KeySource keys;
    private Clock clock = Clock.systemUTC();
    private Duration leeway = DEFAULT_LEEWAY;
    private boolean allowLegacy;
    private int cacheSize = DEFAULT_CACHE_SIZE;
    private @Nullable ValidationListener listener;

    private Builder() {}

    /**
     * Accept tokens with this {@code iss} (exact string match, as upstream; a trailing slash
     * matters). Repeatable: any of the configured issuers is accepted.
     *
     * @throws IllegalArgumentException if empty
     */
    public Builder issuer(String issuer) {
      if (Objects.requireNonNull(issuer, "issuer").isEmpty()) {
        throw new IllegalArgumentException("issuer must not be empty");
      }
      issuers.add(issuer);
      return this;
    }

    /**
     * Also accept legacy tokens under this {@code iss} (only with {@link #allowLegacyTokens(boolean)}).
     * Upstream's legacy authenticator takes only {@code kubernetes/serviceaccount}, the default;
     * upstream's own unit tests configure another one, which this reproduces. Repeatable.
     *
     * @throws IllegalArgumentException if empty
     */
    public Builder legacyIssuer(String issuer) {
      if (Objects.requireNonNull(issuer, "issuer").isEmpty()) {
        throw new IllegalArgumentException("legacy issuer must not be empty");
      }
      extraLegacyIssuers.add(issuer);
      return this;
    }

    /** Accept any of these issuers; see {@link #issuer(String)}. */
    public Builder issuers(Collection<String> values) {
      values.forEach(this::issuer);
      return this;
    }

    /**
     * Require this audience; repeatable, any of them is enough. Default: the API audiences (see
     * {@link #apiAudiences(Collection)}), as the API server does. An audience given here is always
     * enforced: a token whose {@code aud} (or, without {@code aud}, the API audiences) contains none
     * of them is refused with {@code AUDIENCE_MISMATCH}, also when the API audiences are empty. A
     * legacy token has no {@code aud}, so it passes only if an API audience is required here.
     *
     * @throws IllegalArgumentException if empty
     */
    public Builder audience(String audience) {
      if (Objects.requireNonNull(audience, "audience").isEmpty()) {
        throw new IllegalArgumentException("audience must not be empty");
      }
      audiences.add(audience);
      return this;
    }

    /** Require any of these audiences; see {@link #audience(String)}. */
    public Builder audiences(Collection<String> values) {
      values.forEach(this::audience);
      return this;
    }

    /**
     * The implicit audiences (the API server's {@code --api-audiences}): what a token without
     * {@code aud} is taken to be for, and what is required when no {@link #audience(String)} is
     * set. Default: the issuers. Only with no API audiences and no {@link #audience(String)} at all
     * is the audience check skipped, as upstream.
     */
    public Builder apiAudiences(Collection<String> values) {
      List<String> l = new ArrayList<>();
      for (String v : values) {
        if (Objects.requireNonNull(v, "audience").isEmpty()) {
          throw new IllegalArgumentException("API audience must not be empty");
        }
        l.add(v);
      }
      this.apiAudiences = l;
      return this;
    }

    /** Where the verification keys come from. Required. */
    public Builder keys(KeySource source) {
      this.keys = Objects.requireNonNull(source, "source");
      return this;
    }

    /**
     * Verify with these public keys (see {@link KeySource#of(PublicKey...)}).
     *
     * @throws IllegalArgumentException if a key is neither RSA nor EC
     * @throws KeySourceException if an RSA key is shorter than {@value KeySource#DEFAULT_MIN_RSA_BITS} bits
     */
    public Builder keys(PublicKey... publicKeys) {
      return keys(KeySource.of(publicKeys));
    }

    /** The clock that says what now is; default {@link Clock#systemUTC()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Tolerance for clock skew on {@code nbf}, {@code exp} and {@code iat}; default 60 s.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder leeway(Duration leeway) {
      if (Objects.requireNonNull(leeway, "leeway").isNegative()) {
        throw new IllegalArgumentException("leeway must not be negative: " + leeway);
      }
      this.leeway = leeway;
      return this;
    }

    /**
     * Accept legacy (Secret-based) tokens, with no time checks (they never expire), as upstream's
     * legacy authenticator: only under the issuer {@code kubernetes/serviceaccount} (or one added with
     * {@link #legacyIssuer(String)}); flat legacy claims under any other issuer, a configured {@link
     * #issuer(String)} included, are refused with {@code ISSUER_MISMATCH}. Default: refused with
     * {@code LEGACY_TOKEN_NOT_ALLOWED}.
     */
    public Builder allowLegacyTokens(boolean allow) {
      this.allowLegacy = allow;
      return this;
    }

    /**
     * How many validated tokens to remember; 0 turns the cache off. Default 10,000. When full, a
     * new token takes the place of an expired one or of one not used recently (CLOCK, an
     * approximation of least-recently-used); a hit and an insertion each cost O(1), whatever the size.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder cacheSize(int size) {
      if (size < 0) {
        throw new IllegalArgumentException("cacheSize must not be negative: " + size);
      }
      this.cacheSize = size;
      return this;
    }

    /**
     * Hears each validation's outcome (see {@link ValidationListener}); default none. Outcomes are
     * counted in {@link TokenValidator#stats()} with or without one. A listener that throws never
     * changes an outcome.
     */
    public Builder listener(ValidationListener value) {
      this.listener = Objects.requireNonNull(value, "listener");
      return this;
    }

    /**
     * The validator.
     *
     * @throws IllegalStateException if no keys are set, or no issuer is set and legacy tokens are not allowed
     */
    public TokenValidator build() {
      if (keys == null) {
        throw new IllegalStateException("keys(..) is required");
      }
      if (issuers.isEmpty() && !allowLegacy) {
        throw new IllegalStateException("at least one issuer(..) is required, unless legacy tokens are allowed");
      }
      return new TokenValidator(this);
    }
  }
}
