package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch (apimachinery's
 * {@code strategicpatch.StrategicMergeMapPatch} with the Go struct tags of the served kinds, see {@link #MERGE_KEYS}).
 */
final class Patches {

  private Patches() {}

  /** Deepest nesting of a strategic merge patch (and of an applied configuration); deeper is a 400. */
  static final int MAX_DEPTH = 100;

  /**
   * The lists that strategic merge patch (and server-side apply here) merge instead of replacing, from upstream's Go struct
   * tags {@code patchStrategy:"merge" patchMergeKey:"..."}: "KIND:path" (KIND {@code *} for every kind; path the JSON
   * field names from the object root, list items transparent) → the merge key, or "" for a list of primitives merged as
   * a set. Lists not named here are replaced whole (atomic), e.g. Pod {@code spec.tolerations}, ServiceAccount
   * {@code imagePullSecrets}, Role {@code rules}, RoleBinding {@code subjects}, Node {@code spec.taints}.
   */
  static final Map<String, String> MERGE_KEYS = mergeKeys();

  private static Map<String, String> mergeKeys() {
    Map<String, String> m = new TreeMap<>();
    m.put("*:metadata.finalizers", "");
    m.put("*:metadata.ownerReferences", "uid");
    m.put("Pod:spec.volumes", "name"); // merge,retainKeys
    m.put("Pod:spec.imagePullSecrets", "name");
    m.put("Pod:spec.hostAliases", "ip");
    m.put("Pod:spec.topologySpreadConstraints", "topologyKey");
    m.put("Pod:spec.schedulingGates", "name");
    m.put("Pod:spec.resourceClaims", "name"); // merge,retainKeys
    for (String c : List.of("containers", "initContainers", "ephemeralContainers")) {
      m.put("Pod:spec." + c, "name");
      m.put("Pod:spec." + c + ".env", "name");
      m.put("Pod:spec." + c + ".ports", "containerPort");
      m.put("Pod:spec." + c + ".volumeMounts", "mountPath");
      m.put("Pod:spec." + c + ".volumeDevices", "devicePath");
    }
    m.put("Pod:status.conditions", "type");
    m.put("Pod:status.podIPs", "ip");
    m.put("Pod:status.hostIPs", "ip");
    m.put("Pod:status.resourceClaimStatuses", "name"); // merge,retainKeys
    m.put("ServiceAccount:secrets", "name");
    m.put("Node:spec.podCIDRs", "");
    m.put("Node:status.conditions", "type");
    m.put("Node:status.addresses", "type");
    m.put("Namespace:status.conditions", "type");
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The merge key of the list at {@code path} in objects of {@code kind}: null (replace), "" (set of primitives) or a key. */
  static @Nullable String mergeKey(String kind, List<String> path) {
    String p = String.join(".", path);
    String k = MERGE_KEYS.get(kind + ":" + p);
    return k != null ? k : MERGE_KEYS.get("*:" + p);
  }

  /** Whether arrays and objects in {@code e} nest deeper than {@code max} (counted without recursion). */
  static boolean deeperThan(JsonElement e, int max) {
    Deque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {e, 0});
    while (!stack.isEmpty()) {
      Object[] top = stack.pop();
      JsonElement x = (JsonElement) top[0];
      int d = (Integer) top[1];
      if (x.isJsonObject() || x.isJsonArray()) {
        if (d + 1 > max) {
          return true;
        }
        Iterable<JsonElement> children = x.isJsonObject() ? x.getAsJsonObject().asMap().values() : x.getAsJsonArray();
        for (JsonElement c : children) {
          stack.push(new Object[] {c, d + 1});
        }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Strategic merge patch

  /**
   * Applies a strategic merge patch to {@code current} (not changed) for an object of {@code type}.
   *
   * @throws StatusError 400 for a patch that is not a JSON object, nests deeper than {@link #MAX_DEPTH}, or carries a bad
   *     directive
   */
  static JsonObject strategicMerge(ResourceType type, JsonObject current, JsonElement patch) {
    if (patch.isJsonNull()) {
      return current.deepCopy();
    }
    if (!patch.isJsonObject()) {
      throw StatusError.badRequest("json: cannot unmarshal " + jsonType(patch) + " into Go value of type map[string]interface {}");
    }
    if (deeperThan(patch, MAX_DEPTH)) {
      throw StatusError.badRequest("the patch nests deeper than " + MAX_DEPTH + " levels");
    }
    return new Smp(type.kind).mergeMap(new ArrayList<>(), current.deepCopy(), patch.getAsJsonObject().deepCopy(), 0);
  }

  private static String jsonType(JsonElement e) {
    if (e.isJsonArray()) {
      return "array";
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    return p.isString() ? "string" : p.isNumber() ? "number" : "bool";
  }

  /** Go's {@code %v} of a decoded JSON value, for error texts. */
  static String goValue(@Nullable JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return "<nil>";
    }
    if (e.isJsonObject()) {
      StringBuilder sb = new StringBuilder("map[");
      new TreeMap<>(e.getAsJsonObject().asMap()).forEach((k, v) -> sb.append(sb.length() > 4 ? " " : "").append(k).append(':')
          .append(goValue(v)));
      return sb.append(']').toString();
    }
    if (e.isJsonArray()) {
      List<String> parts = new ArrayList<>();
      e.getAsJsonArray().forEach(x -> parts.add(goValue(x)));
      return "[" + String.join(" ", parts) + "]";
    }
    return e.getAsString();
  }

  private static final String DIRECTIVE = "$patch";
  private static final String RETAIN_KEYS = "$retainKeys";
  private static final String SET_ORDER = "$setElementOrder/";
  private static final String DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

  /** One strategic merge: the kind's merge keys, and mutation of the (copied) original and patch in place. */
  static final class Smp {
    private final String kind;

    Smp(String kind) {
      this.kind = kind;
    }

    private static List<String> child(List<String> path, String k) {
      List<String> c = new ArrayList<>(path);
      c.add(k);
      return c;
    }

    /** A safety net only: the patch's depth was checked before merging, and the merge recurses at most a few calls a level. */
    private static void checkDepth(int depth) {
      if (depth > 4 * MAX_DEPTH) {
        throw StatusError.badRequest("the patch nests deeper than " + MAX_DEPTH + " levels");
      }
    }

    JsonObject mergeMap(List<String> path, JsonObject original, JsonObject patch, int depth) {
      checkDepth(depth);
      JsonElement directive = patch.get(DIRECTIVE);
      if (directive != null) {
        if (isString(directive, "replace")) {
          patch.remove(DIRECTIVE);
          return mergeMap(path, new JsonObject(), patch, depth + 1);
        }
        if (isString(directive, "delete")) {
          return new JsonObject();
        }
        throw StatusError.badRequest("unknown patch type: " + goValue(directive) + " in map: " + goValue(patch));
      }
      JsonElement retain = patch.remove(RETAIN_KEYS);
      if (retain != null) {
        if (!retain.isJsonArray()) {
          throw StatusError.badRequest("invalid patch format of retainKeys");
        }
        Set<String> keep = new HashSet<>();
        for (JsonElement k : retain.getAsJsonArray()) {
          if (!k.isJsonPrimitive() || !k.getAsJsonPrimitive().isString()) {
            throw StatusError.badRequest("invalid patch format of retainKeys");
          }
          keep.add(k.getAsString());
        }
        original.keySet().removeIf(k -> !keep.contains(k));
      }
      for (String key : new ArrayList<>(patch.keySet())) {
        if (key.startsWith(SET_ORDER)) {
          setElementOrder(path, original, patch, key, depth);
        }
      }
      for (Map.Entry<String, JsonElement> e : new ArrayList<>(patch.entrySet())) {
        String k = e.getKey();
        JsonElement v = e.getValue();
        if (k.startsWith(DELETE_PRIMITIVE)) {
          String field = k.substring(DELETE_PRIMITIVE.length());
          if (!v.isJsonArray()) {
            throw StatusError.badRequest("invalid patch format of primitive list");
          }
          JsonElement o = original.get(field);
          if (o != null && o.isJsonArray()) {
            JsonArray kept = new JsonArray();
            for (JsonElement x : o.getAsJsonArray()) {
              if (!v.getAsJsonArray().contains(x)) {
                kept.add(x);
              }
            }
            original.add(field, kept);
          }
          continue;
        }
        if (k.startsWith("$")) {
          continue; // an unknown directive: dropped, as decoding into the Go struct drops it upstream
        }
        if (v.isJsonNull()) {
          original.remove(k);
          continue;
        }
        JsonElement o = original.get(k);
        List<String> cp = child(path, k);
        if (o == null || o.isJsonNull() || kindOf(o) != kindOf(v)) {
          original.add(k, fresh(cp, v, depth + 1));
        } else if (v.isJsonObject()) {
          original.add(k, mergeMap(cp, o.getAsJsonObject(), v.getAsJsonObject(), depth + 1));
        } else if (v.isJsonArray()) {
          String mk = mergeKey(kind, cp);
          original.add(k, mk == null ? fresh(cp, v, depth + 1) : mergeList(cp, o.getAsJsonArray(), v.getAsJsonArray(), mk, depth + 1));
        } else {
          original.add(k, v);
        }
      }
      return original;
    }

    /** A patch value with no original counterpart: its nulls and directives applied to nothing. */
    JsonElement fresh(List<String> path, JsonElement v, int depth) {
      checkDepth(depth);
      if (v.isJsonObject()) {
        return mergeMap(path, new JsonObject(), v.getAsJsonObject(), depth + 1);
      }
      if (v.isJsonArray()) {
        String mk = mergeKey(kind, path);
        if (mk != null) {
          return mergeList(path, new JsonArray(), v.getAsJsonArray(), mk, depth + 1);
        }
        JsonArray out = new JsonArray();
        for (JsonElement x : v.getAsJsonArray()) {
          out.add(x.isJsonNull() ? x : fresh(path, x, depth + 1));
        }
        return out;
      }
      return v;
    }

    private void setElementOrder(List<String> path, JsonObject original, JsonObject patch, String key, int depth) {
      JsonElement order = patch.remove(key);
      String field = key.substring(SET_ORDER.length());
      if (order == null || !order.isJsonArray()) {
        throw StatusError.badRequest("invalid patch format of setElementOrder list");
      }
      JsonElement pl = patch.get(field);
      if (pl != null && !pl.isJsonArray()) {
        throw StatusError.badRequest("invalid patch format of setElementOrder list");
      }
      List<String> cp = child(path, field);
      String mk = mergeKey(kind, cp);
      JsonArray originalList = original.get(field) != null && original.get(field).isJsonArray() ? original.getAsJsonArray(field) : new JsonArray();
      JsonArray patchList = pl == null ? new JsonArray() : pl.getAsJsonArray();
      if (mk == null || (originalList.size() == 0 && patchList.size() == 0)) {
        return;
      }
      List<JsonElement> orderList = order.getAsJsonArray().asList();
      validateOrder(patchList, orderList, mk);
      List<JsonElement> merged = mergeList(cp, originalList.deepCopy(), patchList, mk, depth + 1).asList();
      List<JsonElement> patchItems = new ArrayList<>();
      List<JsonElement> serverOnly = new ArrayList<>();
      java.util.function.ToIntFunction<JsonElement> inOrder = indexer(orderList, mk);
      for (JsonElement x : merged) {
        (inOrder.applyAsInt(x) >= 0 ? patchItems : serverOnly).add(x);
      }
      original.add(field, toArray(normalizeElementOrder(patchItems, serverOnly, orderList, originalList.asList(), mk)));
      patch.remove(field);
    }

    private static void validateOrder(JsonArray patchList, List<JsonElement> order, String mk) {
      List<JsonElement> nonDelete = new ArrayList<>();
      for (JsonElement x : patchList) {
        if (!(x.isJsonObject() && x.getAsJsonObject().has(DIRECTIVE))) {
          nonDelete.add(x);
        }
      }
      if (order.isEmpty() || nonDelete.isEmpty()) {
        return;
      }
      int p = 0;
      int s = 0;
      while (p < nonDelete.size() && s < order.size()) {
        if (sameItem(nonDelete.get(p), order.get(s), mk)) {
          p++;
        }
        s++;
      }
      if (p < nonDelete.size()) {
        throw StatusError.badRequest("The order in patch list:\n" + goValue(patchList) + "\n doesn't match " + SET_ORDER
            + " list:\n" + goValue(toArray(order)) + "\n");
      }
    }

    JsonArray mergeList(List<String> path, JsonArray original, JsonArray patch, String mk, int depth) {
      checkDepth(depth);
      if (original.size() == 0 && patch.size() == 0) {
        return original;
      }
      int elementKind = -1;
      for (JsonArray a : List.of(original, patch)) {
        for (JsonElement x : a) {
          int k = kindOf(x);
          if (k == ARRAY) {
            throw StatusError.badRequest("lists of lists are not supported");
          }
          if (elementKind >= 0 && k != elementKind) {
            throw StatusError.badRequest("list element types are not identical: [" + goValue(original) + " " + goValue(patch) + "]");
          }
          elementKind = k;
        }
      }
      List<JsonElement> orig = new ArrayList<>(original.asList());
      List<JsonElement> p = new ArrayList<>(patch.asList());
      List<JsonElement> merged;
      if (elementKind != OBJECT) {
        merged = new ArrayList<>();
        for (JsonElement x : orig) {
          if (!merged.contains(x)) {
            merged.add(x);
          }
        }
        for (JsonElement x : p) {
          if (!merged.contains(x)) {
            merged.add(x);
          }
        }
      } else {
        if (mk.isEmpty()) {
          throw StatusError.badRequest("cannot merge lists without merge key for " + String.join(".", path));
        }
        List<JsonElement> plain = new ArrayList<>();
        boolean replace = false;
        for (JsonElement x : p) {
          JsonObject item = x.getAsJsonObject();
          JsonElement d = item.get(DIRECTIVE);
          if (d == null) {
            plain.add(x);
          } else if (isString(d, "delete")) {
            JsonElement kv = item.get(mk);
            if (kv == null) {
              throw StatusError.badRequest("map: " + goValue(item) + " does not contain declared merge key: " + mk);
            }
            orig.removeIf(o -> kv.equals(o.getAsJsonObject().get(mk)));
          } else if (isString(d, "replace")) {
            replace = true;
          } else if (isString(d, "merge")) {
            throw StatusError.badRequest("merging lists cannot yet be specified in the patch");
          } else {
            throw StatusError.badRequest("unknown patch type: " + goValue(d) + " in map: " + goValue(item));
          }
        }
        if (replace) {
          orig = plain;
          p = new ArrayList<>();
        } else {
          p = plain;
        }
        merged = new ArrayList<>(orig);
        for (JsonElement x : p) {
          JsonObject item = x.getAsJsonObject();
          JsonElement kv = item.get(mk);
          if (kv == null) {
            throw StatusError.badRequest("map: " + goValue(item) + " does not contain declared merge key: " + mk);
          }
          int at = -1;
          for (int i = 0; i < merged.size(); i++) {
            if (kv.equals(merged.get(i).getAsJsonObject().get(mk))) {
              at = i;
              break;
            }
          }
          if (at >= 0) {
            merged.set(at, mergeMap(path, merged.get(at).getAsJsonObject(), item.deepCopy(), depth + 1));
          } else {
            merged.add(mergeMap(path, new JsonObject(), item.deepCopy(), depth + 1));
          }
        }
        if (replace) {
          List<JsonElement> cleaned = new ArrayList<>();
          for (JsonElement x : merged) {
            cleaned.add(mergeMap(path, new JsonObject(), x.getAsJsonObject(), depth + 1));
          }
          merged = cleaned;
        }
      }
      List<JsonElement> patchItems = new ArrayList<>();
      List<JsonElement> serverOnly = new ArrayList<>();
      java.util.function.ToIntFunction<JsonElement> inPatch = indexer(p, mk);
      for (JsonElement x : merged) {
        (inPatch.applyAsInt(x) >= 0 ? patchItems : serverOnly).add(x);
      }
      return toArray(normalizeElementOrder(patchItems, serverOnly, p, orig, mk));
    }
  }

  private static final int OBJECT = 0;
  private static final int ARRAY = 1;
  private static final int STRING = 2;
  private static final int NUMBER = 3;
  private static final int BOOL = 4;
  private static final int NULL = 5;

  private static int kindOf(JsonElement e) {
    if (e.isJsonObject()) {
      return OBJECT;
    }
    if (e.isJsonArray()) {
      return ARRAY;
    }
    if (e.isJsonNull()) {
      return NULL;
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    return p.isString() ? STRING : p.isNumber() ? NUMBER : BOOL;
  }

  private static boolean isString(JsonElement e, String s) {
    return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() && e.getAsString().equals(s);
  }

  private static boolean sameItem(JsonElement a, JsonElement b, String mk) {
    if (!mk.isEmpty() && a.isJsonObject() && b.isJsonObject()) {
      JsonElement ka = a.getAsJsonObject().get(mk);
      return ka != null && ka.equals(b.getAsJsonObject().get(mk));
    }
    return a.equals(b);
  }

  private static JsonArray toArray(List<JsonElement> l) {
    JsonArray a = new JsonArray();
    l.forEach(a::add);
    return a;
  }

  /** Upstream's {@code normalizeElementOrder}: each part sorted by its order list, then merged by the server order. */
  private static List<JsonElement> normalizeElementOrder(List<JsonElement> patch, List<JsonElement> serverOnly,
      List<JsonElement> patchOrder, List<JsonElement> serverOrder, String mk) {
    java.util.function.ToIntFunction<JsonElement> inServer = indexer(serverOrder, mk);
    java.util.function.ToIntFunction<JsonElement> inPatch = indexer(patchOrder, mk);
    List<JsonElement> left = new ArrayList<>(serverOnly);
    left.sort(java.util.Comparator.comparingInt(inServer));
    List<JsonElement> right = new ArrayList<>(patch);
    right.sort(java.util.Comparator.comparingInt(inPatch));
    List<JsonElement> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < left.size() || j < right.size()) {
      if (i >= left.size()) {
        out.add(right.get(j++));
      } else if (j >= right.size()) {
        out.add(left.get(i++));
      } else {
        int li = inServer.applyAsInt(left.get(i));
        int ri = inServer.applyAsInt(right.get(j));
        if (li >= 0 && ri >= 0 && li < ri) {
          out.add(left.get(i++));
        } else {
          out.add(right.get(j++));
        }
      }
    }
    return out;
  }

  /** The position of an item in a list (by merge key for maps, by value otherwise), -1 when absent; one hash lookup. */
  private static java.util.function.ToIntFunction<JsonElement> indexer(List<JsonElement> list, String mk) {
    Map<JsonElement, Integer> at = new java.util.HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      JsonElement k = itemKey(list.get(i), mk);
      if (k != null) {
        at.putIfAbsent(k, i);
      }
    }
    return x -> {
      JsonElement k = itemKey(x, mk);
      return k == null ? -1 : at.getOrDefault(k, -1);
    };
  }

  private static @Nullable JsonElement itemKey(JsonElement x, String mk) {
    return !mk.isEmpty() && x.isJsonObject() ? x.getAsJsonObject().get(mk) : x;
  }


  static JsonElement merge(JsonElement target, JsonElement patch) {
    if (!patch.isJsonObject()) {
      return patch.deepCopy();
    }
    JsonObject result = target != null && target.isJsonObject() ? target.getAsJsonObject().deepCopy() : new JsonObject();
    for (Map.Entry<String, JsonElement> e : patch.getAsJsonObject().entrySet()) {
      if (e.getKey().startsWith("$")) {
        continue; // strategic-merge directives ($patch, $retainKeys, $setElementOrder/...) are not modelled
      }
      if (e.getValue().isJsonNull()) {
        result.remove(e.getKey());
      } else {
        JsonElement cur = result.get(e.getKey());
        result.add(e.getKey(), merge(cur == null ? JsonNull.INSTANCE : cur, e.getValue()));
      }
    }
    return result;
  }

  static JsonElement jsonPatch(JsonElement doc, JsonArray ops) {
    JsonElement root = doc.deepCopy();
    for (JsonElement opE : ops) {
      if (!opE.isJsonObject()) {
        throw StatusError.badRequest("json patch operations must be objects");
      }
      JsonObject op = opE.getAsJsonObject();
      String kind = Rbac.str(op, "op");
      String path = Rbac.str(op, "path");
      JsonElement value = op.get("value");
      switch (kind) {
        case "add":
        case "replace":
          root = set(root, path, value == null ? JsonNull.INSTANCE : value, kind.equals("add"));
          break;
        case "remove":
          root = remove(root, path);
          break;
        case "test":
          if (!get(root, path).equals(value)) {
            throw new StatusError(422, "Invalid", "the server rejected our request due to an error in our request: testing value failed", null);
          }
          break;
        default:
          throw StatusError.badRequest("unsupported json patch operation \"" + kind + "\"");
      }
    }
    return root;
  }

  private static String[] tokens(String path) {
    if (path.isEmpty()) {
      return new String[0];
    }
    if (!path.startsWith("/")) {
      throw StatusError.badRequest("json patch path must start with /: " + path);
    }
    String[] t = path.substring(1).split("/", -1);
    for (int i = 0; i < t.length; i++) {
      t[i] = t[i].replace("~1", "/").replace("~0", "~");
    }
    return t;
  }

  private static JsonElement get(JsonElement root, String path) {
    JsonElement cur = root;
    for (String t : tokens(path)) {
      cur = child(cur, t);
      if (cur == null) {
        throw new StatusError(422, "Invalid", "the server rejected our request due to an error in our request: missing path " + path, null);
      }
    }
    return cur;
  }

  private static JsonElement child(JsonElement cur, String t) {
    if (cur.isJsonObject()) {
      return cur.getAsJsonObject().get(t);
    }
    if (cur.isJsonArray()) {
      try {
        return cur.getAsJsonArray().get(Integer.parseInt(t));
      } catch (RuntimeException e) {
        return null;
      }
    }
    return null;
  }

  private static JsonElement set(JsonElement root, String path, JsonElement value, boolean add) {
    String[] t = tokens(path);
    if (t.length == 0) {
      return value.deepCopy();
    }
    JsonElement parent = root;
    for (int i = 0; i < t.length - 1; i++) {
      parent = child(parent, t[i]);
      if (parent == null) {
        throw new StatusError(422, "Invalid", "the server rejected our request due to an error in our request: missing path " + path, null);
      }
    }
    String last = t[t.length - 1];
    if (parent.isJsonObject()) {
      parent.getAsJsonObject().add(last, value.deepCopy());
    } else if (parent.isJsonArray()) {
      JsonArray a = parent.getAsJsonArray();
      if (last.equals("-")) {
        a.add(value.deepCopy());
      } else {
        int idx = Integer.parseInt(last);
        if (add) {
          JsonArray copy = new JsonArray();
          for (int i = 0; i < a.size(); i++) {
            if (i == idx) {
              copy.add(value.deepCopy());
            }
            copy.add(a.get(i));
          }
          if (idx == a.size()) {
            copy.add(value.deepCopy());
          }
          while (a.size() > 0) {
            a.remove(0);
          }
          copy.forEach(a::add);
        } else {
          a.set(idx, value.deepCopy());
        }
      }
    }
    return root;
  }

  private static JsonElement remove(JsonElement root, String path) {
    String[] t = tokens(path);
    JsonElement parent = root;
    for (int i = 0; i < t.length - 1; i++) {
      parent = child(parent, t[i]);
      if (parent == null) {
        return root;
      }
    }
    String last = t[t.length - 1];
    if (parent.isJsonObject()) {
      parent.getAsJsonObject().remove(last);
    } else if (parent.isJsonArray()) {
      parent.getAsJsonArray().remove(Integer.parseInt(last));
    }
    return root;
  }
}
