package dev.saidentity.tokenrequest;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TokenRequest API ({@code POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token}) on a
 * client-java {@link ApiClient}. Answers map to typed errors that say what to do; {@code Warning}
 * headers are kept on the token and logged. Thread-safe (as the ApiClient is).
 *
 * <pre>{@code
 * TokenRequestClient tokens = TokenRequestClient.create(apiClient);
 * IssuedToken t = tokens.request(TokenRequestSpec.builder("payments", "api").audience("vault").build());
 * }</pre>
 */
public final class TokenRequestClient {

  private static final Logger LOG = LoggerFactory.getLogger(TokenRequestClient.class);

  private final ApiClient client;

  private TokenRequestClient(ApiClient client) {
    this.client = client;
  }

  /** A client over this ApiClient (its server, TLS and credentials). */
  public static TokenRequestClient create(ApiClient client) {
    return new TokenRequestClient(Objects.requireNonNull(client, "client"));
  }

  /**
   * Requests a token.
   *
   * @throws TokenRequestException with the reason and what to do
   */
  public IssuedToken request(TokenRequestSpec spec) {
    Objects.requireNonNull(spec, "spec");
    JsonObject body = new JsonObject();
    body.addProperty("apiVersion", "authentication.k8s.io/v1");
    body.addProperty("kind", "TokenRequest");
    JsonObject meta = new JsonObject();
    spec.serviceAccountUid().ifPresent(u -> meta.addProperty("uid", u));
    body.add("metadata", meta);
    JsonObject s = new JsonObject();
    JsonArray auds = new JsonArray();
    spec.audiences().forEach(auds::add);
    s.add("audiences", auds);
    s.addProperty("expirationSeconds", spec.expiration().getSeconds());
    spec.boundObject().ifPresent(b -> {
      JsonObject ref = new JsonObject();
      ref.addProperty("kind", b.kind().kubernetesKind());
      ref.addProperty("apiVersion", "v1");
      ref.addProperty("name", b.name());
      b.uid().ifPresent(u -> ref.addProperty("uid", u));
      s.add("boundObjectRef", ref);
    });
    body.add("spec", s);
    String path = "/api/v1/namespaces/" + spec.namespace() + "/serviceaccounts/" + spec.serviceAccount() + "/token";
    RawApi.Answer a = RawApi.post(client, path, body);
    if (a.code != 200 && a.code != 201) {
      throw error(spec, a);
    }
    for (String w : a.warnings) {
      LOG.warn("TokenRequest for {}/{}: the API server warns: {}", spec.namespace(), spec.serviceAccount(), w);
    }
    String token = Json.str(Json.obj(a.body, "status"), "token");
    String exp = Json.str(Json.obj(a.body, "status"), "expirationTimestamp");
    if (token.isEmpty() || exp.isEmpty()) {
      throw new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, a.code, null,
          "the TokenRequest answer for " + spec.namespace() + "/" + spec.serviceAccount() + " has no status.token or status.expirationTimestamp", null);
    }
    Instant expiresAt;
    try {
      expiresAt = OffsetDateTime.parse(exp).toInstant();
    } catch (DateTimeParseException e) {
      throw new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, a.code, null,
          "the TokenRequest answer has an unreadable status.expirationTimestamp \"" + exp + "\"", null);
    }
    long seconds = spec.expiration().getSeconds();
    String echoed = Json.str(Json.obj(a.body, "spec"), "expirationSeconds");
    if (!echoed.isEmpty()) {
      try {
        seconds = Long.parseLong(echoed);
      } catch (NumberFormatException ignored) {
        // keep the requested value
      }
    }
    List<String> audiences = new ArrayList<>();
    JsonElement sa = a.body.has("spec") && a.body.get("spec").isJsonObject() ? a.body.getAsJsonObject("spec").get("audiences") : null;
    if (sa != null && sa.isJsonArray()) {
      sa.getAsJsonArray().forEach(x -> audiences.add(x.getAsString()));
    } else {
      audiences.addAll(spec.audiences());
    }
    return new IssuedToken(token, expiresAt, seconds, audiences, a.warnings);
  }

  static TokenRequestException error(TokenRequestSpec spec, RawApi.Answer a) {
    String who = spec.namespace() + "/" + spec.serviceAccount();
    String server = a.statusMessage();
    switch (a.code) {
      case 401:
        return new TokenRequestException(TokenRequestException.Reason.UNAUTHORIZED, 401, null,
            "the API server refused this client's own credentials (401) when requesting a token for " + who
                + ": check the client's token or certificate", null);
      case 403:
        return new TokenRequestException(TokenRequestException.Reason.FORBIDDEN, 403, null,
            "not allowed to request a token for ServiceAccount " + who + ": grant the caller `create` on `serviceaccounts/token`"
                + " in namespace " + spec.namespace() + " (API server: " + server + ")", null);
      case 404:
        return new TokenRequestException(TokenRequestException.Reason.NOT_FOUND, 404, null,
            "ServiceAccount " + who + " or the bound object was not found, or the API server has no TokenRequest endpoint: create it"
                + " first (API server: " + server + ")", null);
      case 409:
        return new TokenRequestException(TokenRequestException.Reason.CONFLICT, 409, null,
            "the ServiceAccount or bound object of " + who + " was deleted and recreated (uid mismatch): request a token for the"
                + " new object (API server: " + server + ")", null);
      case 400:
      case 422:
        return new TokenRequestException(TokenRequestException.Reason.INVALID, a.code, null,
            "the API server refused the TokenRequest for " + who + " as invalid: " + server, null);
      default:
        if (a.code == 429 || a.code >= 500) {
          return new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, a.code, a.retryAfter,
              "the API server could not issue a token for " + who + " now (HTTP " + a.code + (a.retryAfter == null ? ""
                  : ", retry after " + a.retryAfter.getSeconds() + "s") + "): retry later (API server: " + server + ")", null);
        }
        return new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, a.code, null,
            "unexpected HTTP " + a.code + " for the TokenRequest of " + who + ": " + server, null);
    }
  }
}
