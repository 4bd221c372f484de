package dev.saidentity.tokenrequest;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.saidentity.core.Tokens;
import dev.saidentity.core.UnverifiedToken;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Online validation with the TokenReview API: the API server checks signature, issuer, audiences,
 * expiry and that the ServiceAccount and bound object still exist. With required audiences, a token
 * is accepted only when the answer's audiences intersect them. Results are cached by token
 * fingerprint: successes until the token's {@code exp} or the success bound (default 10 s, as the API
 * server caches), failures for the failure bound (default 1 s). Thread-safe.
 *
 * <pre>{@code
 * TokenReviewer reviewer = TokenReviewer.builder(apiClient).audience("payments").build();
 * TokenReviewer.Result r = reviewer.review(bearer);
 * if (!r.authenticated()) deny(r.error());
 * }</pre>
 */
public final class TokenReviewer {

  /**
   * A TokenReview's answer.
   *
   * @param authenticated whether the token authenticates (and meets the required audiences)
   * @param user the user, when authenticated
   * @param audiences the audiences the token was accepted for
   * @param error the API server's error, empty when authenticated
   */
  public record Result(boolean authenticated, Optional<UserInfo> user, List<String> audiences, String error) {
    /** Copies the components. */
    public Result {
      Objects.requireNonNull(user, "user");
      audiences = List.copyOf(audiences);
      Objects.requireNonNull(error, "error");
    }
  }

  private record Cached(Result result, long untilMillis) {}

  private final ApiClient client;
  private final List<String> audiences;
  private final Clock clock;
  private final Duration successTtl;
  private final Duration failureTtl;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private TokenReviewer(Builder b) {
    this.client = b.client;
    this.audiences = List.copyOf(b.audiences);
    this.clock = b.clock;
    this.successTtl = b.successTtl;
    this.failureTtl = b.failureTtl;
  }

  /** A reviewer using {@code client}'s credentials (which need {@code create} on {@code tokenreviews}). */
  public static Builder builder(ApiClient client) {
    return new Builder(Objects.requireNonNull(client, "client"));
  }

  /**
   * Reviews a token.
   *
   * @throws TokenRequestException when the API server cannot be asked (the message says why)
   */
  public Result review(String token) {
    Objects.requireNonNull(token, "token");
    String key = Tokens.fingerprint(token);
    long now = clock.millis();
    Cached c = cache.get(key);
    if (c != null && now < c.untilMillis()) {
      return c.result();
    }
    Result r = ask(token.strip());
    long until;
    if (r.authenticated()) {
      until = now + successTtl.toMillis();
      try {
        Optional<Instant> exp = UnverifiedToken.decode(token).expiresAt();
        if (exp.isPresent()) {
          until = Math.min(until, exp.get().toEpochMilli());
        }
      } catch (RuntimeException opaque) {
        // not a ServiceAccount JWT: the success bound alone
      }
    } else {
      until = now + failureTtl.toMillis();
    }
    if (cache.size() > 10_000) {
      cache.entrySet().removeIf(e -> e.getValue().untilMillis() <= now);
    }
    cache.put(key, new Cached(r, until));
    return r;
  }

  private Result ask(String token) {
    JsonObject spec = new JsonObject();
    spec.addProperty("token", token);
    JsonArray auds = new JsonArray();
    audiences.forEach(auds::add);
    spec.add("audiences", auds);
    JsonObject status = RawApi.review(client, "authentication.k8s.io", "TokenReview", "tokenreviews", spec);
    boolean ok = Json.bool(status, "authenticated");
    List<String> answered = Json.strings(status, "audiences");
    if (ok && !audiences.isEmpty() && !answered.isEmpty() && answered.stream().noneMatch(audiences::contains)) {
      return new Result(false, Optional.empty(), List.of(), "token audiences " + answered + " do not include any of " + audiences);
    }
    return new Result(ok, ok ? Optional.of(Json.user(Json.obj(status, "user"))) : Optional.empty(), answered,
        ok ? "" : Json.str(status, "error"));
  }

  static TokenRequestException reviewError(RawApi.Answer a, String verb, String resource, String group) {
    if (a.code == 403) {
      return new TokenRequestException(TokenRequestException.Reason.FORBIDDEN, 403, null,
          "not allowed to " + verb + " " + resource + "." + group + ": grant the caller `" + verb + "` on `" + resource
              + "` (e.g. the ClusterRole system:auth-delegator) (API server: " + a.statusMessage() + ")", null);
    }
    if (a.code == 401) {
      return new TokenRequestException(TokenRequestException.Reason.UNAUTHORIZED, 401, null,
          "the API server refused this client's own credentials (401)", null);
    }
    if (a.code == 429 || a.code >= 500) {
      return new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, a.code, a.retryAfter,
          "the API server cannot answer now (HTTP " + a.code + "): retry later (API server: " + a.statusMessage() + ")", null);
    }
    return new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, a.code, null,
        "unexpected HTTP " + a.code + " creating " + resource + ": " + a.statusMessage(), null);
  }

  /** Settings of a {@link TokenReviewer}. */
  public static final class Builder {
    private final ApiClient client;
    private final List<String> audiences = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private Duration successTtl = Duration.ofSeconds(10);
    private Duration failureTtl = Duration.ofSeconds(1);

    private Builder(ApiClient client) {
      this.client = client;
    }

    /** Requires this audience (any of the required ones); default: the API server's audiences. */
    public Builder audience(String value) {
      if (Objects.requireNonNull(value, "audience").isEmpty()) {
        throw new IllegalArgumentException("audience must not be empty");
      }
      audiences.add(value);
      return this;
    }

    /** The clock for the cache; default the system clock. */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /** How long successes and failures are remembered; zero disables either. */
    public Builder cache(Duration success, Duration failure) {
      if (success.isNegative() || failure.isNegative()) {
        throw new IllegalArgumentException("cache durations must not be negative");
      }
      this.successTtl = success;
      this.failureTtl = failure;
      return this;
    }

    /** The reviewer. */
    public TokenReviewer build() {
      return new TokenReviewer(this);
    }
  }
}
