package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Strategic merge patch on the served kinds. Cases follow apimachinery's strategicpatch patch_test.go (merging lists of
 * scalars and of maps by key, {@code $patch} replace/delete, {@code $retainKeys}, {@code $setElementOrder},
 * {@code $deleteFromPrimitiveList}, null deletes) with the merge keys of the kinds' Go struct tags, and the
 * kubectl-patch documentation example (a new container goes first).
 */
class StrategicMergePatchTest {

  static JsonElement j(String singleQuoted) {
    return JsonParser.parseString(singleQuoted.replace('\'', '"'));
  }

  static ResourceType type(String kind) {
    return SelectorsTest.type(kind);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      // maps merge; null deletes; untouched keys stay
      "map merge and null delete|Pod|{'metadata':{'labels':{'a':'1','b':'2'}}}|{'metadata':{'labels':{'b':null,'c':'3'}}}"
          + "|{'metadata':{'labels':{'a':'1','c':'3'}}}",
      // a null for an absent key is ignored (IgnoreUnmatchedNulls)
      "null for absent key|ConfigMap|{'data':{'a':'1'}}|{'data':{'z':null},'binaryData':{'q':null}}|{'data':{'a':'1'},'binaryData':{}}",
      // patch_test 'Merge lists of scalars': union, original order then new
      "finalizers set union|ConfigMap|{'metadata':{'finalizers':['a','b']}}|{'metadata':{'finalizers':['b','c']}}"
          + "|{'metadata':{'finalizers':['a','b','c']}}",
      "deleteFromPrimitiveList|ConfigMap|{'metadata':{'finalizers':['a','b','c']}}"
          + "|{'metadata':{'$deleteFromPrimitiveList/finalizers':['b','x']}}|{'metadata':{'finalizers':['a','c']}}",
      "deleteFromPrimitiveList of absent list|ConfigMap|{'metadata':{}}|{'metadata':{'$deleteFromPrimitiveList/finalizers':['b']}}"
          + "|{'metadata':{}}",
      // containers merge by name; a new container goes first (kubectl patch docs: patch-demo-ctr-2 listed first)
      "containers by name, new first|Pod|{'spec':{'containers':[{'name':'patch-demo-ctr','image':'nginx'}]}}"
          + "|{'spec':{'containers':[{'name':'patch-demo-ctr-2','image':'redis'}]}}"
          + "|{'spec':{'containers':[{'name':'patch-demo-ctr-2','image':'redis'},{'name':'patch-demo-ctr','image':'nginx'}]}}",
      "container field merge|Pod|{'spec':{'containers':[{'name':'a','image':'x','env':[{'name':'E1','value':'1'}]},{'name':'b','image':'y'}]}}"
          + "|{'spec':{'containers':[{'name':'a','image':'x2','env':[{'name':'E2','value':'2'},{'name':'E1','value':'one'}]}]}}"
          + "|{'spec':{'containers':[{'name':'a','image':'x2','env':[{'name':'E2','value':'2'},{'name':'E1','value':'one'}]},{'name':'b','image':'y'}]}}",
      "ports by containerPort|Pod|{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http'},{'containerPort':443}]}]}}"
          + "|{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'protocol':'TCP'}]}]}}"
          + "|{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http','protocol':'TCP'},{'containerPort':443}]}]}}",
      "volumeMounts by mountPath|Pod|{'spec':{'containers':[{'name':'a','volumeMounts':[{'mountPath':'/x','name':'v'}]}]}}"
          + "|{'spec':{'containers':[{'name':'a','volumeMounts':[{'mountPath':'/x','readOnly':true}]}]}}"
          + "|{'spec':{'containers':[{'name':'a','volumeMounts':[{'mountPath':'/x','name':'v','readOnly':true}]}]}}",
      // $patch: delete on a list item
      "item delete|Pod|{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}|{'spec':{'containers':[{'name':'a','$patch':'delete'}]}}"
          + "|{'spec':{'containers':[{'name':'b'}]}}",
      // $patch: replace in a list: the list becomes the patch's items
      "list replace|Pod|{'spec':{'containers':[{'name':'a','image':'x'},{'name':'b'}]}}"
          + "|{'spec':{'containers':[{'name':'c'},{'$patch':'replace'}]}}|{'spec':{'containers':[{'name':'c'}]}}",
      // $patch: replace on a map
      "map replace|Pod|{'spec':{'nodeSelector':{'a':'1','b':'2'}}}|{'spec':{'nodeSelector':{'c':'3','$patch':'replace'}}}"
          + "|{'spec':{'nodeSelector':{'c':'3'}}}",
      "map delete|Pod|{'spec':{'nodeSelector':{'a':'1'},'nodeName':'n'}}|{'spec':{'nodeSelector':{'$patch':'delete'}}}"
          + "|{'spec':{'nodeSelector':{},'nodeName':'n'}}",
      // lists without a strategy are replaced (tolerations; ServiceAccount imagePullSecrets), keyed ones merge
      "tolerations replaced|Pod|{'spec':{'tolerations':[{'key':'a'},{'key':'b'}]}}|{'spec':{'tolerations':[{'key':'c'}]}}"
          + "|{'spec':{'tolerations':[{'key':'c'}]}}",
      "sa imagePullSecrets replaced|ServiceAccount|{'imagePullSecrets':[{'name':'a'}]}|{'imagePullSecrets':[{'name':'b'}]}"
          + "|{'imagePullSecrets':[{'name':'b'}]}",
      "sa secrets merged|ServiceAccount|{'secrets':[{'name':'a'}]}|{'secrets':[{'name':'b'}]}|{'secrets':[{'name':'b'},{'name':'a'}]}",
      "pod imagePullSecrets merged|Pod|{'spec':{'imagePullSecrets':[{'name':'a'}]}}|{'spec':{'imagePullSecrets':[{'name':'a'},{'name':'b'}]}}"
          + "|{'spec':{'imagePullSecrets':[{'name':'a'},{'name':'b'}]}}",
      "ownerReferences by uid|ConfigMap|{'metadata':{'ownerReferences':[{'uid':'1','name':'x'}]}}"
          + "|{'metadata':{'ownerReferences':[{'uid':'1','name':'y'},{'uid':'2','name':'z'}]}}"
          + "|{'metadata':{'ownerReferences':[{'uid':'1','name':'y'},{'uid':'2','name':'z'}]}}",
      "role rules replaced|Role|{'rules':[{'verbs':['get']}]}|{'rules':[{'verbs':['list']}]}|{'rules':[{'verbs':['list']}]}",
      // $retainKeys: keys of the original not listed are dropped (volumes are merge,retainKeys)
      "retainKeys|Pod|{'spec':{'volumes':[{'name':'v','hostPath':{'path':'/x'}}]}}"
          + "|{'spec':{'volumes':[{'name':'v','emptyDir':{},'$retainKeys':['emptyDir','name']}]}}"
          + "|{'spec':{'volumes':[{'name':'v','emptyDir':{}}]}}",
      // $setElementOrder: the final order follows the directive
      "setElementOrder|Pod|{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}"
          + "|{'spec':{'$setElementOrder/containers':[{'name':'c'},{'name':'a'},{'name':'b'}],'containers':[{'name':'a','image':'i'}]}}"
          + "|{'spec':{'containers':[{'name':'c'},{'name':'a','image':'i'},{'name':'b'}]}}",
      "setElementOrder primitives|ConfigMap|{'metadata':{'finalizers':['a','b']}}"
          + "|{'metadata':{'$setElementOrder/finalizers':['c','b','a'],'finalizers':['c']}}|{'metadata':{'finalizers':['c','b','a']}}",
      // new keys with nested directives and nulls are applied to nothing
      "fresh value cleaned|Pod|{}|{'spec':{'containers':[{'name':'a','x':null},{'name':'b','$patch':'delete'}],'nodeSelector':{'k':null}}}"
          + "|{'spec':{'containers':[{'name':'a'}],'nodeSelector':{}}}",
      // a value whose type changes is replaced
      "type change|ConfigMap|{'data':{'a':{'b':1}}}|{'data':{'a':'s'}}|{'data':{'a':'s'}}",
      "null patch|ConfigMap|{'data':{'a':'1'}}|null|{'data':{'a':'1'}}"})
  void strategicMerge(String name, String kind, String original, String patch, String want) {
    JsonObject orig = j(original).getAsJsonObject();
    JsonObject before = orig.deepCopy();
    JsonObject got = Patches.strategicMerge(type(kind), orig, j(patch));
    assertThat(got).isEqualTo(j(want));
    assertThat(orig).as("current is not changed").isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "not an object|Pod|['a']|json: cannot unmarshal array into Go value of type map[string]interface {}",
      "a string|Pod|'a'|json: cannot unmarshal string into Go value of type map[string]interface {}",
      "bad map directive|Pod|{'metadata':{'labels':{'$patch':'merge','a':'b'}}}|unknown patch type: merge in map: map[$patch:merge a:b]",
      "bad map directive 2|Pod|{'$patch':'foo'}|unknown patch type: foo in map: map[$patch:foo]",
      "list merge directive|Pod|{'spec':{'containers':[{'name':'a','$patch':'merge'}]}}|merging lists cannot yet be specified in the patch",
      "bad list directive|Pod|{'spec':{'containers':[{'$patch':'x','name':'a'}]}}|unknown patch type: x in map: map[$patch:x name:a]",
      "delete without key|Pod|{'spec':{'containers':[{'$patch':'delete'}]}}|map: map[$patch:delete] does not contain declared merge key: name",
      "item without key|Pod|{'spec':{'containers':[{'image':'x'}]}}|map: map[image:x] does not contain declared merge key: name",
      "retainKeys not a list|Pod|{'spec':{'$retainKeys':'x'}}|invalid patch format of retainKeys",
      "setElementOrder not a list|Pod|{'spec':{'$setElementOrder/containers':'x'}}|invalid patch format of setElementOrder list",
      "deleteFromPrimitiveList not a list|Pod|{'metadata':{'$deleteFromPrimitiveList/finalizers':'x'}}|invalid patch format of primitive list",
      "list of lists|ConfigMap|{'metadata':{'finalizers':[['a']]}}|lists of lists are not supported"})
  void strategicMerge_bad(String name, String kind, String patch, String message) {
    JsonObject orig = j("{'metadata':{'finalizers':['x']},'spec':{'containers':[{'name':'a'}]}}").getAsJsonObject();
    try {
      Patches.strategicMerge(type(kind), orig, j(patch));
    } catch (StatusError e) {
      assertThat(e.code).isEqualTo(400);
      assertThat(e.getMessage()).isEqualTo(message);
      return;
    }
    throw new AssertionError("accepted " + patch);
  }

  @Test
  void setElementOrder_notMatchingThePatchList_is400() {
    JsonObject orig = j("{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}").getAsJsonObject();
    JsonElement patch = j("{'spec':{'$setElementOrder/containers':[{'name':'a'}],'containers':[{'name':'b','image':'i'}]}}");
    try {
      Patches.strategicMerge(type("Pod"), orig, patch);
      throw new AssertionError("accepted");
    } catch (StatusError e) {
      assertThat(e.code).isEqualTo(400);
      assertThat(e.getMessage()).isEqualTo("The order in patch list:\n[map[image:i name:b]]\n doesn't match $setElementOrder/ list:\n"
          + "[map[name:a]]\n");
    }
  }

  static JsonObject nested(int depth) {
    JsonObject root = new JsonObject();
    JsonObject cur = root;
    for (int i = 0; i < depth; i++) {
      JsonObject next = new JsonObject();
      cur.add("a", next);
      cur = next;
    }
    return root;
  }

  @Test
  void deepPatches_are400_neverAStackOverflow() {
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      for (int depth : new int[] {101, 100_000}) {
        try {
          Patches.strategicMerge(type("ConfigMap"), new JsonObject(), nested(depth));
          throw new AssertionError("accepted depth " + depth);
        } catch (StatusError e) {
          assertThat(e.code).isEqualTo(400);
          assertThat(e.getMessage()).isEqualTo("the patch nests deeper than 100 levels");
        }
      }
      assertThat(Patches.strategicMerge(type("ConfigMap"), new JsonObject(), nested(99))).isEqualTo(nested(99));
    });
  }

  @Test
  void mergeKeyTable_isReadableData() {
    assertThat(Patches.mergeKey("Pod", java.util.List.of("spec", "containers", "env"))).isEqualTo("name");
    assertThat(Patches.mergeKey("Pod", java.util.List.of("spec", "initContainers", "ports"))).isEqualTo("containerPort");
    assertThat(Patches.mergeKey("Secret", java.util.List.of("metadata", "finalizers"))).isEqualTo("");
    assertThat(Patches.mergeKey("Pod", java.util.List.of("spec", "tolerations"))).isNull();
    assertThat(Patches.MERGE_KEYS).containsEntry("ServiceAccount:secrets", "name").doesNotContainKey("ServiceAccount:imagePullSecrets");
  }
}
