package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 points 5 and 6 over HTTP: lists (limit, continue, resourceVersion), deletecollection, delete
 * preconditions and namespace deletion, each answered with upstream's codes and words.
 */
class StoreSemanticsTest {

  private static final String CMS = "/api/v1/namespaces/s/configmaps";

  private FakeKubernetesApiServer server;
  private Http http;

  @BeforeEach
  void start() {
    server = FakeKubernetesApiServer.start();
    http = new Http(server);
    server.createNamespace("s");
    for (String n : List.of("c1", "c2", "c3", "c4")) {
      http.post(CMS, "{\"metadata\":{\"name\":\"" + n + "\",\"labels\":{\"app\":\"" + (n.equals("c4") ? "other" : "web") + "\"}}}");
    }
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static List<String> names(JsonObject list) {
    List<String> out = new ArrayList<>();
    for (JsonElement e : list.getAsJsonArray("items")) {
      out.add(e.getAsJsonObject().getAsJsonObject("metadata").get("name").getAsString());
    }
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void limitThatIsNotANumber_is400WithGoWords_aNegativeOneMeansNoLimit() {
    Http.Response r = http.get(CMS + "?limit=abc");
    assertThat(r.code()).isEqualTo(400);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("BadRequest");
    assertThat(r.json().get("message").getAsString()).isEqualTo("strconv.ParseInt: parsing \"abc\": invalid syntax");
    assertThat(names(http.get(CMS + "?limit=-1").json())).containsExactly("c1", "c2", "c3", "c4", "kube-root-ca.crt");
    assertThat(http.get(CMS + "?timeoutSeconds=1.5").code()).isEqualTo(400);
  }

  @Test
  void paging_isConsistentAtTheFirstPagesVersion() {
    JsonObject first = http.get(CMS + "?limit=2").json();
    assertThat(names(first)).containsExactly("c1", "c2");
    JsonObject meta = first.getAsJsonObject("metadata");
    assertThat(meta.get("remainingItemCount").getAsInt()).isEqualTo(3);
    String token = meta.get("continue").getAsString();
    http.delete(CMS + "/c3");
    http.post(CMS, Http.named("c25"));
    JsonObject second = http.get(CMS + "?limit=2&continue=" + enc(token)).json();
    assertThat(names(second)).as("the snapshot of the first page").containsExactly("c3", "c4");
    assertThat(second.getAsJsonObject("metadata").get("resourceVersion").getAsString()).isEqualTo(meta.get("resourceVersion").getAsString());
    JsonObject third = http.get(CMS + "?limit=2&continue=" + enc(second.getAsJsonObject("metadata").get("continue").getAsString())).json();
    assertThat(names(third)).containsExactly("kube-root-ca.crt");
    assertThat(third.getAsJsonObject("metadata").has("continue")).isFalse();
  }

  @Test
  void pagingOfAClusterScopedKind_visitsEveryObjectOnce() {
    String path = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
    List<String> all = names(http.get(path).json());
    List<String> paged = new ArrayList<>();
    String token = "";
    do {
      JsonObject page = http.get(path + "?limit=2" + (token.isEmpty() ? "" : "&continue=" + enc(token))).json();
      paged.addAll(names(page));
      JsonElement c = page.getAsJsonObject("metadata").get("continue");
      token = c == null ? "" : c.getAsString();
    } while (!token.isEmpty());
    assertThat(all).hasSizeGreaterThan(2);
    assertThat(paged).isEqualTo(all);
  }

  @Test
  void continueFromACompactedVersion_is410WithAnInconsistentToken() {
    String token = http.get(CMS + "?limit=2").json().getAsJsonObject("metadata").get("continue").getAsString();
    server.compactHistory();
    Http.Response r = http.get(CMS + "?limit=2&continue=" + enc(token));
    assertThat(r.code()).isEqualTo(410);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("Expired");
    assertThat(r.json().get("message").getAsString()).startsWith("The provided continue parameter is too old to display a consistent "
        + "list result. You can start a new list without the continue parameter, or use the continue token in this response");
    String rest = r.json().getAsJsonObject("metadata").get("continue").getAsString();
    assertThat(names(http.get(CMS + "?continue=" + enc(rest)).json())).containsExactly("c3", "c4", "kube-root-ca.crt");
    assertThat(http.get(CMS + "?continue=bm90LWEtdG9rZW4").code()).isEqualTo(400);
  }

  @Test
  void listAtAnExactVersion_isThatVersionsState_tooOldIs410_tooNewIs504() {
    String rv = http.get(CMS).json().getAsJsonObject("metadata").get("resourceVersion").getAsString();
    http.delete(CMS + "/c1");
    JsonObject then = http.get(CMS + "?resourceVersion=" + rv + "&resourceVersionMatch=Exact").json();
    assertThat(names(then)).contains("c1");
    assertThat(names(http.get(CMS + "?resourceVersion=0").json())).doesNotContain("c1");
    Http.Response future = http.get(CMS + "?resourceVersion=999999999");
    assertThat(future.code()).isEqualTo(504);
    assertThat(future.json().get("message").getAsString()).startsWith("Too large resource version: 999999999, current: ");
    server.compactHistory();
    Http.Response old = http.get(CMS + "?resourceVersion=" + rv + "&resourceVersionMatch=Exact");
    assertThat(old.code()).isEqualTo(410);
    assertThat(old.json().get("message").getAsString()).startsWith("too old resource version: " + rv + " (");
    assertThat(http.get(CMS + "?resourceVersionMatch=Exact").code()).isEqualTo(422);
  }

  @Test
  void deleteCollection_deletesWhatTheSelectorMatches_andAnswersThem() {
    try (Http.WatchStream w = http.watch(CMS + "?watch=1&labelSelector=app%3Dweb&resourceVersion="
        + http.get(CMS).json().getAsJsonObject("metadata").get("resourceVersion").getAsString())) {
      Http.Response r = http.delete(CMS + "?labelSelector=app%3Dweb");
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.json().get("kind").getAsString()).isEqualTo("ConfigMapList");
      assertThat(names(r.json())).containsExactly("c1", "c2", "c3");
      assertThat(names(http.get(CMS).json())).containsExactly("c4", "kube-root-ca.crt");
      for (String n : List.of("c1", "c2", "c3")) {
        JsonObject e = w.next();
        assertThat(e.get("type").getAsString()).isEqualTo("DELETED");
        assertThat(e.getAsJsonObject("object").getAsJsonObject("metadata").get("name").getAsString()).isEqualTo(n);
      }
    }
  }

  @Test
  void deleteWithPreconditions_conflictsWhenTheyDoNotHold() {
    JsonObject c1 = http.get(CMS + "/c1").json();
    String uid = c1.getAsJsonObject("metadata").get("uid").getAsString();
    Http.Response wrongUid = http.send("DELETE", CMS + "/c1", "application/json", "{\"preconditions\":{\"uid\":\"nope\"}}");
    assertThat(wrongUid.code()).isEqualTo(409);
    assertThat(wrongUid.json().get("message").getAsString()).isEqualTo("Operation cannot be fulfilled on configmaps \"c1\": StorageError: "
        + "invalid object, Code: 4, Key: /registry/configmaps/s/c1, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: "
        + "UID in precondition: nope, UID in object meta: " + uid);
    Http.Response wrongRv = http.send("DELETE", CMS + "/c1", "application/json", "{\"preconditions\":{\"resourceVersion\":\"1\"}}");
    assertThat(wrongRv.code()).isEqualTo(409);
    assertThat(http.send("DELETE", CMS + "/c1", "application/json", "{\"preconditions\":{\"uid\":\"" + uid + "\"}}").code()).isEqualTo(200);
    assertThat(http.get(CMS + "/c1").code()).isEqualTo(404);
  }

  @Test
  void deletingANamespace_answersItTerminating_refusesNewContent_thenRemovesItsContentsAndIt() {
    server.namespaceController().delay(Duration.ofHours(1));
    String from = http.get(CMS).json().getAsJsonObject("metadata").get("resourceVersion").getAsString();
    Http.Response r = http.delete("/api/v1/namespaces/s");
    assertThat(r.code()).isEqualTo(200);
    JsonObject ns = r.json();
    assertThat(ns.get("kind").getAsString()).isEqualTo("Namespace");
    assertThat(ns.getAsJsonObject("metadata").has("deletionTimestamp")).isTrue();
    assertThat(ns.getAsJsonObject("status").get("phase").getAsString()).isEqualTo("Terminating");
    assertThat(ns.getAsJsonObject("spec").getAsJsonArray("finalizers")).containsExactly(new com.google.gson.JsonPrimitive("kubernetes"));
    assertThat(http.get("/api/v1/namespaces/s").json().getAsJsonObject("status").get("phase").getAsString()).isEqualTo("Terminating");
    Http.Response refused = http.post(CMS, Http.named("late"));
    assertThat(refused.code()).isEqualTo(403);
    assertThat(refused.json().get("message").getAsString())
        .isEqualTo("configmaps \"late\" is forbidden: unable to create new content in namespace s because it is being terminated");
    try (Http.WatchStream w = http.watch(CMS + "?watch=1&resourceVersion=" + from)) {
      server.namespaceController().finishPending(Http.DEADLINE);
      List<String> deleted = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        JsonObject e = w.next();
        assertThat(e.get("type").getAsString()).isEqualTo("DELETED");
        deleted.add(e.getAsJsonObject("object").getAsJsonObject("metadata").get("name").getAsString());
      }
      assertThat(deleted).containsExactly("c1", "c2", "c3", "c4", "kube-root-ca.crt");
    }
    assertThat(http.get("/api/v1/namespaces/s").code()).isEqualTo(404);
    assertThat(http.get("/api/v1/namespaces/s/serviceaccounts/default").code()).isEqualTo(404);
  }

  @Test
  void theJavaApiDeletesANamespaceAtOnce() {
    assertThat(server.delete("v1", "Namespace", "", "s")).isTrue();
    assertThat(server.get("v1", "Namespace", "", "s")).isEmpty();
    assertThat(server.get("v1", "ConfigMap", "s", "c1")).isEmpty();
    assertThat(server.delete("v1", "Namespace", "", "s")).isFalse();
  }

  @Test
  void aPatchWithAStaleResourceVersion_isAConflict() {
    JsonObject c1 = http.get(CMS + "/c1").json();
    String rv = c1.getAsJsonObject("metadata").get("resourceVersion").getAsString();
    http.mergePatch(CMS + "/c1", "{\"data\":{\"a\":\"1\"}}");
    Http.Response r = http.mergePatch(CMS + "/c1", "{\"metadata\":{\"resourceVersion\":\"" + rv + "\"},\"data\":{\"b\":\"2\"}}");
    assertThat(r.code()).isEqualTo(409);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("Conflict");
    assertThat(http.get(CMS + "/c1").json().getAsJsonObject("data").has("b")).isFalse();
  }
}
