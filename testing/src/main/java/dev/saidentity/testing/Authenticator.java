package dev.saidentity.testing;

import com.google.gson.JsonObject;
import dev.saidentity.core.ClusterObjects;
import dev.saidentity.core.KeySource;
import dev.saidentity.core.ObjectBindings;
import dev.saidentity.core.StoredObject;
import dev.saidentity.core.TokenKind;
import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.core.ValidatedToken;
import dev.saidentity.core.ValidationResult;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The fake's token authenticator, as the API server chains it: the static admin token, then the
 * legacy ServiceAccount authenticator, then the bound one; each checks signature, issuer, audiences
 * and time (core's {@link TokenValidator}) and then the objects (core's {@link ObjectBindings}).
 */
final class Authenticator {

  /** The outcome of authenticating a token: a user and audiences, or an error (upstream's text). */
  static final class Result {
    final Rbac.@Nullable User user;
    final List<String> audiences;
    final String error;

    Result(Rbac.@Nullable User user, List<String> audiences, String error) {
      this.user = user;
      this.audiences = audiences;
      this.error = error;
    }
  }

  static final String ADMIN_USER = "kubernetes-admin";

  private final String adminToken;
  private final List<String> apiAudiences;
  private final Clock clock;
  private final KeySource keys;
  private final String issuer;
  private final ClusterObjects objects;

  Authenticator(String adminToken, String issuer, List<String> apiAudiences, KeySource keys, Clock clock, ObjectStore store) {
    this.adminToken = adminToken;
    this.issuer = issuer;
    this.apiAudiences = List.copyOf(apiAudiences);
    this.keys = keys;
    this.clock = clock;
    this.objects = new StoreObjects(store);
  }

  Rbac.User admin() {
    return new Rbac.User(ADMIN_USER, "", List.of("system:masters", "system:authenticated"), Map.of());
  }

  static Rbac.User anonymous() {
    return new Rbac.User("system:anonymous", "", List.of("system:unauthenticated"), Map.of());
  }

  /** Authenticates a bearer token for the given audiences (null: the API audiences). */
  Result authenticate(String token, @Nullable List<String> requested) {
    if (java.security.MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), adminToken.getBytes(StandardCharsets.UTF_8))) {
      return new Result(admin(), requested == null || requested.isEmpty() ? apiAudiences : requested, "");
    }
    List<String> auds = requested == null || requested.isEmpty() ? apiAudiences : requested;
    TokenKind kind;
    try {
      kind = UnverifiedToken.decode(token).kind();
    } catch (RuntimeException e) {
      return new Result(null, List.of(), "invalid bearer token");
    }
    TokenValidator.Builder b = TokenValidator.builder().keys(keys).clock(clock).apiAudiences(apiAudiences).audiences(auds).cacheSize(0);
    if (kind == TokenKind.LEGACY) {
      b.allowLegacyTokens(true);
    } else {
      b.issuer(issuer);
    }
    ValidationResult r = b.build().tryValidate(token);
    if (!r.isValid()) {
      Reason reason = r.reason().orElseThrow();
      // Upstream declines these without an error; the bearer-token layer then says "invalid bearer token".
      boolean declined = reason == Reason.MALFORMED || reason == Reason.ISSUER_MISMATCH || reason == Reason.LEGACY_TOKEN_NOT_ALLOWED;
      return new Result(null, List.of(), declined ? "invalid bearer token" : r.upstreamMessage());
    }
    ValidatedToken t = r.token().orElseThrow();
    Optional<String> revoked = ObjectBindings.check(t, token, objects, clock.instant());
    if (revoked.isPresent()) {
      return new Result(null, List.of(), revoked.get());
    }
    List<String> groups = new ArrayList<>(t.groups());
    groups.add("system:authenticated");
    return new Result(new Rbac.User(t.username(), t.serviceAccount().uid().orElse(""), groups, t.extra()), t.audiences(), "");
  }

  /** The store seen as core's {@link ClusterObjects}. */
  static final class StoreObjects implements ClusterObjects {
    private final ObjectStore store;

    StoreObjects(ObjectStore store) {
      this.store = store;
    }

    private static final ResourceType SA = ResourceType.find("", "v1", "serviceaccounts");
    private static final ResourceType SECRET = ResourceType.find("", "v1", "secrets");
    private static final ResourceType POD = ResourceType.find("", "v1", "pods");
    private static final ResourceType NODE = ResourceType.find("", "v1", "nodes");

    private Optional<StoredObject> get(ResourceType t, String ns, String name) {
      JsonObject o = store.get(t, ns, name);
      if (o == null) {
        return Optional.empty();
      }
      JsonObject meta = ObjectStore.meta(o);
      StoredObject s = StoredObject.of(Rbac.str(meta, "uid"));
      String del = Rbac.str(meta, "deletionTimestamp");
      if (!del.isEmpty()) {
        s = s.deletedAt(Instant.parse(del));
      }
      if (meta.has("labels") && meta.get("labels").isJsonObject()) {
        Map<String, String> labels = new HashMap<>();
        meta.getAsJsonObject("labels").entrySet().forEach(e -> labels.put(e.getKey(), e.getValue().getAsString()));
        s = s.withLabels(labels);
      }
      if (o.has("data") && o.get("data").isJsonObject() && o.getAsJsonObject("data").has("token")) {
        try {
          s = s.withToken(new String(Base64.getDecoder().decode(o.getAsJsonObject("data").get("token").getAsString()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          // not base64: no usable token
        }
      }
      return Optional.of(s);
    }

    @Override
    public Optional<StoredObject> serviceAccount(String namespace, String name) {
      return get(SA, namespace, name);
    }

    @Override
    public Optional<StoredObject> secret(String namespace, String name) {
      return get(SECRET, namespace, name);
    }

    @Override
    public Optional<StoredObject> pod(String namespace, String name) {
      return get(POD, namespace, name);
    }

    @Override
    public Optional<StoredObject> node(String name) {
      return get(NODE, "", name);
    }
  }
}
