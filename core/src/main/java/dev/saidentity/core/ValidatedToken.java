package dev.saidentity.core;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A token that passed {@link TokenValidator#validate(String)}: its identity, bindings, matched
 * audiences, times and whether it is stale. Immutable and thread-safe; {@link #toString()} shows a
 * fingerprint, never the token.
 *
 * <pre>{@code
 * ValidatedToken t = validator.validate(bearer);
 * t.username();     // system:serviceaccount:payments:api
 * t.pod();          // Optional[ObjectRef[name=api-7d9f, uid=Optional[...]]]
 * if (t.isStale()) log.warn("caller {} uses a stale token", t.username());
 * }</pre>
 */
public final class ValidatedToken {

  /** Extra key carrying the pod name (upstream {@code authentication.kubernetes.io/pod-name}). */
  public static final String EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name";
  /** Extra key carrying the pod uid. */
  public static final String EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid";
  /** Extra key carrying the node name. */
  public static final String EXTRA_NODE_NAME = "authentication.kubernetes.io/node-name";
  /** Extra key carrying the node uid. */
  public static final String EXTRA_NODE_UID = "authentication.kubernetes.io/node-uid";
  /** Extra key carrying {@code JTI=<jti>}. */
  public static final String EXTRA_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";

  private final UnverifiedToken token;
  private final List<String> audiences;
  private final String keyId;
  private final Instant validatedAt;

  ValidatedToken(UnverifiedToken token, List<String> audiences, String keyId, Instant validatedAt) {
    this.token = token;
    this.audiences = audiences;
    this.keyId = keyId;
    this.validatedAt = validatedAt;
  }

  /** LEGACY or PROJECTED. */
  public TokenKind kind() {
    return token.kind();
  }

  /** The ServiceAccount the token authenticates. */
  public ServiceAccount serviceAccount() {
    return token.serviceAccount();
  }

  /** {@code system:serviceaccount:<ns>:<name>}. */
  public String username() {
    return token.serviceAccount().username();
  }

  /** {@code [system:serviceaccounts, system:serviceaccounts:<ns>]}. */
  public List<String> groups() {
    return token.serviceAccount().groups();
  }

  /**
   * The {@code extra} the API server gives this token's user: pod name and uid (only as a pair),
   * node name, node uid (only with the name), credential id {@code JTI=<jti>}. Empty for legacy
   * tokens.
   */
  public Map<String, List<String>> extra() {
    if (token.kind() == TokenKind.LEGACY) {
      return Map.of();
    }
    Map<String, List<String>> m = new LinkedHashMap<>();
    ObjectRef pod = token.pod().orElse(null);
    if (pod != null && !pod.name().isEmpty() && pod.uid().isPresent()) {
      m.put(EXTRA_POD_NAME, List.of(pod.name()));
      m.put(EXTRA_POD_UID, List.of(pod.uid().get()));
    }
    String jti = token.tokenId().orElse("");
    if (!jti.isEmpty()) {
      m.put(EXTRA_CREDENTIAL_ID, List.of("JTI=" + jti));
    }
    ObjectRef node = token.node().orElse(null);
    if (node != null && !node.name().isEmpty()) {
      m.put(EXTRA_NODE_NAME, List.of(node.name()));
      node.uid().ifPresent(u -> m.put(EXTRA_NODE_UID, List.of(u)));
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The bound Pod. */
  public Optional<ObjectRef> pod() {
    return token.pod();
  }

  /** The bound Secret (projected), or the Secret holding a legacy token. */
  public Optional<ObjectRef> secret() {
    return token.secret();
  }

  /** The bound Node, or the node running the bound Pod. */
  public Optional<ObjectRef> node() {
    return token.node();
  }

  /** The issuer ({@code iss}). */
  public String issuer() {
    return token.issuer().orElse("");
  }

  /**
   * The audiences the token was accepted for: the intersection of its audiences with the required
   * ones, in the order of the required ones (upstream's response audiences).
   */
  public List<String> audiences() {
    return audiences;
  }

  /** The token's own {@code aud}. */
  public List<String> tokenAudiences() {
    return token.audiences();
  }

  /** {@code iat}. */
  public Optional<Instant> issuedAt() {
    return token.issuedAt();
  }

  /** {@code nbf}. */
  public Optional<Instant> notBefore() {
    return token.notBefore();
  }

  /** {@code exp}; empty for legacy tokens, which never expire. */
  public Optional<Instant> expiresAt() {
    return token.expiresAt();
  }

  /** {@code kubernetes.io.warnafter}. */
  public Optional<Instant> warnAfter() {
    return token.warnAfter();
  }

  /**
   * Whether the token was past its {@code warnafter} when validated: it still authenticates (as
   * upstream), but whoever holds it should have rotated it.
   */
  public boolean isStale() {
    Instant w = token.warnAfterInstant();
    return w != null && validatedAt.isAfter(w);
  }

  /** How long past {@code warnafter} the token was when validated, when stale. */
  public Optional<Duration> staleFor() {
    Instant w = token.warnAfterInstant();
    return isStale() ? Optional.of(Duration.between(w, validatedAt)) : Optional.empty();
  }

  /** The instant the validation used as now. */
  public Instant validatedAt() {
    return validatedAt;
  }

  /** {@code jti}. */
  public Optional<String> tokenId() {
    return token.tokenId();
  }

  /** The kid of the key that verified the signature. */
  public String keyId() {
    return keyId;
  }

  /** The signature algorithm. */
  public String algorithm() {
    return token.algorithm();
  }

  /** {@code sub}. */
  public Optional<String> subject() {
    return token.subject();
  }

  /** The token as decoded (the same claims, now verified). */
  public UnverifiedToken claims() {
    return token;
  }

  /** See {@link Tokens#fingerprint(String)}. */
  public String fingerprint() {
    return token.fingerprint();
  }

  ValidatedToken at(Instant now) {
    return new ValidatedToken(token, audiences, keyId, now);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ValidatedToken && ((ValidatedToken) o).token.parsed.token.equals(token.parsed.token)
        && ((ValidatedToken) o).validatedAt.equals(validatedAt);
  }

  @Override
  public int hashCode() {
    return token.parsed.token.hashCode();
  }

  /** Identity, kind and fingerprint; never the token. */
  @Override
  public String toString() {
    return "ValidatedToken{" + token.kind() + ", " + username() + ", " + fingerprint() + (isStale() ? ", stale" : "") + "}";
  }
}
