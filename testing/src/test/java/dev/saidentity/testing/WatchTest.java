package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 point 2: watch as the API server's watch cache serves it, over plain HTTP: JSON-line events,
 * the current state first from "0", the events after a given resourceVersion, ERROR 410 after a
 * compaction, selectors applied to the old and new object, bookmarks, timeoutSeconds, and watches
 * that end with their client or their server.
 */
class WatchTest {

  private static final String SAS = "/api/v1/namespaces/w/serviceaccounts";

  private FakeKubernetesApiServer server;
  private Http http;

  @BeforeEach
  void start() {
    server = FakeKubernetesApiServer.start();
    http = new Http(server);
    server.createNamespace("w");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static String type(JsonObject event) {
    return event.get("type").getAsString();
  }

  private static String name(JsonObject event) {
    return event.getAsJsonObject("object").getAsJsonObject("metadata").get("name").getAsString();
  }

  private static String rv(JsonObject objectOrEvent) {
    JsonObject o = objectOrEvent.has("object") ? objectOrEvent.getAsJsonObject("object") : objectOrEvent;
    return o.getAsJsonObject("metadata").get("resourceVersion").getAsString();
  }

  private String listRv(String path) {
    return http.get(path).json().getAsJsonObject("metadata").get("resourceVersion").getAsString();
  }

  @Test
  void watchFromZero_currentStateAsAddedInKeyOrder_thenLiveEvents() {
    http.post(SAS, Http.named("b"));
    http.post(SAS, Http.named("a"));
    try (Http.WatchStream w = http.watch(SAS + "?watch=1&resourceVersion=0")) {
      assertThat(w.code).isEqualTo(200);
      List<String> initial = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        JsonObject e = w.next();
        assertThat(type(e)).isEqualTo("ADDED");
        initial.add(name(e));
      }
      assertThat(initial).containsExactly("a", "b", "default");
      JsonObject created = http.post(SAS, Http.named("c")).json();
      JsonObject added = w.next();
      assertThat(type(added)).isEqualTo("ADDED");
      assertThat(name(added)).isEqualTo("c");
      assertThat(rv(added)).isEqualTo(rv(created));
      assertThat(added.getAsJsonObject("object").get("kind").getAsString()).isEqualTo("ServiceAccount");
      http.mergePatch(SAS + "/c", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
      JsonObject modified = w.next();
      assertThat(type(modified)).isEqualTo("MODIFIED");
      assertThat(modified.getAsJsonObject("object").getAsJsonObject("metadata").getAsJsonObject("labels").get("x").getAsString())
          .isEqualTo("y");
      http.delete(SAS + "/c");
      JsonObject deleted = w.next();
      assertThat(type(deleted)).isEqualTo("DELETED");
      assertThat(Long.parseLong(rv(deleted))).isGreaterThan(Long.parseLong(rv(modified)));
      assertThat(rv(deleted)).isEqualTo(listRv(SAS));
    }
  }

  @Test
  void watchFromAVersion_getsTheEventsAfterIt_andNothingOfOtherNamespaces() {
    String from = listRv(SAS);
    http.post(SAS, Http.named("one"));
    http.post("/api/v1/namespaces/default/serviceaccounts", Http.named("elsewhere"));
    http.post(SAS, Http.named("two"));
    try (Http.WatchStream w = http.watch(SAS + "?watch=true&resourceVersion=" + from)) {
      assertThat(name(w.next())).isEqualTo("one");
      assertThat(name(w.next())).isEqualTo("two");
      http.delete(SAS + "/one");
      JsonObject e = w.next();
      assertThat(type(e)).isEqualTo("DELETED");
      assertThat(name(e)).isEqualTo("one");
    }
  }

  @Test
  void compaction_endsOpenWatches_andAResumedWatchGetsError410() {
    String seen = listRv(SAS);
    try (Http.WatchStream open = http.watch(SAS + "?watch=1&resourceVersion=" + seen)) {
      http.post(SAS, Http.named("before"));
      assertThat(name(open.next())).isEqualTo("before");
      server.compactHistory();
      assertThat(open.next()).as("the stream ends after a compaction").isNull();
    }
    long floor = Long.parseLong(listRv(SAS));
    try (Http.WatchStream resumed = http.watch(SAS + "?watch=1&resourceVersion=" + seen)) {
      assertThat(resumed.code).as("upstream answers 200 and an ERROR event").isEqualTo(200);
      JsonObject e = resumed.next();
      assertThat(type(e)).isEqualTo("ERROR");
      JsonObject status = e.getAsJsonObject("object");
      assertThat(status.get("kind").getAsString()).isEqualTo("Status");
      assertThat(status.get("code").getAsInt()).isEqualTo(410);
      assertThat(status.get("reason").getAsString()).isEqualTo("Expired");
      assertThat(status.get("message").getAsString()).isEqualTo("too old resource version: " + seen + " (" + floor + ")");
      assertThat(resumed.next()).isNull();
    }
    // A watch from the list's version works again (the relist path).
    try (Http.WatchStream w = http.watch(SAS + "?watch=1&resourceVersion=" + floor)) {
      http.post(SAS, Http.named("after"));
      assertThat(name(w.next())).isEqualTo("after");
    }
  }

  @Test
  void labelSelector_objectEnteringIsAdded_leavingIsDeleted() {
    http.post(SAS, Http.named("s"));
    try (Http.WatchStream w = http.watch(SAS + "?watch=1&labelSelector=app%3Dweb")) {
      http.mergePatch(SAS + "/s", "{\"metadata\":{\"labels\":{\"app\":\"web\"}}}");
      JsonObject entered = w.next();
      assertThat(type(entered)).isEqualTo("ADDED");
      assertThat(name(entered)).isEqualTo("s");
      http.mergePatch(SAS + "/s", "{\"metadata\":{\"labels\":{\"tier\":\"1\"}}}");
      assertThat(type(w.next())).isEqualTo("MODIFIED");
      JsonObject change = http.mergePatch(SAS + "/s", "{\"metadata\":{\"labels\":{\"app\":\"db\"}}}").json();
      JsonObject left = w.next();
      assertThat(type(left)).isEqualTo("DELETED");
      assertThat(rv(left)).isEqualTo(rv(change));
      assertThat(left.getAsJsonObject("object").getAsJsonObject("metadata").getAsJsonObject("labels").get("app").getAsString())
          .as("the previous content, as the cacher sends it").isEqualTo("web");
    }
  }

  @Test
  void fieldSelector_andTheLegacyWatchPrefix_watchOneObject() {
    try (Http.WatchStream byField = http.watch(SAS + "?watch=1&fieldSelector=metadata.name%3Dz");
        Http.WatchStream byPrefix = http.watch("/api/v1/watch/namespaces/w/serviceaccounts/z")) {
      assertThat(byPrefix.code).isEqualTo(200);
      http.post(SAS, Http.named("y"));
      http.post(SAS, Http.named("z"));
      assertThat(name(byField.next())).isEqualTo("z");
      assertThat(name(byPrefix.next())).isEqualTo("z");
    }
  }

  @Test
  void bookmarks_carryOnlyKindApiVersionAndResourceVersion() {
    try (Http.WatchStream w = http.watch(SAS + "?watch=1&allowWatchBookmarks=True&resourceVersion=" + listRv(SAS))) {
      JsonObject b = w.next();
      assertThat(type(b)).isEqualTo("BOOKMARK");
      JsonObject o = b.getAsJsonObject("object");
      assertThat(o.keySet()).containsExactlyInAnyOrder("kind", "apiVersion", "metadata");
      assertThat(o.get("kind").getAsString()).isEqualTo("ServiceAccount");
      assertThat(o.getAsJsonObject("metadata").keySet()).containsExactly("resourceVersion");
      assertThat(rv(o)).isEqualTo(listRv(SAS));
    }
  }

  @Test
  void watchList_sendInitialEvents_endsItsInitialEventsWithAnAnnotatedBookmark() {
    try (Http.WatchStream w = http.watch(SAS + "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=1")) {
      assertThat(name(w.next())).isEqualTo("default");
      JsonObject end = w.next();
      assertThat(type(end)).isEqualTo("BOOKMARK");
      assertThat(end.getAsJsonObject("object").getAsJsonObject("metadata").getAsJsonObject("annotations")
          .get("k8s.io/initial-events-end").getAsString()).isEqualTo("true");
    }
    Http.Response bad = http.get(SAS + "?watch=1&sendInitialEvents=true");
    assertThat(bad.code()).isEqualTo(422);
    assertThat(bad.json().get("message").getAsString()).isEqualTo("ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: "
        + "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
  }

  @Test
  void timeoutSeconds_endsTheStream_afterALastBookmark() {
    try (Http.WatchStream w = http.watch(SAS + "?watch=1&timeoutSeconds=1&allowWatchBookmarks=true&resourceVersion=" + listRv(SAS))) {
      JsonObject e;
      String last = null;
      while ((e = w.next()) != null) {
        last = type(e);
      }
      assertThat(last).isEqualTo("BOOKMARK");
    }
  }

  @Test
  void aClientThatLeaves_freesItsWatcher() {
    Http.WatchStream w = http.watch(SAS + "?watch=1");
    assertThat(name(w.next())).isEqualTo("default");
    assertThat(server.openWatches()).isEqualTo(1);
    w.close();
    int[] n = {0};
    // The server notices on its next write: keep changing what the watch sees.
    assertThat(Http.await(() -> {
      http.post(SAS, Http.named("poke-" + n[0]++));
      return server.openWatches() == 0;
    })).isTrue();
  }

  @Test
  void closingTheServer_endsEveryWatch() {
    Http.WatchStream w = http.watch(SAS + "?watch=1");
    assertThat(name(w.next())).isEqualTo("default");
    server.close();
    assertThat(w.awaitEnd()).isTrue();
    assertThat(server.openWatches()).isZero();
  }

  @Test
  void booleanParameters_asUpstreamConvertsThem() {
    assertThat(http.get(SAS + "?watch=False").json().get("kind").getAsString()).isEqualTo("ServiceAccountList");
    assertThat(http.get(SAS + "?watch=0").json().get("kind").getAsString()).isEqualTo("ServiceAccountList");
    try (Http.WatchStream w = http.watch(SAS + "?watch=yes")) {
      assertThat(type(w.next())).isEqualTo("ADDED");
    }
    try (Http.WatchStream w = http.watch(SAS + "?watch=")) {
      assertThat(type(w.next())).as("an empty value is true, as upstream's conversion").isEqualTo("ADDED");
    }
  }

  @Test
  void aWatcherThatFallsTooFarBehind_isClosed() throws Exception {
    ObjectStore store = new ObjectStore(java.time.Clock.systemUTC());
    JsonObject ns = new JsonObject();
    ns.add("metadata", new JsonObject());
    ObjectStore.meta(ns).addProperty("name", "w");
    store.create(ResourceType.NAMESPACES, "", ns);
    Watch slow = store.watch(ResourceType.CONFIG_MAPS, "w", o -> true, store.resourceVersion(), false, false, System.nanoTime() + 60_000_000_000L);
    assertThat(store.openWatches()).as("opens when its stream is written").isZero();
    assertThat(store.open(slow)).isEmpty(); // what writeTo does first; the client then reads nothing
    assertThat(store.openWatches()).isEqualTo(1);
    for (int i = 0; i <= Watch.MAX_PENDING; i++) {
      JsonObject cm = new JsonObject();
      cm.add("metadata", new JsonObject());
      ObjectStore.meta(cm).addProperty("name", "cm-" + i);
      store.create(ResourceType.CONFIG_MAPS, "w", cm);
    }
    assertThat(store.openWatches()).as("terminated, as upstream terminates a blocked watcher").isZero();
    assertThat(slow.closed).isTrue();
  }
}
