package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Server-side apply and managedFields, after the fieldmanager tests upstream (ownership on create, removal of fields no
 * longer applied, conflicts with Update managers and their message, force, shared ownership, Update bookkeeping).
 */
class ApplyTest {

  static final String T0 = "2026-01-01T00:00:00Z";
  static final String T1 = "2026-01-01T00:01:00Z";

  static JsonObject j(String singleQuoted) {
    return StrategicMergePatchTest.j(singleQuoted).getAsJsonObject();
  }

  static ResourceType cm() {
    return SelectorsTest.type("ConfigMap");
  }

  static StatusError fails(Runnable r) {
    try {
      r.run();
    } catch (StatusError e) {
      return e;
    }
    throw new AssertionError("no error");
  }

  static JsonArray managed(JsonObject o) {
    return o.getAsJsonObject("metadata").getAsJsonArray("managedFields");
  }

  static JsonObject entry(String manager, String op, String time, String fieldsV1) {
    return j("{'manager':'" + manager + "','operation':'" + op + "','apiVersion':'v1','time':'" + time
        + "','fieldsType':'FieldsV1','fieldsV1':" + fieldsV1 + "}");
  }

  @Test
  void fieldManager_isRequired_422AsUpstream() {
    StatusError e = fails(() -> Apply.apply(cm(), null, j("{'apiVersion':'v1','kind':'ConfigMap'}"), "", false, T0));
    assertThat(e.code).isEqualTo(422);
    assertThat(e.reason).isEqualTo("Invalid");
    assertThat(e.getMessage()).isEqualTo("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
    assertThat(e.details).isEqualTo(j("{'group':'meta.k8s.io','kind':'PatchOptions','causes':[{'reason':'FieldValueRequired',"
        + "'message':'Required value: is required for apply patch','field':'fieldManager'}]}"));
    assertThat(fails(() -> Apply.apply(cm(), null, j("{}"), "m".repeat(129), false, T0)).getMessage())
        .isEqualTo("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Too long: may not be more than 128 bytes");
    assertThat(fails(() -> Apply.apply(cm(), null, j("{}"), "a\nb", false, T0)).getMessage())
        .isEqualTo("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Invalid value: \"a\\nb\": invalid character U+000A (at position 1)");
    StatusError two = fails(() -> Apply.apply(cm(), null, j("{}"), "\u00e9\tx\u0000", false, T0));
    assertThat(two.getMessage()).isEqualTo("PatchOptions.meta.k8s.io \"\" is invalid: [fieldManager: Invalid value: \"\u00e9\\tx\\x00\":"
        + " invalid character U+0009 (at position 2), fieldManager: Invalid value: \"\u00e9\\tx\\x00\": invalid character U+0000"
        + " (at position 4)]");
    assertThat(two.details.getAsJsonArray("causes")).hasSize(2);
    Apply.validateFieldManager("kubectl client-side apply", true); // a space is printable
  }

  @Test
  void bodyOfAnotherKind_is400InvalidObjectType() {
    assertThat(fails(() -> Apply.apply(cm(), null, j("{'apiVersion':'v1','kind':'Pod'}"), "m", false, T0)).getMessage())
        .isEqualTo("invalid object type: /v1, Kind=Pod");
    assertThat(fails(() -> Apply.apply(cm(), null, j("{'apiVersion':'apps/v1','kind':'ConfigMap'}"), "m", false, T0)).getMessage())
        .isEqualTo("invalid object type: apps/v1, Kind=ConfigMap");
    assertThat(fails(() -> Apply.apply(cm(), null, j("{'kind':'ConfigMap'}"), "m", false, T0)).getMessage())
        .isEqualTo("invalid object type: /, Kind=ConfigMap");
    StatusError mf = fails(() -> Apply.apply(cm(), null, j("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'managedFields':[]}}"),
        "m", false, T0));
    assertThat(mf.code).isEqualTo(400);
    assertThat(mf.getMessage()).isEqualTo("metadata.managedFields must be nil");
  }

  static JsonObject applied(String data) {
    return j("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cm','namespace':'ns','labels':{'app':'x'}},'data':" + data + "}");
  }

  @Test
  void create_ownsEveryAppliedField() {
    JsonObject got = Apply.apply(cm(), null, applied("{'a':'1','b':'2'}"), "kubectl", false, T0);
    JsonObject want = applied("{'a':'1','b':'2'}");
    JsonArray mf = new JsonArray();
    mf.add(entry("kubectl", "Apply", T0, "{'f:data':{'f:a':{},'f:b':{}},'f:metadata':{'f:labels':{'f:app':{}}}}"));
    want.getAsJsonObject("metadata").add("managedFields", mf);
    assertThat(got).isEqualTo(want);
  }

  @Test
  void reapply_removesFieldsNoLongerApplied_unlessAnotherManagerOwnsThem() {
    JsonObject first = Apply.apply(cm(), null, applied("{'a':'1','b':'2','c':'3'}"), "kubectl", false, T0);
    // another manager updates c: it owns it now (and kubectl no longer does)
    JsonObject edited = first.deepCopy();
    edited.getAsJsonObject("data").addProperty("c", "33");
    ManagedFields.recordUpdate(first, edited, "editor", "v1", T1);
    assertThat(managed(edited)).containsExactly(
        entry("kubectl", "Apply", T0, "{'f:data':{'f:a':{},'f:b':{}},'f:metadata':{'f:labels':{'f:app':{}}}}"),
        entry("editor", "Update", T1, "{'f:data':{'f:c':{}}}"));

    JsonObject second = Apply.apply(cm(), edited, applied("{'a':'1'}"), "kubectl", false, T1);
    assertThat(second.getAsJsonObject("data")).isEqualTo(j("{'a':'1','c':'33'}"));
    assertThat(managed(second)).containsExactly(
        entry("kubectl", "Apply", T1, "{'f:data':{'f:a':{}},'f:metadata':{'f:labels':{'f:app':{}}}}"),
        entry("editor", "Update", T1, "{'f:data':{'f:c':{}}}"));
  }

  static JsonObject ownedByClientSideApply(String app) {
    JsonObject live = applied("{'a':'1'}");
    live.getAsJsonObject("metadata").getAsJsonObject("labels").addProperty("app", app);
    JsonArray mf = new JsonArray();
    mf.add(entry("kubectl-client-side-apply", "Update", T0, "{'f:data':{'.':{},'f:a':{}},'f:metadata':{'f:labels':{'.':{},'f:app':{}}}}"));
    live.getAsJsonObject("metadata").add("managedFields", mf);
    return live;
  }

  @Test
  void changingAFieldAnotherManagerOwns_is409Conflict_withUpstreamMessageAndCauses() {
    StatusError e = fails(() -> Apply.apply(cm(), ownedByClientSideApply("a"), applied("{'a':'1'}"), "kubectl", false, T1));
    assertThat(e.code).isEqualTo(409);
    assertThat(e.reason).isEqualTo("Conflict");
    assertThat(e.getMessage()).isEqualTo("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .metadata.labels.app");
    assertThat(e.details).isEqualTo(j("{'causes':[{'reason':'FieldManagerConflict','message':'conflict with \\\"kubectl-client-side-apply\\\" using v1',"
        + "'field':'.metadata.labels.app'}]}"));
    assertThat(e.toStatus().get("details")).isEqualTo(e.details);
  }

  @Test
  void severalConflicts_groupedByManager() {
    JsonObject live = applied("{'x':'1','y':'1'}");
    JsonArray mf = new JsonArray();
    mf.add(entry("b", "Apply", T0, "{'f:data':{'f:y':{}}}"));
    mf.add(entry("a", "Update", T0, "{'f:data':{'f:x':{}}}"));
    live.getAsJsonObject("metadata").add("managedFields", mf);
    StatusError e = fails(() -> Apply.apply(cm(), live, applied("{'x':'2','y':'2'}"), "c", false, T1));
    assertThat(e.getMessage()).isEqualTo("Apply failed with 2 conflicts: conflicts with \"a\" using v1\n- .data.x\nconflicts with \"b\"\n- .data.y");
    assertThat(e.details.getAsJsonArray("causes")).hasSize(2);
  }

  @Test
  void force_movesOwnershipToTheApplier() {
    JsonObject got = Apply.apply(cm(), ownedByClientSideApply("a"), applied("{'a':'1'}"), "kubectl", true, T1);
    assertThat(got.getAsJsonObject("metadata").getAsJsonObject("labels")).isEqualTo(j("{'app':'x'}"));
    assertThat(managed(got)).containsExactly(
        entry("kubectl", "Apply", T1, "{'f:data':{'f:a':{}},'f:metadata':{'f:labels':{'f:app':{}}}}"),
        entry("kubectl-client-side-apply", "Update", T0, "{'f:data':{'.':{},'f:a':{}},'f:metadata':{'f:labels':{}}}"));
  }

  @Test
  void sameValue_isSharedOwnership_noConflict() {
    JsonObject got = Apply.apply(cm(), ownedByClientSideApply("x"), applied("{'a':'1'}"), "kubectl", false, T1);
    assertThat(managed(got)).containsExactly(
        entry("kubectl", "Apply", T1, "{'f:data':{'f:a':{}},'f:metadata':{'f:labels':{'f:app':{}}}}"),
        entry("kubectl-client-side-apply", "Update", T0, "{'f:data':{'.':{},'f:a':{}},'f:metadata':{'f:labels':{'.':{},'f:app':{}}}}"));
  }

  @Test
  void keyedLists_areMergedByKey_andEncodedWithK() {
    ResourceType pod = SelectorsTest.type("Pod");
    JsonObject podV1 = j("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'app','image':'nginx'}]},"
        + "'status':{'phase':'Running'}}");
    JsonObject created = Apply.apply(pod, null, podV1, "mgr", false, T0);
    assertThat(created.has("status")).as("status is reset on the main resource").isFalse();
    assertThat(managed(created).get(0).getAsJsonObject().get("fieldsV1")).isEqualTo(
        j("{'f:spec':{'f:containers':{'k:{\\\"name\\\":\\\"app\\\"}':{'.':{},'f:image':{},'f:name':{}}}}}"));
    // a sidecar added by someone else survives; the applier's container is merged by name
    JsonObject live = created.deepCopy();
    live.getAsJsonObject("spec").getAsJsonArray("containers").add(j("{'name':'sidecar','image':'envoy'}"));
    ManagedFields.recordUpdate(created, live, "injector", "v1", T1);
    JsonObject next = Apply.apply(pod, live, j("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},"
        + "'spec':{'containers':[{'name':'app','image':'nginx:2'}]}}"), "mgr", false, T1);
    assertThat(next.getAsJsonObject("spec")).isEqualTo(j("{'containers':[{'name':'app','image':'nginx:2'},{'name':'sidecar','image':'envoy'}]}"));
    assertThat(managed(next)).containsExactly(
        entry("mgr", "Apply", T1, "{'f:spec':{'f:containers':{'k:{\\\"name\\\":\\\"app\\\"}':{'.':{},'f:image':{},'f:name':{}}}}}"),
        entry("injector", "Update", T1, "{'f:spec':{'f:containers':{'k:{\\\"name\\\":\\\"sidecar\\\"}':{'.':{},'f:image':{},'f:name':{}}}}}"));
    // the applier drops its container: removed, the sidecar stays
    JsonObject dropped = Apply.apply(pod, next, j("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[]}}"),
        "mgr", false, T1);
    assertThat(dropped.getAsJsonObject("spec")).isEqualTo(j("{'containers':[{'name':'sidecar','image':'envoy'}]}"));
  }

  @Test
  void droppedItem_thatAnotherManagerAddedTo_staysWithItsKey() {
    ResourceType pod = SelectorsTest.type("Pod");
    JsonObject created = Apply.apply(pod, null, j("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},"
        + "'spec':{'containers':[{'name':'app','image':'nginx'}]}}"), "mgr", false, T0);
    JsonObject live = created.deepCopy();
    live.getAsJsonObject("spec").getAsJsonArray("containers").get(0).getAsJsonObject().add("env", j("{'a':[{'name':'E','value':'1'}]}").get("a"));
    ManagedFields.recordUpdate(created, live, "injector", "v1", T1);
    JsonObject got = Apply.apply(pod, live, j("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[]}}"),
        "mgr", false, T1);
    assertThat(got.getAsJsonObject("spec")).isEqualTo(j("{'containers':[{'name':'app','env':[{'name':'E','value':'1'}]}]}"));
  }

  @Test
  void keyedListItemWithoutItsKey_is400() {
    ResourceType pod = SelectorsTest.type("Pod");
    StatusError e = fails(() -> Apply.apply(pod, null, j("{'apiVersion':'v1','kind':'Pod','spec':{'containers':[{'image':'x'}]}}"),
        "m", false, T0));
    assertThat(e.code).isEqualTo(400);
    assertThat(e.getMessage()).isEqualTo(".spec.containers: element 0: associative list with keys has an element that omits key field"
        + " \"name\" (and doesn't have default value)");
    assertThat(fails(() -> Apply.apply(pod, null, j("{'apiVersion':'v1','kind':'Pod','spec':{'containers':[{'name':'a'},{'name':'a'}]}}"),
        "m", false, T0)).getMessage()).isEqualTo(".spec.containers: duplicate entries for key [name=\"a\"]");
  }

  @Test
  void recordUpdate_ownsChangedFields_withDotForNewMaps() {
    JsonObject before = j("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cm'}}");
    JsonObject after = j("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cm','labels':{'app':'x'}},'data':{'a':'1','b':'2'}}");
    ManagedFields.recordUpdate(before, after, "kubectl-create", "v1", T0);
    assertThat(managed(after)).containsExactly(
        entry("kubectl-create", "Update", T0, "{'f:data':{'.':{},'f:a':{},'f:b':{}},'f:metadata':{'f:labels':{'.':{},'f:app':{}}}}"));
    JsonObject edited = after.deepCopy();
    edited.getAsJsonObject("data").addProperty("a", "11");
    edited.getAsJsonObject("data").remove("b");
    ManagedFields.recordUpdate(after, edited, "editor", "v1", T1);
    assertThat(managed(edited)).as("sorted by operation, then time").containsExactly(
        entry("kubectl-create", "Update", T0, "{'f:data':{},'f:metadata':{'f:labels':{'.':{},'f:app':{}}}}"),
        entry("editor", "Update", T1, "{'f:data':{'f:a':{}}}"));
    // an update that changes nothing adds no entry
    JsonObject same = edited.deepCopy();
    ManagedFields.recordUpdate(edited, same, "idle", "v1", T1);
    assertThat(managed(same)).isEqualTo(managed(edited));
  }

  @Test
  void fieldsV1_roundTrips_andPrintsUpstreamPaths() {
    JsonElement v1 = j("{'f:metadata':{'f:finalizers':{'v:\\\"a\\\"':{}},'f:labels':{'.':{},'f:app':{}}},"
        + "'f:spec':{'f:containers':{'k:{\\\"name\\\":\\\"x\\\"}':{'.':{},'f:image':{}}}}}");
    assertThat(ManagedFields.encode(ManagedFields.decode(v1))).isEqualTo(v1);
    assertThat(ManagedFields.decode(v1).stream().map(ManagedFields::pathString)).containsExactlyInAnyOrder(
        ".metadata.finalizers[=\"a\"]", ".metadata.labels", ".metadata.labels.app", ".spec.containers[name=\"x\"]",
        ".spec.containers[name=\"x\"].image");
  }

  @Test
  void largeObjects_stayFast() {
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      JsonObject data = new JsonObject();
      JsonArray containers = new JsonArray();
      for (int i = 0; i < 20_000; i++) {
        data.addProperty("k" + i, "v" + i);
      }
      for (int i = 0; i < 2_000; i++) {
        containers.add(j("{'name':'c" + i + "','image':'i'}"));
      }
      JsonObject body = applied("{}");
      body.add("data", data);
      JsonObject created = Apply.apply(cm(), null, body, "m", false, T0);
      JsonObject half = applied("{}");
      JsonObject halfData = new JsonObject();
      for (int i = 0; i < 10_000; i++) {
        halfData.addProperty("k" + i, "w" + i);
      }
      half.add("data", halfData);
      JsonObject next = Apply.apply(cm(), created, half, "m", false, T1);
      assertThat(next.getAsJsonObject("data").size()).isEqualTo(10_000);
      JsonObject edited = next.deepCopy();
      edited.getAsJsonObject("data").addProperty("k1", "x");
      ManagedFields.recordUpdate(next, edited, "e", "v1", T1);
      assertThat(managed(edited)).hasSize(2);
      ResourceType pod = SelectorsTest.type("Pod");
      JsonObject podBody = j("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{}}");
      podBody.getAsJsonObject("spec").add("containers", containers);
      JsonObject p1 = Apply.apply(pod, null, podBody, "m", false, T0);
      JsonObject p2 = Apply.apply(pod, p1, podBody, "m2", false, T1);
      assertThat(managed(p2)).hasSize(2);
      JsonObject patch = j("{'spec':{}}");
      patch.getAsJsonObject("spec").add("containers", containers);
      assertThat(Patches.strategicMerge(pod, p2, patch).getAsJsonObject("spec").getAsJsonArray("containers")).hasSize(2_000);
    });
  }

  @Test
  void deepAppliedConfiguration_is400() {
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      JsonObject body = j("{'apiVersion':'v1','kind':'ConfigMap'}");
      body.add("data", StrategicMergePatchTest.nested(100_000));
      StatusError e = fails(() -> Apply.apply(cm(), null, body, "m", false, T0));
      assertThat(e.code).isEqualTo(400);
      assertThat(e.getMessage()).isEqualTo("the applied configuration nests deeper than 100 levels");
    });
  }
}
