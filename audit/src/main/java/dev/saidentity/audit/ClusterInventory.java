package dev.saidentity.audit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import io.kubernetes.client.openapi.auth.Authentication;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * Lists what an audit needs from a live cluster through client-java's {@link ApiClient} (its server,
 * TLS, credentials and OkHttp client), in pages of 500, parsing leniently. Needs {@code list} on the
 * kinds audited. Each page has a deadline of 60 seconds for the whole call (connect, server time and
 * reading the body) and is read up to 64 MiB, an object nested up to 100 levels; beyond, the listing
 * fails.
 *
 * <p>The requests are built here, not through client-java's generated {@code buildCall} (whose
 * parameters change with the OpenAPI generator): the base path, the OkHttp client (with the
 * interceptors that credential plugins add), the {@code BearerToken} authentication and the default
 * headers are taken from the {@link ApiClient} through its long-standing public methods, checked
 * once when this class initialises, so an incompatible client-java is an {@link IllegalStateException}
 * naming the missing method, not a {@link NoSuchMethodError} in a request.
 */
public final class ClusterInventory {

  /** client-java's name of the API key authentication that carries the bearer token (and basic auth). */
  private static final String AUTH = "BearerToken";
  private static final String[][] KINDS = {
    {"/api/v1", "serviceaccounts", "ServiceAccount"},
    {"/api/v1", "secrets", "Secret"},
    {"/api/v1", "pods", "Pod"},
    {"/apis/apps/v1", "deployments", "Deployment"},
    {"/apis/apps/v1", "statefulsets", "StatefulSet"},
    {"/apis/apps/v1", "daemonsets", "DaemonSet"},
    {"/apis/apps/v1", "replicasets", "ReplicaSet"},
    {"/api/v1", "replicationcontrollers", "ReplicationController"},
    {"/apis/batch/v1", "jobs", "Job"},
    {"/apis/batch/v1", "cronjobs", "CronJob"},
    {"/apis/rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"},
    {"/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding"},
  };

  /** Bytes of one page of a list (500 objects of at most 3 MiB could be more; real pages are far smaller). */
  static final int MAX_PAGE_BYTES = 64 << 20;

  /** Pages of one kind (at 500 objects a page, 5,000,000 objects): a server whose continue tokens never end is an error, not a hang. */
  static final int MAX_PAGES = 10_000;

  /** The deadline of one page: connect, send, server time and reading up to {@link #MAX_PAGE_BYTES}. */
  static final Duration PAGE_DEADLINE = Duration.ofSeconds(60);

  private static final @Nullable String INCOMPATIBLE = incompatibility(ApiClient.class, Authentication.class);

  private ClusterInventory() {}

  /**
   * What is missing for this class on {@code apiClient} and {@code authentication} (client-java's
   * {@link ApiClient} and {@link Authentication}, or stand-ins in tests), or null when nothing is.
   */
  static @Nullable String incompatibility(Class<?> apiClient, Class<?> authentication) {
    Object[][] needed = {
      {apiClient, "getAuthentication", new Class<?>[] {String.class}},
      {apiClient, "getBasePath", new Class<?>[] {}},
      {apiClient, "getHttpClient", new Class<?>[] {}},
      {apiClient, "processHeaderParams", new Class<?>[] {Map.class, Request.Builder.class}},
      {apiClient, "processCookieParams", new Class<?>[] {Map.class, Request.Builder.class}},
      {authentication, "applyToParams", new Class<?>[] {List.class, Map.class, Map.class, String.class, String.class, URI.class}},
    };
    for (Object[] n : needed) {
      Class<?> owner = (Class<?>) n[0];
      Class<?>[] params = (Class<?>[]) n[2];
      try {
        owner.getMethod((String) n[1], params);
      } catch (NoSuchMethodException e) {
        StringBuilder sig = new StringBuilder();
        for (Class<?> p : params) {
          sig.append(sig.length() == 0 ? "" : ", ").append(p.getSimpleName());
        }
        return "incompatible client-java " + clientJavaVersion(apiClient) + " on the class path: " + owner.getName()
            + " has no public method " + n[1] + "(" + sig + "); sa-identity's audit needs it: use the client-java version that"
            + " sa-identity's BOM manages";
      }
    }
    return null;
  }

  /** The version of the client-java jar that holds {@code c}, or "(version unknown)". */
  private static String clientJavaVersion(Class<?> c) {
    try (InputStream in = c.getResourceAsStream("/META-INF/maven/io.kubernetes/client-java-api/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "(version unknown)");
      }
    } catch (IOException | RuntimeException ignored) {
      // fall through
    }
    return "(version unknown)";
  }

  /**
   * Lists the objects, in {@code namespace} or everywhere (null); a kind the server does not serve (404)
   * is skipped, but for ServiceAccounts, which every API server serves: that 404, or a listing that does not end, is an error.
   *
   * @throws IllegalStateException when the API server refuses, cannot be reached or does not answer a
   *     page within 60 seconds, or when client-java is incompatible (the message says which)
   */
  public static Inventory load(ApiClient client, @Nullable String namespace) {
    return load(client, namespace, PAGE_DEADLINE);
  }

  /** {@link #load(ApiClient, String)} with another deadline per page. */
  static Inventory load(ApiClient client, @Nullable String namespace, Duration deadline) {
    if (INCOMPATIBLE != null) {
      throw new IllegalStateException(INCOMPATIBLE);
    }
    List<KubeObject> all = new ArrayList<>();
    for (String[] k : KINDS) {
      boolean clusterScoped = k[1].equals("clusterrolebindings");
      String path = k[0] + (namespace != null && !clusterScoped ? "/namespaces/" + namespace : "") + "/" + k[1];
      String cont = null;
      int pages = 0;
      do {
        if (++pages > MAX_PAGES) {
          throw new IllegalStateException("listing " + path + " did not end after " + MAX_PAGES + " pages (the server keeps answering a continue token)");
        }
        List<Pair> q = new ArrayList<>();
        q.add(new Pair("limit", "500"));
        if (cont != null) {
          q.add(new Pair("continue", cont));
        }
        JsonObject page = get(client, path, q, deadline);
        if (page == null) {
          if (k[1].equals("serviceaccounts")) {
            // Every API server serves ServiceAccounts: a 404 here is another server (or path), never an empty cluster.
            throw new IllegalStateException("listing " + path + " answered HTTP 404: the server does not serve ServiceAccounts (is it a"
                + " Kubernetes API server?)");
          }
          break;
        }
        JsonElement items = page.get("items");
        if (items != null && items.isJsonArray()) {
          for (JsonElement e : items.getAsJsonArray()) {
            if (e.isJsonObject()) {
              @SuppressWarnings("unchecked")
              Map<String, @Nullable Object> o = (Map<String, @Nullable Object>) plain(e, 1, path);
              o.put("kind", k[2]);
              all.add(new KubeObject(Collections.unmodifiableMap(o)));
            }
          }
        }
        JsonElement meta = page.get("metadata");
        JsonElement c = meta != null && meta.isJsonObject() ? meta.getAsJsonObject().get("continue") : null;
        String next = c != null && c.isJsonPrimitive() ? c.getAsString() : null;
        if (next != null && !next.isEmpty() && next.equals(cont)) {
          throw new IllegalStateException("listing " + path + " answered the same continue token twice (the listing would never end)");
        }
        cont = next;
      } while (cont != null && !cont.isEmpty());
    }
    return Inventory.fromCluster(all);
  }

  private static @Nullable JsonObject get(ApiClient client, String path, List<Pair> query, Duration deadline) {
    Call call = null;
    try {
      call = newCall(client, path, query);
      call.timeout().timeout(deadline.toMillis(), TimeUnit.MILLISECONDS);
      try (Response r = call.execute()) {
        String body = body(r, path);
        if (r.code() == 404) {
          return null;
        }
        if (r.code() != 200) {
          String msg = "";
          try {
            JsonElement m = JsonParser.parseString(body).getAsJsonObject().get("message");
            msg = m != null && m.isJsonPrimitive() ? m.getAsString() : "";
          } catch (RuntimeException ignored) {
            // no Status body
          }
          throw new IllegalStateException("listing " + path + " answered HTTP " + r.code() + (msg.isEmpty() ? "" : ": " + msg)
              + (r.code() == 403 ? " (the audit needs list on ServiceAccounts, Secrets, workloads and bindings)" : ""));
        }
        JsonElement e = JsonParser.parseString(body);
        return e.isJsonObject() ? e.getAsJsonObject() : null;
      }
    } catch (ApiException | IOException e) {
      if (call != null && call.isCanceled()) {
        throw new IllegalStateException("listing " + path + " failed: no complete answer within the deadline of " + deadline.toMillis() + " ms");
      }
      throw new IllegalStateException("listing " + path + " failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
    }
  }

  /**
   * A GET of {@code path} as client-java's generated code would build it: the base path, the
   * {@code BearerToken} authentication, the client's default headers and cookies, its OkHttp client.
   */
  private static Call newCall(ApiClient client, String path, List<Pair> query) throws ApiException {
    HttpUrl url = HttpUrl.parse(client.getBasePath() + path);
    if (url == null) {
      throw new IllegalStateException("listing " + path + " failed: the client's base path is not an http or https URL");
    }
    List<Pair> q = new ArrayList<>(query);
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", "application/json");
    Map<String, String> cookies = new HashMap<>();
    Authentication auth = client.getAuthentication(AUTH);
    if (auth != null) {
      auth.applyToParams(q, headers, cookies, "", "GET", withQuery(url, q).uri());
    }
    Request.Builder rb = new Request.Builder().url(withQuery(url, q)).get();
    client.processHeaderParams(headers, rb);
    client.processCookieParams(cookies, rb);
    return client.getHttpClient().newCall(rb.build());
  }

  private static HttpUrl withQuery(HttpUrl url, List<Pair> query) {
    HttpUrl.Builder b = url.newBuilder();
    for (Pair p : query) {
      b.addQueryParameter(p.getName(), p.getValue());
    }
    return b.build();
  }

  private static String body(Response r, String path) throws IOException {
    if (r.body() == null) {
      return "";
    }
    try (InputStream in = r.body().byteStream()) {
      byte[] b = in.readNBytes(MAX_PAGE_BYTES + 1);
      if (b.length > MAX_PAGE_BYTES) {
        throw new IllegalStateException("listing " + path + " answered more than " + MAX_PAGE_BYTES + " bytes in one page");
      }
      return new String(b, StandardCharsets.UTF_8);
    }
  }

  /** A JSON tree as maps (mutable at the top, for the kind), lists and scalars; numbers as Long, BigInteger or Double. */
  private static @Nullable Object plain(JsonElement e, int depth, String path) {
    if (depth > KubeObject.MAX_DEPTH) {
      throw new IllegalStateException("listing " + path + " answered an object nested deeper than " + KubeObject.MAX_DEPTH + " levels");
    }
    if (e.isJsonObject()) {
      Map<String, @Nullable Object> m = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
        m.put(x.getKey(), plain(x.getValue(), depth + 1, path));
      }
      return depth == 1 ? m : Collections.unmodifiableMap(m);
    }
    if (e.isJsonArray()) {
      List<@Nullable Object> l = new ArrayList<>();
      for (JsonElement x : e.getAsJsonArray()) {
        l.add(plain(x, depth + 1, path));
      }
      return Collections.unmodifiableList(l);
    }
    if (e.isJsonNull()) {
      return null;
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    if (p.isBoolean()) {
      return p.getAsBoolean();
    }
    if (p.isString()) {
      return p.getAsString();
    }
    String n = p.getAsString();
    if (n.indexOf('.') >= 0 || n.indexOf('e') >= 0 || n.indexOf('E') >= 0) {
      return Double.parseDouble(n);
    }
    try {
      return Long.parseLong(n);
    } catch (NumberFormatException tooBig) {
      return n.length() <= 1000 ? new BigInteger(n) : Double.parseDouble(n);
    }
  }
}
