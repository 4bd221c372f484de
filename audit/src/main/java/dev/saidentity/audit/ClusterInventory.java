package dev.saidentity.audit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * Lists what an audit needs from a live cluster through client-java's {@link ApiClient} (its server,
 * TLS and credentials), in pages of 500, parsing leniently. Needs {@code list} on the kinds audited.
 * A page is read up to 64 MiB, an object nested up to 100 levels; beyond, the listing fails.
 */
public final class ClusterInventory {

  private static final String[] AUTH = {"BearerToken"};
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

  private ClusterInventory() {}

  /**
   * Lists the objects, in {@code namespace} or everywhere (null); a kind the server does not serve
   * (404) is skipped.
   *
   * @throws IllegalStateException when the API server refuses or cannot be reached (the message says which)
   */
  public static Inventory load(ApiClient client, @Nullable String namespace) {
    List<KubeObject> all = new ArrayList<>();
    for (String[] k : KINDS) {
      boolean clusterScoped = k[1].equals("clusterrolebindings");
      String path = k[0] + (namespace != null && !clusterScoped ? "/namespaces/" + namespace : "") + "/" + k[1];
      String cont = null;
      do {
        List<Pair> q = new ArrayList<>();
        q.add(new Pair("limit", "500"));
        if (cont != null) {
          q.add(new Pair("continue", cont));
        }
        JsonObject page = get(client, path, q);
        if (page == null) {
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
        cont = c != null && c.isJsonPrimitive() ? c.getAsString() : null;
      } while (cont != null && !cont.isEmpty());
    }
    return Inventory.fromCluster(all);
  }

  private static @Nullable JsonObject get(ApiClient client, String path, List<Pair> query) {
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", "application/json");
    try {
      Call call = client.buildCall(client.getBasePath(), path, "GET", query, new ArrayList<>(), null, headers, new HashMap<>(), new HashMap<>(), AUTH, null);
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
      throw new IllegalStateException("listing " + path + " failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
    }
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
