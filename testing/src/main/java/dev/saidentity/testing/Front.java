package dev.saidentity.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.saidentity.core.ServiceAccount;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a request between the wire and {@link ApiHandler}, in the API server's order:
 * authentication (bearer token; over plain HTTP optionally the insecure port's {@code
 * system:unsecured}), impersonation, recording, injected faults, the body cap, WebSocket upgrades,
 * then the handler, whose failures become {@code Status} answers. Thread-safe.
 */
final class Front implements Http1Server.Handler {

  private static final Logger LOG = LoggerFactory.getLogger(Front.class);

  private final ApiHandler handler;
  private final Authenticator authenticator;
  private final Rbac rbac;
  private final Faults faults;
  private final Clock clock;
  private final boolean unsecuredAnonymous;
  private volatile boolean unknownFields;

  Front(ApiHandler handler, Authenticator authenticator, Rbac rbac, Faults faults, Clock clock, boolean unsecuredAnonymous) {
    this.handler = handler;
    this.authenticator = authenticator;
    this.rbac = rbac;
    this.faults = faults;
    this.clock = clock;
    this.unsecuredAnonymous = unsecuredAnonymous;
  }

  void unknownFields(boolean on) {
    this.unknownFields = on;
  }

  /** The insecure port's user: every request without credentials, over plain HTTP, when so configured. */
  static Rbac.User unsecured() {
    return new Rbac.User("system:unsecured", "", List.of("system:masters", "system:authenticated"), Map.of());
  }

  @Override
  public @Nullable ApiResponse handle(Http1Server.WireRequest w) throws InterruptedException {
    String method = w.method.toUpperCase(Locale.ROOT);
    String auth = w.header("authorization");
    Rbac.User user;
    StatusError authError = null;
    if (auth == null || auth.isBlank()) {
      user = unsecuredAnonymous ? unsecured() : Authenticator.anonymous();
    } else if (auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      Authenticator.Result r = authenticator.authenticate(auth.substring(7).strip(), null);
      user = r.user != null ? r.user : Authenticator.anonymous();
      if (r.user == null) {
        authError = StatusError.unauthorized();
      }
    } else {
      user = Authenticator.anonymous();
      authError = StatusError.unauthorized();
    }
    String impersonate = w.header("impersonate-user");
    List<String> groups = w.headers.getOrDefault("impersonate-group", List.of());
    if (authError == null && (impersonate == null || impersonate.isEmpty()) && (!groups.isEmpty() || w.header("impersonate-uid") != null
        || w.headers.keySet().stream().anyMatch(k -> k.startsWith("impersonate-extra-")))) {
      // As upstream's buildImpersonationRequests: groups, a uid or extras without a user are refused, never ignored
      // (ignoring them would serve the caller with its own, possibly greater, rights).
      StringBuilder refs = new StringBuilder();
      for (String g : groups) {
        refs.append(refs.length() == 0 ? "" : " ").append("{Group  ").append(g).append("  authentication.k8s.io/v1  }");
      }
      authError = StatusError.badRequest("requested [" + refs + "] without impersonating a user");
    }
    if (authError == null && impersonate != null && !impersonate.isBlank()) {
      try {
        user = impersonate(user, impersonate, groups);
      } catch (StatusError e) {
        authError = e;
      }
    }
    faults.record(new RecordedRequest(method, w.rawPath, w.rawQuery, w.headers, w.body,
        authError == null ? user.name : "(unauthenticated)", clock.instant()));
    Fault fault = faults.next(method, w.rawPath);
    if (fault != null) {
      if (!fault.delay().isZero()) {
        Thread.sleep(fault.delay().toMillis());
      }
      if (fault.drop()) {
        return null;
      }
      if (fault.status() != 0) {
        StatusError e = new StatusError(fault.status(), Faults.reasonFor(fault.status()), "injected fault: HTTP " + fault.status(), null);
        ApiResponse r = ApiResponse.json(fault.status(), e.toStatus());
        if (fault.retryAfter() != null) {
          r.headers.put("Retry-After", Long.toString(Math.max(1, fault.retryAfter().getSeconds())));
        }
        return r;
      }
    }
    ApiResponse r;
    if (authError != null) {
      r = ApiResponse.json(authError.code, authError.toStatus());
    } else if (w.bodyTooLarge) {
      // Upstream's words (apiserver's limitedReadBody): "Request entity too large: limit is 3145728".
      r = ApiResponse.json(413, new StatusError(413, "RequestEntityTooLarge", "Request entity too large: limit is "
          + FakeKubernetesApiServer.MAX_BODY, null).toStatus());
    } else if ("websocket".equalsIgnoreCase(w.header("upgrade"))) {
      // fabric8 opens a watch as a WebSocket first and falls back to an HTTP watch when the handshake
      // is answered 200 or 503 (WatchConnectionManager); other clients take a 503 as "not here".
      r = ApiResponse.json(503, new StatusError(503, "ServiceUnavailable",
          "the sa-identity fake API server does not serve WebSocket; use an HTTP request", null).toStatus());
    } else {
      r = dispatch(method, w, user);
    }
    return unknownFields ? withUnknownFields(r) : r;
  }

  private ApiResponse dispatch(String method, Http1Server.WireRequest w, Rbac.User user) {
    String ct = w.header("content-type");
    String accept = w.header("accept");
    try {
      return handler.handle(new ApiRequest(method, decodePath(w.rawPath), query(w.rawQuery), ct == null ? "" : ct, accept == null ? "" : accept, w.body, user));
    } catch (StatusError e) {
      return ApiResponse.json(e.code, e.toStatus());
    } catch (RuntimeException e) {
      LOG.warn("fake API server failed on {} {}: {}", method, w.rawPath, e.getClass().getName());
      return ApiResponse.json(500,
          new StatusError(500, "InternalError", "Internal error occurred: " + e.getClass().getSimpleName(), null).toStatus());
    }
  }

  /** Impersonation as the API server does it: the caller needs {@code impersonate} on the user (or ServiceAccount) and groups. */
  private Rbac.User impersonate(Rbac.User caller, String name, List<String> groups) {
    // As upstream's buildImpersonationRequests: a name that SplitUsername takes is a ServiceAccount,
    // anything else (a malformed system:serviceaccount:... included) is a plain user.
    ServiceAccount target = null;
    if (name.startsWith(ServiceAccount.USERNAME_PREFIX)) {
      try {
        target = ServiceAccount.fromUsername(name);
      } catch (IllegalArgumentException notAServiceAccount) {
        target = null;
      }
    }
    boolean sa = target != null;
    Rbac.Attributes a;
    if (target != null) {
      a = Rbac.Attributes.resource("impersonate", "", "serviceaccounts", "", target.namespace(), target.name());
    } else {
      a = Rbac.Attributes.resource("impersonate", "", "users", "", "", name);
    }
    if (!rbac.allowed(caller, a)) {
      throw new StatusError(403, "Forbidden", (sa ? "serviceaccounts" : "users") + " \"" + name + "\" is forbidden: User \"" + caller.name
          + "\" cannot impersonate resource \"" + (sa ? "serviceaccounts" : "users") + "\" in API group \"\"", null);
    }
    List<String> all = new ArrayList<>();
    if (target != null) {
      all.addAll(target.groups());
    }
    for (String g : groups) {
      if (!rbac.allowed(caller, Rbac.Attributes.resource("impersonate", "", "groups", "", "", g))) {
        throw new StatusError(403, "Forbidden", "groups \"" + g + "\" is forbidden: User \"" + caller.name
            + "\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope", null);
      }
      all.add(g);
    }
    if (!name.equals("system:anonymous") && !all.contains("system:authenticated")) {
      all.add("system:authenticated");
    }
    return new Rbac.User(name, "", List.copyOf(all), Map.of());
  }

  /** Percent-decodes a path ({@code +} stays a plus, unlike in a query); 400 for a malformed escape. */
  static String decodePath(String raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
        if (lo < 0) {
          throw StatusError.badRequest("invalid URL escape in the path");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(c & 0xff); // the head was read as ISO-8859-1: one char per byte
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> q = new LinkedHashMap<>();
    if (raw.isEmpty()) {
      return q;
    }
    try {
      for (String kv : raw.split("&")) {
        int eq = kv.indexOf('=');
        String k = java.net.URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
        String v = eq < 0 ? "" : java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
        q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
      }
    } catch (IllegalArgumentException e) {
      throw StatusError.badRequest("invalid URL escape in the query");
    }
    return q;
  }

  private static ApiResponse withUnknownFields(ApiResponse r) {
    if (!r.contentType.startsWith("application/json") || r.body.length == 0 || r.stream != null) {
      return r;
    }
    JsonElement e = JsonParser.parseString(new String(r.body, StandardCharsets.UTF_8));
    injectUnknown(e, 0);
    ApiResponse out = new ApiResponse(r.code, r.contentType, e.toString().getBytes(StandardCharsets.UTF_8));
    out.headers.putAll(r.headers);
    return out;
  }

  /** Adds {@code "saIdentityUnknownField"} to every object, a few levels deep. */
  private static void injectUnknown(JsonElement e, int depth) {
    if (depth > 4) {
      return;
    }
    if (e.isJsonObject()) {
      for (Map.Entry<String, JsonElement> c : e.getAsJsonObject().entrySet()) {
        injectUnknown(c.getValue(), depth + 1);
      }
      e.getAsJsonObject().addProperty("saIdentityUnknownField", "clients must ignore this");
    } else if (e.isJsonArray()) {
      for (JsonElement c : e.getAsJsonArray()) {
        injectUnknown(c, depth + 1);
      }
    }
  }
}
