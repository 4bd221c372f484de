package dev.saidentity.tokenrequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What to ask the TokenRequest API for: a token for a ServiceAccount, for audiences, with a
 * lifetime and optionally bound to an object. Checked when built, before any call: the names as the
 * API server validates them, at least one audience (or explicitly the API server's own), a lifetime
 * of 10 minutes to 2^32 seconds. Equal
 * specs are the same cache key (as the kubelet keys its cache: name, namespace, audiences in order,
 * lifetime, bound object, ServiceAccount uid). Immutable.
 *
 * <pre>{@code
 * TokenRequestSpec spec = TokenRequestSpec.builder("payments", "api")
 *     .audience("vault").expiration(Duration.ofMinutes(30)).boundTo(BoundObject.pod("api-7d9f", podUid)).build();
 * }</pre>
 *
 * @param namespace the ServiceAccount's namespace
 * @param serviceAccount the ServiceAccount's name
 * @param audiences the audiences, in order; empty means the API server's own audiences
 * @param expiration the requested lifetime
 * @param boundObject the object the token is bound to
 * @param serviceAccountUid the ServiceAccount's uid; when set, a recreated ServiceAccount is a 409
 */
public record TokenRequestSpec(String namespace, String serviceAccount, List<String> audiences, Duration expiration,
    Optional<BoundObject> boundObject, Optional<String> serviceAccountUid) {

  /** 10 minutes, the API server's minimum. */
  public static final Duration MIN_EXPIRATION = Duration.ofMinutes(10);
  /** 2^32 seconds, the API server's maximum. */
  public static final Duration MAX_EXPIRATION = Duration.ofSeconds(1L << 32);
  /** 1 hour, the API server's default. */
  public static final Duration DEFAULT_EXPIRATION = Duration.ofHours(1);

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** Checks the components (see the class description). */
  public TokenRequestSpec {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(serviceAccount, "serviceAccount");
    Objects.requireNonNull(expiration, "expiration");
    Objects.requireNonNull(boundObject, "boundObject");
    Objects.requireNonNull(serviceAccountUid, "serviceAccountUid");
    if (namespace.length() > 63 || !LABEL.matcher(namespace).matches()) {
      throw new IllegalArgumentException("namespace \"" + namespace + "\" is not a valid namespace name (a DNS-1123 label)");
    }
    if (serviceAccount.length() > 253 || !SUBDOMAIN.matcher(serviceAccount).matches()) {
      throw new IllegalArgumentException("\"" + serviceAccount + "\" is not a valid ServiceAccount name (a DNS-1123 subdomain)");
    }
    audiences = List.copyOf(audiences);
    for (String a : audiences) {
      if (a.isEmpty()) {
        throw new IllegalArgumentException("an audience must not be empty");
      }
    }
    if (expiration.compareTo(MIN_EXPIRATION) < 0) {
      throw new IllegalArgumentException("expiration " + expiration.getSeconds() + "s is under the API server's minimum of 600s (10 minutes)");
    }
    if (expiration.compareTo(MAX_EXPIRATION) > 0) {
      throw new IllegalArgumentException("expiration " + expiration.getSeconds() + "s is over the API server's maximum of 2^32 seconds");
    }
  }

  /** A builder for a token for {@code namespace/serviceAccount}: no audience yet, 1 hour, unbound. */
  public static Builder builder(String namespace, String serviceAccount) {
    return new Builder(namespace, serviceAccount);
  }

  /** Settings of a {@link TokenRequestSpec}. */
  public static final class Builder {
    private final String namespace;
    private final String serviceAccount;
    private final List<String> audiences = new ArrayList<>();
    private Duration expiration = DEFAULT_EXPIRATION;
    private @Nullable BoundObject bound;
    private @Nullable String uid;
    private boolean apiAudiences;

    private Builder(String namespace, String serviceAccount) {
      this.namespace = namespace;
      this.serviceAccount = serviceAccount;
    }

    /** Adds an audience (repeatable, order kept). */
    public Builder audience(String audience) {
      audiences.add(Objects.requireNonNull(audience, "audience"));
      return this;
    }

    /** Adds audiences. */
    public Builder audiences(List<String> values) {
      values.forEach(this::audience);
      return this;
    }

    /**
     * Asks for the API server's own audiences (the token is for calling the API server), as {@code
     * kubectl create token} does without {@code --audience}. Otherwise at least one audience is required.
     */
    public Builder apiAudiences() {
      this.apiAudiences = true;
      return this;
    }

    /** The requested lifetime; default 1 hour. */
    public Builder expiration(Duration value) {
      this.expiration = Objects.requireNonNull(value, "expiration");
      return this;
    }

    /** Binds the token to an object. */
    public Builder boundTo(BoundObject object) {
      this.bound = Objects.requireNonNull(object, "object");
      return this;
    }

    /** The ServiceAccount's expected uid. */
    public Builder serviceAccountUid(String value) {
      this.uid = Objects.requireNonNull(value, "uid");
      return this;
    }

    /**
     * The spec.
     *
     * @throws IllegalArgumentException when a setting is invalid (see {@link TokenRequestSpec})
     */
    public TokenRequestSpec build() {
      if (audiences.isEmpty() && !apiAudiences) {
        throw new IllegalArgumentException("at least one audience is required: name who the token is for,"
            + " or call apiAudiences() for a token to call the API server itself");
      }
      if (!audiences.isEmpty() && apiAudiences) {
        throw new IllegalArgumentException("apiAudiences() and audience(..) exclude each other");
      }
      return new TokenRequestSpec(namespace, serviceAccount, audiences, expiration, Optional.ofNullable(bound),
          uid == null || uid.isEmpty() ? Optional.empty() : Optional.of(uid));
    }
  }

  @Override
  public String toString() {
    return "TokenRequestSpec[" + namespace + "/" + serviceAccount + ", audiences=" + audiences + ", expiration=" + expiration.getSeconds()
        + "s" + boundObject.map(b -> ", bound to " + b.kind().kubernetesKind() + " " + b.name()).orElse("") + "]";
  }
}
