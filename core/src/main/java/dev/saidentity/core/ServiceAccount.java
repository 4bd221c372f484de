package dev.saidentity.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Kubernetes ServiceAccount identity: namespace, name and, when known, uid.
 *
 * <p>The username and groups are those the API server gives a ServiceAccount token's user
 * (upstream {@code serviceaccount.MakeUsername} and {@code MakeGroupNames}):
 *
 * <pre>{@code
 * ServiceAccount sa = ServiceAccount.of("payments", "api");
 * sa.username();  // "system:serviceaccount:payments:api"
 * sa.groups();    // ["system:serviceaccounts", "system:serviceaccounts:payments"]
 * ServiceAccount.fromUsername("system:serviceaccount:payments:api").equals(sa); // true
 * }</pre>
 *
 * <p>{@link #of} does not validate the names, like upstream's {@code MakeUsername};
 * {@link #fromUsername} validates them exactly like upstream's {@code SplitUsername}.
 * Instances are immutable and thread-safe.
 */
public final class ServiceAccount {

  /** {@code system:serviceaccount:}, the prefix of every ServiceAccount username. */
  public static final String USERNAME_PREFIX = "system:serviceaccount:";
  /** {@code system:serviceaccounts}, the group of every ServiceAccount. */
  public static final String ALL_SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";
  /** {@code system:serviceaccounts:}, the prefix of the per-namespace group. */
  public static final String GROUP_PREFIX = "system:serviceaccounts:";
  /** {@code default}, the ServiceAccount every namespace gets. */
  public static final String DEFAULT_NAME = "default";

  static final String INVALID_USERNAME = "Username must be in the form system:serviceaccount:namespace:name";

  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private final String namespace;
  private final String name;
  private final @Nullable String uid;

  private ServiceAccount(String namespace, String name, @Nullable String uid) {
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.name = Objects.requireNonNull(name, "name");
    this.uid = uid == null || uid.isEmpty() ? null : uid;
  }

  /**
   * A ServiceAccount without a known uid.
   *
   * @throws NullPointerException if an argument is null
   */
  public static ServiceAccount of(String namespace, String name) {
    return new ServiceAccount(namespace, name, null);
  }

  /**
   * A ServiceAccount with a uid; an empty or null uid means "unknown".
   *
   * @throws NullPointerException if namespace or name is null
   */
  public static ServiceAccount of(String namespace, String name, @Nullable String uid) {
    return new ServiceAccount(namespace, name, uid);
  }

  /**
   * Parses a username exactly like upstream's {@code SplitUsername}: the prefix
   * {@code system:serviceaccount:}, then exactly two {@code :}-separated parts, the namespace a
   * DNS-1123 label and the name a DNS-1123 subdomain.
   *
   * @throws IllegalArgumentException with upstream's message
   *     {@code Username must be in the form system:serviceaccount:namespace:name} when it is not one
   */
  public static ServiceAccount fromUsername(String username) {
    Objects.requireNonNull(username, "username");
    if (!username.startsWith(USERNAME_PREFIX)) {
      throw new IllegalArgumentException(INVALID_USERNAME);
    }
    String rest = username.substring(USERNAME_PREFIX.length());
    int colon = rest.indexOf(':');
    if (colon < 0 || rest.indexOf(':', colon + 1) >= 0) {
      throw new IllegalArgumentException(INVALID_USERNAME);
    }
    String ns = rest.substring(0, colon);
    String n = rest.substring(colon + 1);
    if (!isDns1123Label(ns) || !isDns1123Subdomain(n)) {
      throw new IllegalArgumentException(INVALID_USERNAME);
    }
    return new ServiceAccount(ns, n, null);
  }

  /** {@code system:serviceaccount:<namespace>:<name>}, without validation (upstream {@code MakeUsername}). */
  public static String makeUsername(String namespace, String name) {
    return USERNAME_PREFIX + namespace + ":" + name;
  }

  /**
   * Whether {@code username} is the username of namespace/name, compared without validating either
   * (upstream {@code MatchesUsername}).
   */
  public static boolean matchesUsername(String namespace, String name, String username) {
    if (!username.startsWith(USERNAME_PREFIX)) {
      return false;
    }
    String rest = username.substring(USERNAME_PREFIX.length());
    if (!rest.startsWith(namespace)) {
      return false;
    }
    rest = rest.substring(namespace.length());
    if (!rest.startsWith(":")) {
      return false;
    }
    return rest.substring(1).equals(name);
  }

  static boolean isDns1123Label(String s) {
    return s.length() <= 63 && DNS1123_LABEL.matcher(s).matches();
  }

  static boolean isDns1123Subdomain(String s) {
    return s.length() <= 253 && DNS1123_SUBDOMAIN.matcher(s).matches();
  }

  /** The namespace. */
  public String namespace() {
    return namespace;
  }

  /** The ServiceAccount's name. */
  public String name() {
    return name;
  }

  /** The uid, when known. */
  public Optional<String> uid() {
    return Optional.ofNullable(uid);
  }

  /** {@code system:serviceaccount:<namespace>:<name>}. */
  public String username() {
    return makeUsername(namespace, name);
  }

  /** {@code [system:serviceaccounts, system:serviceaccounts:<namespace>]}, in that order. */
  public List<String> groups() {
    return List.of(ALL_SERVICE_ACCOUNTS_GROUP, GROUP_PREFIX + namespace);
  }

  /** Whether this is a namespace's {@code default} ServiceAccount. */
  public boolean isDefault() {
    return DEFAULT_NAME.equals(name);
  }

  /** This identity with the given uid. */
  public ServiceAccount withUid(@Nullable String newUid) {
    return new ServiceAccount(namespace, name, newUid);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ServiceAccount
        && ((ServiceAccount) o).namespace.equals(namespace)
        && ((ServiceAccount) o).name.equals(name)
        && Objects.equals(((ServiceAccount) o).uid, uid);
  }

  @Override
  public int hashCode() {
    return Objects.hash(namespace, name, uid);
  }

  @Override
  public String toString() {
    return uid == null ? username() : username() + " (uid " + uid + ")";
  }
}
