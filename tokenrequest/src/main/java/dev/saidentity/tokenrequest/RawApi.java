package dev.saidentity.tokenrequest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/**
 * Calls through client-java's {@link ApiClient} (its base path, TLS, authentication and OkHttp
 * client, reached only through {@link ClientJavaAdapter}), each with a deadline, parsing answers
 * leniently with Gson: unlike client-java 27's generated models, fields the models do not know never
 * break a call. Bodies are read up to 4 MiB.
 */
final class RawApi {

  private static final int MAX_BODY = 4 << 20;
  /** 30 s: the deadline of a call whose caller sets none (TokenRequest, the self-subject reviews). */
  static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

  /** An answer: status, body as JSON (an empty object when none), Warning and Retry-After headers. */
  static final class Answer {
    final int code;
    final JsonObject body;
    final List<String> warnings;
    final @Nullable Duration retryAfter;

    Answer(int code, JsonObject body, List<String> warnings, @Nullable Duration retryAfter) {
      this.code = code;
      this.body = body;
      this.warnings = warnings;
      this.retryAfter = retryAfter;
    }

    String statusMessage() {
      JsonElement m = body.get("message");
      return m != null && m.isJsonPrimitive() ? m.getAsString() : "HTTP " + code;
    }
  }

  private RawApi() {}

  /** Posts with the {@linkplain #DEFAULT_DEADLINE default deadline}. */
  static Answer post(ApiClient client, String path, JsonObject body) {
    return post(client, path, body, DEFAULT_DEADLINE);
  }

  /**
   * Posts {@code body}; the whole call (connect, write, the server's time, reading the body) has {@code
   * deadline}.
   *
   * @throws TokenRequestException UNAVAILABLE when there is no answer within the deadline or no connection
   */
  static Answer post(ApiClient client, String path, JsonObject body, Duration deadline) {
    Map<String, String> headers = new HashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("Accept", "application/json");
    try {
      ClientJavaAdapter.requireCompatible();
    } catch (IllegalStateException e) {
      throw new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, 0, null, e.getMessage(), e);
    }
    Call call;
    try {
      call = ClientJavaAdapter.newCall(client, "POST", path, body, headers, deadline);
    } catch (ApiException e) {
      throw new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, 0, null,
          "cannot build the request to " + path + ": " + e.getClass().getSimpleName(), null);
    }
    try (Response r = call.execute()) {
      ResponseBody rb = r.body();
      String text = "";
      if (rb != null) {
        byte[] bytes = rb.byteStream().readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
          throw new TokenRequestException(TokenRequestException.Reason.UNEXPECTED, r.code(), null,
              "the answer to POST " + path + " is larger than " + MAX_BODY + " bytes: not read", null);
        }
        text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
      }
      JsonObject json = new JsonObject();
      if (!text.isBlank()) {
        try {
          JsonElement e = JsonParser.parseString(text);
          if (e.isJsonObject()) {
            json = e.getAsJsonObject();
          }
        } catch (RuntimeException ignored) {
          // not JSON: keep the empty object; the status code tells what happened
        }
      }
      Duration retryAfter = null;
      String ra = r.header("Retry-After");
      if (ra != null) {
        try {
          retryAfter = Duration.ofSeconds(Long.parseLong(ra.trim()));
        } catch (NumberFormatException ignored) {
          // an HTTP date: not used by the API server
        }
      }
      return new Answer(r.code(), json, List.copyOf(r.headers("Warning")), retryAfter);
    } catch (InterruptedIOException e) {
      throw new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 0, null,
          "POST " + path + ": no answer within " + deadline.toMillis() + " ms (the call's deadline); the API server may be overloaded or"
              + " unreachable, retry later", e);
    } catch (IOException e) {
      throw new TokenRequestException(TokenRequestException.Reason.UNAVAILABLE, 0, null,
          "POST " + path + " failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")")
              + "; the API server may be unreachable, retry later", e);
    }
  }

  /**
   * Creates a review object ({@code POST /apis/<group>/v1/<plural>}) and returns its {@code status}.
   *
   * @throws TokenRequestException with what to do when the API server refuses or fails
   */
  static JsonObject review(ApiClient client, String group, String kind, String plural, @Nullable JsonObject spec) {
    return review(client, group, kind, plural, spec, DEFAULT_DEADLINE);
  }

  /** {@link #review(ApiClient, String, String, String, JsonObject)} with a deadline on the call. */
  static JsonObject review(ApiClient client, String group, String kind, String plural, @Nullable JsonObject spec, Duration deadline) {
    JsonObject body = new JsonObject();
    body.addProperty("apiVersion", group + "/v1");
    body.addProperty("kind", kind);
    if (spec != null) {
      body.add("spec", spec);
    }
    Answer a = post(client, "/apis/" + group + "/v1/" + plural, body, deadline);
    if (a.code != 200 && a.code != 201) {
      throw TokenReviewer.reviewError(a, "create", plural, group);
    }
    return Json.obj(a.body, "status");
  }
}
