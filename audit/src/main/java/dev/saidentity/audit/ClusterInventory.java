package dev.saidentity.audit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * Lists what an audit needs from a live cluster through client-java's {@link ApiClient} (its server,
 * TLS and credentials), in pages of 500, parsing leniently. Needs {@code list} on the kinds audited.
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

  private ClusterInventory() {}

  /**
   * Lists the objects, in {@code namespace} or everywhere (null); a kind the server does not serve
   * (404) is skipped.
   *
   * @throws IllegalStateException when the API server refuses or cannot be reached (the message says which)
   */
  public static Inventory load(ApiClient client, @Nullable String namespace) {
    List<JsonObject> all = new ArrayList<>();
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
              JsonObject o = e.getAsJsonObject();
              o.addProperty("kind", k[2]);
              all.add(o);
            }
          }
        }
        cont = Inventory.str(Inventory.obj(page, "metadata"), "continue");
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
        String body = r.body() == null ? "" : r.body().string();
        if (r.code() == 404) {
          return null;
        }
        if (r.code() != 200) {
          String msg = "";
          try {
            msg = Inventory.str(JsonParser.parseString(body).getAsJsonObject(), "message");
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
}
