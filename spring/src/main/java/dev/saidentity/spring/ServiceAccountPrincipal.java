package dev.saidentity.spring;

import dev.saidentity.core.ObjectRef;
import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.ValidatedToken;
import java.io.Serializable;
import java.security.Principal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The caller of a request, authenticated as a Kubernetes ServiceAccount: its namespace, name and uid,
 * the Pod and Node its token is bound to, the audiences it was accepted for, and its issuer. Inject it
 * with {@code @AuthenticationPrincipal ServiceAccountPrincipal caller}. Holds no token. Immutable and
 * thread-safe.
 */
public final class ServiceAccountPrincipal implements Principal, Serializable {

  private static final long serialVersionUID = 1L;

  private final String namespace;
  private final String name;
  private final @Nullable String uid;
  private final @Nullable String podName;
  private final @Nullable String podUid;
  private final @Nullable String nodeName;
  private final @Nullable String nodeUid;
  private final List<String> audiences;
  private final String issuer;
  private final String fingerprint;

  private ServiceAccountPrincipal(ValidatedToken t) {
    ServiceAccount sa = t.serviceAccount();
    this.namespace = sa.namespace();
    this.name = sa.name();
    this.uid = sa.uid().orElse(null);
    this.podName = t.pod().map(ObjectRef::name).orElse(null);
    this.podUid = t.pod().flatMap(ObjectRef::uid).orElse(null);
    this.nodeName = t.node().map(ObjectRef::name).orElse(null);
    this.nodeUid = t.node().flatMap(ObjectRef::uid).orElse(null);
    this.audiences = List.copyOf(t.audiences());
    this.issuer = t.issuer();
    this.fingerprint = t.fingerprint();
  }

  /** The principal of a validated token. */
  public static ServiceAccountPrincipal of(ValidatedToken token) {
    return new ServiceAccountPrincipal(Objects.requireNonNull(token, "token"));
  }

  /** The ServiceAccount's namespace. */
  public String namespace() {
    return namespace;
  }

  /** The ServiceAccount's name. */
  public String name() {
    return name;
  }

  /** The ServiceAccount's uid, when the token carries it (projected tokens, legacy tokens). */
  public Optional<String> uid() {
    return Optional.ofNullable(uid);
  }

  /** The ServiceAccount (namespace, name, uid). */
  public ServiceAccount serviceAccount() {
    return ServiceAccount.of(namespace, name, uid);
  }

  /** The Kubernetes username, {@code system:serviceaccount:<namespace>:<name>}. */
  public String username() {
    return ServiceAccount.makeUsername(namespace, name);
  }

  /** The Pod the token is bound to, when it is. */
  public Optional<ObjectRef> pod() {
    return podName == null ? Optional.empty() : Optional.of(ObjectRef.of(podName, podUid));
  }

  /** The Node the token's Pod runs on, when the token names it. */
  public Optional<ObjectRef> node() {
    return nodeName == null ? Optional.empty() : Optional.of(ObjectRef.of(nodeName, nodeUid));
  }

  /** The required audiences the token was accepted for (within its {@code aud}). */
  public List<String> audiences() {
    return audiences;
  }

  /** The token's issuer ({@code iss}). */
  public String issuer() {
    return issuer;
  }

  /** A short SHA-256 fingerprint of the token, for logs; never the token. */
  public String tokenFingerprint() {
    return fingerprint;
  }

  /** The Kubernetes username; see {@link #username()}. */
  @Override
  public String getName() {
    return username();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof ServiceAccountPrincipal)) {
      return false;
    }
    ServiceAccountPrincipal p = (ServiceAccountPrincipal) o;
    return namespace.equals(p.namespace) && name.equals(p.name) && Objects.equals(uid, p.uid) && Objects.equals(podName, p.podName)
        && Objects.equals(podUid, p.podUid) && Objects.equals(nodeName, p.nodeName) && audiences.equals(p.audiences)
        && issuer.equals(p.issuer) && fingerprint.equals(p.fingerprint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(namespace, name, uid, podName, fingerprint);
  }

  @Override
  public String toString() {
    return "ServiceAccountPrincipal[" + username() + (podName != null ? ", pod " + podName : "") + ", audiences " + audiences
        + ", token " + fingerprint + "]";
  }
}
