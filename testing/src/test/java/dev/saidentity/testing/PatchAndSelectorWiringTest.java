package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 points 3, 4 and 8 at the HTTP layer: server-side apply creates (201) and updates (200)
 * with managedFields, requires fieldManager and honours force; strategic merge patch merges lists by
 * their merge key; set-based selectors in list and watch, a malformed one 400 before any streaming.
 * (The semantics themselves are tested in ApplyTest, StrategicMergePatchTest and SelectorsTest.)
 */
class PatchAndSelectorWiringTest {

  private static final String CMS = "/api/v1/namespaces/p/configmaps";

  private FakeKubernetesApiServer server;
  private Http http;

  @BeforeEach
  void start() {
    server = FakeKubernetesApiServer.start();
    http = new Http(server);
    server.createNamespace("p");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Http.Response apply(String path, String query, String yaml) {
    return http.send("PATCH", path + query, "application/apply-patch+yaml", yaml);
  }

  private static String cm(String name, String data) {
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n" + data;
  }

  @Test
  void serverSideApply_createsThenUpdates_withManagedFields() {
    Http.Response created = apply(CMS + "/a", "?fieldManager=tool", cm("a", "  k: v1\n"));
    assertThat(created.code()).isEqualTo(201);
    JsonObject meta = created.json().getAsJsonObject("metadata");
    JsonObject entry = meta.getAsJsonArray("managedFields").get(0).getAsJsonObject();
    assertThat(entry.get("manager").getAsString()).isEqualTo("tool");
    assertThat(entry.get("operation").getAsString()).isEqualTo("Apply");
    assertThat(meta.get("uid").getAsString()).isNotEmpty();
    Http.Response updated = apply(CMS + "/a", "?fieldManager=tool", cm("a", "  k: v2\n"));
    assertThat(updated.code()).isEqualTo(200);
    assertThat(updated.json().getAsJsonObject("data").get("k").getAsString()).isEqualTo("v2");
    assertThat(updated.json().getAsJsonObject("metadata").get("uid").getAsString()).isEqualTo(meta.get("uid").getAsString());
  }

  @Test
  void serverSideApply_needsAFieldManager_andForceTakesAConflictingFieldOver() {
    Http.Response none = apply(CMS + "/b", "", cm("b", "  k: v\n"));
    assertThat(none.code()).isEqualTo(422);
    assertThat(apply(CMS + "/b", "?fieldManager=one", cm("b", "  k: v\n")).code()).isEqualTo(201);
    Http.Response conflict = apply(CMS + "/b", "?fieldManager=two", cm("b", "  k: other\n"));
    assertThat(conflict.code()).isEqualTo(409);
    assertThat(conflict.json().get("message").getAsString()).startsWith("Apply failed with 1 conflict: conflict with \"one\"");
    Http.Response forced = apply(CMS + "/b", "?fieldManager=two&force=TRUE", cm("b", "  k: other\n"));
    assertThat(forced.code()).isEqualTo(200);
    assertThat(forced.json().getAsJsonObject("data").get("k").getAsString()).isEqualTo("other");
    Http.Response forceOnMerge = http.send("PATCH", CMS + "/b?force=true", "application/merge-patch+json", "{}");
    assertThat(forceOnMerge.code()).isEqualTo(422);
  }

  @Test
  void strategicMergePatch_mergesContainersByName_mergePatchReplacesTheList() {
    server.createPod("p", "pod", "default", null);
    String path = "/api/v1/namespaces/p/pods/pod";
    Http.Response smp = http.send("PATCH", path, "application/strategic-merge-patch+json",
        "{\"spec\":{\"containers\":[{\"name\":\"side\",\"image\":\"registry.example/side:1\"}]}}");
    assertThat(smp.code()).isEqualTo(200);
    assertThat(containerNames(smp.json())).containsExactlyInAnyOrder("side", "app");
    Http.Response merge = http.send("PATCH", path, "application/merge-patch+json",
        "{\"spec\":{\"containers\":[{\"name\":\"only\",\"image\":\"registry.example/only:1\"}]}}");
    assertThat(containerNames(merge.json())).containsExactly("only");
  }

  private static List<String> containerNames(JsonObject pod) {
    List<String> out = new ArrayList<>();
    for (JsonElement c : pod.getAsJsonObject("spec").getAsJsonArray("containers")) {
      out.add(c.getAsJsonObject().get("name").getAsString());
    }
    return out;
  }

  @Test
  void setBasedSelectors_inListAndWatch_malformedIs400BeforeStreaming() {
    for (String[] nl : new String[][] {{"a1", "a"}, {"b1", "b"}, {"c1", "c"}}) {
      http.post(CMS, "{\"metadata\":{\"name\":\"" + nl[0] + "\",\"labels\":{\"app\":\"" + nl[1] + "\"}}}");
    }
    String in = URLEncoder.encode("app in (a,b)", StandardCharsets.UTF_8);
    List<String> names = new ArrayList<>();
    for (JsonElement e : http.get(CMS + "?labelSelector=" + in).json().getAsJsonArray("items")) {
      names.add(e.getAsJsonObject().getAsJsonObject("metadata").get("name").getAsString());
    }
    assertThat(names).containsExactly("a1", "b1");
    try (Http.WatchStream w = http.watch(CMS + "?watch=1&labelSelector=" + URLEncoder.encode("app notin (a,b),app", StandardCharsets.UTF_8))) {
      JsonObject e = w.next();
      assertThat(e.getAsJsonObject("object").getAsJsonObject("metadata").get("name").getAsString()).isEqualTo("c1");
    }
    String bad = URLEncoder.encode("app in (a", StandardCharsets.UTF_8);
    assertThat(http.get(CMS + "?labelSelector=" + bad).code()).isEqualTo(400);
    Http.Response badWatch = http.get(CMS + "?watch=1&labelSelector=" + bad);
    assertThat(badWatch.code()).isEqualTo(400);
    assertThat(badWatch.json().get("kind").getAsString()).isEqualTo("Status");
    assertThat(http.get(CMS + "?watch=1&fieldSelector=spec.nodeName%3Dx").code()).as("not a ConfigMap field").isEqualTo(400);
    assertThat(http.delete(CMS + "?labelSelector=" + bad).code()).isEqualTo(400);
  }

  @Test
  void malformedManagedFieldsSentByAClient_areNotFields_neverA500() {
    // k:x (not an object), k:{} (no key), i:abc: a client may send anything in metadata.managedFields.
    String body = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"m\",\"managedFields\":[{\"manager\":\"m\","
        + "\"operation\":\"Apply\",\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:data\":{\"k:x\":{\"f:a\":{}},"
        + "\"k:{}\":{\"f:b\":{}},\"i:abc\":{\"f:c\":{}},\"f:keep\":{}}}}]},\"data\":{\"keep\":\"1\"}}";
    assertThat(http.post(CMS, body).code()).isEqualTo(201);
    Http.Response applied = apply(CMS + "/m", "?fieldManager=m", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n");
    assertThat(applied.code()).as(applied.body()).isEqualTo(200);
    assertThat(String.valueOf(applied.json().getAsJsonObject("metadata").get("managedFields"))).as("the malformed members are gone")
        .doesNotContain("k:x").doesNotContain("i:abc");
    Http.Response patched = http.mergePatch(CMS + "/m?fieldManager=other", "{\"data\":{\"z\":\"1\"}}");
    assertThat(patched.code()).as(patched.body()).isEqualTo(200);
  }
}
