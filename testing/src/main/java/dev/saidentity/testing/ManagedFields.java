package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * {@code metadata.managedFields}: field sets in upstream's FieldsV1 encoding ({@code f:NAME}, {@code k:{"key":value}},
 * {@code v:value}, {@code .} for a node owned itself) and the bookkeeping of Update operations.
 *
 * <p>A field set here is a set of member paths; a path is a list of path elements as written in FieldsV1
 * ({@code ["f:spec", "f:containers", "k:{\"name\":\"app\"}", "f:image"]}).
 */
final class ManagedFields {

  private ManagedFields() {}

  /** A set of member paths, ordered for stable output. */
  static Set<List<String>> newSet() {
    return new java.util.TreeSet<>(PATH_ORDER);
  }

  static final Comparator<List<String>> PATH_ORDER = (a, b) -> {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  };

  /** Fields never tracked (upstream's stripMetaManager). */
  static boolean stripped(List<String> path) {
    if (path.size() == 1) {
      return path.get(0).equals("f:apiVersion") || path.get(0).equals("f:kind");
    }
    if (path.size() == 2 && path.get(0).equals("f:metadata")) {
      switch (path.get(1)) {
        case "f:name":
        case "f:namespace":
        case "f:creationTimestamp":
        case "f:selfLink":
        case "f:uid":
        case "f:clusterName":
        case "f:generation":
        case "f:managedFields":
        case "f:resourceVersion":
          return true;
        default:
          return false;
      }
    }
    return false;
  }

  private static List<String> child(List<String> path, String element) {
    List<String> c = new ArrayList<>(path.size() + 1);
    c.addAll(path);
    c.add(element);
    return c;
  }

  /** The JSON field names of a path (list elements skipped), for merge key lookup. */
  static List<String> fieldNames(List<String> path) {
    List<String> names = new ArrayList<>();
    for (String e : path) {
      if (e.startsWith("f:")) {
        names.add(e.substring(2));
      }
    }
    return names;
  }

  /** {@code k:{"name":"x"}}: the merge key's value of a list item. */
  static String keyElement(String mergeKey, JsonObject item) {
    JsonObject k = new JsonObject();
    JsonElement v = item.get(mergeKey);
    k.add(mergeKey, v == null ? com.google.gson.JsonNull.INSTANCE : v);
    return "k:" + k;
  }

  static String valueElement(JsonElement v) {
    return "v:" + v;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sets from objects

  /** Every field of an applied configuration (server-side apply's set: leaves, list items and empty maps). */
  static Set<List<String>> appliedSet(String kind, JsonObject applied) {
    Set<List<String>> members = newSet();
    walkObject(kind, List.of(), applied, members);
    return members;
  }

  private static void walkObject(String kind, List<String> path, JsonObject o, Set<List<String>> members) {
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      List<String> p = child(path, "f:" + e.getKey());
      if (stripped(p)) {
        continue;
      }
      walkValue(kind, p, e.getValue(), members);
    }
  }

  private static void walkValue(String kind, List<String> p, JsonElement v, Set<List<String>> members) {
    boolean isMeta = p.size() == 1 && p.get(0).equals("f:metadata");
    if (v.isJsonObject() && (v.getAsJsonObject().size() > 0 || isMeta)) {
      int before = members.size();
      walkObject(kind, p, v.getAsJsonObject(), members);
      if (members.size() == before && !isMeta) {
        members.add(p); // every child was stripped
      }
      return;
    }
    if (v.isJsonArray() && v.getAsJsonArray().size() > 0) {
      String mk = Patches.mergeKey(kind, fieldNames(p));
      if (mk != null && mk.isEmpty()) {
        for (JsonElement x : v.getAsJsonArray()) {
          members.add(child(p, valueElement(x)));
        }
        return;
      }
      if (mk != null) {
        for (JsonElement x : v.getAsJsonArray()) {
          if (x.isJsonObject()) {
            List<String> kp = child(p, keyElement(mk, x.getAsJsonObject()));
            members.add(kp);
            walkObject(kind, kp, x.getAsJsonObject(), members);
          }
        }
        return;
      }
    }
    members.add(p);
  }

  /**
   * The fields an update sets: leaves added or changed from {@code before} to {@code after}, maps and list items added
   * (as themselves and with their fields). Removed fields are not in it (see {@link #removedSet}).
   */
  static Set<List<String>> changedSet(String kind, @Nullable JsonObject before, JsonObject after) {
    Set<List<String>> members = newSet();
    diffObject(kind, List.of(), before, after, members);
    return members;
  }

  private static void diffObject(String kind, List<String> path, @Nullable JsonObject before, JsonObject after,
      Set<List<String>> members) {
    for (Map.Entry<String, JsonElement> e : after.entrySet()) {
      List<String> p = child(path, "f:" + e.getKey());
      if (stripped(p)) {
        continue;
      }
      JsonElement b = before == null ? null : before.get(e.getKey());
      diffValue(kind, p, b, e.getValue(), members);
    }
  }

  private static void diffValue(String kind, List<String> p, @Nullable JsonElement b, JsonElement a, Set<List<String>> members) {
    if (b != null && b.equals(a)) {
      return;
    }
    boolean isMeta = p.size() == 1 && p.get(0).equals("f:metadata");
    if (a.isJsonObject()) {
      JsonObject bo = b != null && b.isJsonObject() ? b.getAsJsonObject() : null;
      if (bo == null && !isMeta) {
        members.add(p);
      }
      diffObject(kind, p, bo, a.getAsJsonObject(), members);
      return;
    }
    if (a.isJsonArray()) {
      String mk = Patches.mergeKey(kind, fieldNames(p));
      JsonArray ba = b != null && b.isJsonArray() ? b.getAsJsonArray() : null;
      if (mk != null && mk.isEmpty()) {
        if (ba == null) {
          members.add(p);
        }
        for (JsonElement x : a.getAsJsonArray()) {
          if (ba == null || !ba.contains(x)) {
            members.add(child(p, valueElement(x)));
          }
        }
        return;
      }
      if (mk != null) {
        if (ba == null) {
          members.add(p);
        }
        for (JsonElement x : a.getAsJsonArray()) {
          if (!x.isJsonObject()) {
            continue;
          }
          JsonObject before = ba == null ? null : findItem(ba, mk, x.getAsJsonObject().get(mk));
          List<String> kp = child(p, keyElement(mk, x.getAsJsonObject()));
          if (before == null) {
            members.add(kp);
          }
          diffObject(kind, kp, before, x.getAsJsonObject(), members);
        }
        return;
      }
    }
    members.add(p);
  }

  /** The fields present in {@code before} and gone from {@code after} (the topmost removed path of each removal). */
  static Set<List<String>> removedSet(String kind, JsonObject before, JsonObject after) {
    Set<List<String>> out = newSet();
    for (List<String> p : appliedSet(kind, before)) {
      if (valueAt(after, kind, p) == null) {
        List<String> top = p;
        while (top.size() > 1 && valueAt(after, kind, top.subList(0, top.size() - 1)) == null) {
          top = top.subList(0, top.size() - 1);
        }
        out.add(new ArrayList<>(top));
      }
    }
    return out;
  }

  static @Nullable JsonObject findItem(JsonArray a, String mk, @Nullable JsonElement key) {
    if (key == null) {
      return null;
    }
    for (JsonElement x : a) {
      if (x.isJsonObject() && key.equals(x.getAsJsonObject().get(mk))) {
        return x.getAsJsonObject();
      }
    }
    return null;
  }

  /** The value at a path in an object, or null when absent. */
  static @Nullable JsonElement valueAt(JsonObject o, String kind, List<String> path) {
    JsonElement cur = o;
    for (String e : path) {
      if (cur == null) {
        return null;
      }
      if (e.startsWith("f:")) {
        if (!cur.isJsonObject()) {
          return null;
        }
        cur = cur.getAsJsonObject().get(e.substring(2));
        if (cur != null && cur.isJsonNull()) {
          return null;
        }
      } else if (e.startsWith("k:")) {
        if (!cur.isJsonArray()) {
          return null;
        }
        JsonObject k = com.google.gson.JsonParser.parseString(e.substring(2)).getAsJsonObject();
        String mk = k.keySet().iterator().next();
        cur = findItem(cur.getAsJsonArray(), mk, k.get(mk));
      } else if (e.startsWith("v:")) {
        if (!cur.isJsonArray()) {
          return null;
        }
        JsonElement v = com.google.gson.JsonParser.parseString(e.substring(2));
        cur = cur.getAsJsonArray().contains(v) ? v : null;
      } else {
        return null;
      }
    }
    return cur;
  }

  /** Removes the value at a path from an object (no-op when absent). */
  static void removeAt(JsonObject o, String kind, List<String> path) {
    if (path.isEmpty()) {
      return;
    }
    JsonElement parent = valueAt(o, kind, path.subList(0, path.size() - 1));
    String last = path.get(path.size() - 1);
    if (parent == null) {
      return;
    }
    if (last.startsWith("f:") && parent.isJsonObject()) {
      parent.getAsJsonObject().remove(last.substring(2));
    } else if (last.startsWith("k:") && parent.isJsonArray()) {
      JsonElement item = valueAt(o, kind, path);
      if (item != null) {
        parent.getAsJsonArray().remove(item);
      }
    } else if (last.startsWith("v:") && parent.isJsonArray()) {
      parent.getAsJsonArray().remove(com.google.gson.JsonParser.parseString(last.substring(2)));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // FieldsV1 encoding

  /** A set as FieldsV1 JSON: nested objects, {@code {}} for a leaf member, {@code ".": {}} for a member with members below. */
  static JsonObject encode(Set<List<String>> members) {
    Map<String, Object> root = new TreeMap<>(ELEMENT_ORDER);
    for (List<String> p : members) {
      Map<String, Object> node = root;
      for (String e : p) {
        @SuppressWarnings("unchecked")
        Map<String, Object> next = (Map<String, Object>) node.computeIfAbsent(e, k -> new TreeMap<String, Object>(ELEMENT_ORDER));
        node = next;
      }
      node.put(".", Boolean.TRUE);
    }
    return toJson(root);
  }

  private static final Comparator<String> ELEMENT_ORDER = (a, b) -> {
    if (a.equals(b)) {
      return 0;
    }
    if (a.equals(".")) {
      return -1;
    }
    if (b.equals(".")) {
      return 1;
    }
    return a.compareTo(b);
  };

  private static JsonObject toJson(Map<String, Object> node) {
    JsonObject o = new JsonObject();
    boolean self = node.containsKey(".");
    boolean children = node.size() > (self ? 1 : 0);
    for (Map.Entry<String, Object> e : node.entrySet()) {
      if (e.getKey().equals(".")) {
        if (children) {
          o.add(".", new JsonObject());
        }
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> c = (Map<String, Object>) e.getValue();
      o.add(e.getKey(), toJson(c));
    }
    return o;
  }

  /** FieldsV1 JSON back to a set (a malformed one reads as the members it has). */
  static Set<List<String>> decode(@Nullable JsonElement fieldsV1) {
    Set<List<String>> out = newSet();
    if (fieldsV1 != null && fieldsV1.isJsonObject()) {
      decode(List.of(), fieldsV1.getAsJsonObject(), out, 0);
    }
    return out;
  }

  private static void decode(List<String> path, JsonObject node, Set<List<String>> out, int depth) {
    if (depth > Patches.MAX_DEPTH) {
      return;
    }
    if (node.size() == 0 && !path.isEmpty()) {
      out.add(path);
      return;
    }
    for (Map.Entry<String, JsonElement> e : node.entrySet()) {
      if (e.getKey().equals(".")) {
        if (!path.isEmpty()) {
          out.add(path);
        }
      } else if (e.getValue().isJsonObject() && wellFormed(e.getKey())) {
        decode(child(path, e.getKey()), e.getValue().getAsJsonObject(), out, depth + 1);
      }
    }
  }

  /**
   * Whether a FieldsV1 member is one this model can walk: {@code f:NAME}, {@code k:} with a non-empty
   * JSON object, {@code v:} with a JSON value, {@code i:} with an index. Anything else (as a client may
   * send in {@code metadata.managedFields}) is not a field and is left out, never a 500.
   */
  static boolean wellFormed(String e) {
    if (e.startsWith("f:")) {
      return true;
    }
    if (e.startsWith("i:")) {
      return e.length() > 2 && e.length() < 12 && e.substring(2).chars().allMatch(c -> c >= '0' && c <= '9');
    }
    if (!e.startsWith("k:") && !e.startsWith("v:")) {
      return false;
    }
    try {
      JsonElement v = com.google.gson.JsonParser.parseString(e.substring(2));
      return e.startsWith("v:") ? !v.isJsonNull() || e.substring(2).strip().equals("null")
          : v.isJsonObject() && v.getAsJsonObject().size() > 0;
    } catch (com.google.gson.JsonParseException bad) {
      return false;
    }
  }

  /** {@code fieldpath.Path.String()}: {@code .spec.containers[name="app"].image}, {@code .metadata.finalizers[="x"]}. */
  static String pathString(List<String> path) {
    StringBuilder sb = new StringBuilder();
    for (String e : path) {
      if (e.startsWith("f:")) {
        sb.append('.').append(e.substring(2));
      } else if (e.startsWith("k:")) {
        JsonObject k = com.google.gson.JsonParser.parseString(e.substring(2)).getAsJsonObject();
        List<String> parts = new ArrayList<>();
        k.entrySet().forEach(x -> parts.add(x.getKey() + "=" + x.getValue()));
        sb.append('[').append(String.join(",", parts)).append(']');
      } else if (e.startsWith("v:")) {
        sb.append("[=").append(e.substring(2)).append(']');
      } else if (e.startsWith("i:")) {
        sb.append('[').append(e.substring(2)).append(']');
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Entries

  /** The managedFields entries of an object (a copy; entries that are not objects are dropped). */
  static List<JsonObject> entries(JsonObject o) {
    List<JsonObject> out = new ArrayList<>();
    JsonElement m = o.get("metadata");
    JsonElement mf = m != null && m.isJsonObject() ? m.getAsJsonObject().get("managedFields") : null;
    if (mf != null && mf.isJsonArray()) {
      for (JsonElement e : mf.getAsJsonArray()) {
        if (e.isJsonObject()) {
          out.add(e.getAsJsonObject().deepCopy());
        }
      }
    }
    return out;
  }

  static JsonObject entry(String manager, String operation, String apiVersion, String now, Set<List<String>> fields) {
    JsonObject e = new JsonObject();
    e.addProperty("manager", manager);
    e.addProperty("operation", operation);
    e.addProperty("apiVersion", apiVersion);
    e.addProperty("time", now);
    e.addProperty("fieldsType", "FieldsV1");
    e.add("fieldsV1", encode(fields));
    return e;
  }

  /** Writes entries back, without empty ones, sorted as upstream (operation, time, manager, apiVersion). */
  static void store(JsonObject o, List<JsonObject> entries) {
    List<JsonObject> kept = new ArrayList<>();
    for (JsonObject e : entries) {
      if (!decode(e.get("fieldsV1")).isEmpty()) {
        kept.add(e);
      }
    }
    kept.sort(Comparator.comparing((JsonObject e) -> Rbac.str(e, "operation")).thenComparing(e -> Rbac.str(e, "time"))
        .thenComparing(e -> Rbac.str(e, "manager")).thenComparing(e -> Rbac.str(e, "apiVersion")));
    JsonObject meta = ObjectStore.meta(o);
    if (kept.isEmpty()) {
      meta.remove("managedFields");
    } else {
      JsonArray a = new JsonArray();
      kept.forEach(a::add);
      meta.add("managedFields", a);
    }
  }

  /** Whether the set holds {@code path} or a path below it (descendants sort right after a path in {@link #PATH_ORDER}). */
  static boolean coversOrBelow(Set<List<String>> set, List<String> path) {
    if (set instanceof java.util.NavigableSet) {
      List<String> next = ((java.util.NavigableSet<List<String>>) set).ceiling(path);
      return next != null && next.size() >= path.size() && next.subList(0, path.size()).equals(path);
    }
    for (List<String> m : set) {
      if (m.size() >= path.size() && m.subList(0, path.size()).equals(path)) {
        return true;
      }
    }
    return false;
  }

  static void removeWithDescendants(Set<List<String>> set, List<String> path) {
    set.removeIf(m -> m.size() >= path.size() && m.subList(0, path.size()).equals(path));
  }

  /**
   * Records an Update (PUT, or a PATCH that is not an apply) by {@code manager}: the fields it added or changed become its
   * own (in its Update entry for {@code apiVersion}) and leave every other entry; removed fields leave every entry.
   * {@code after}'s managedFields are rewritten from {@code before}'s.
   */
  static void recordUpdate(JsonObject before, JsonObject after, String manager, String apiVersion, String now) {
    String kind = Rbac.str(after, "kind");
    JsonObject b = withoutManagedFields(before);
    JsonObject a = withoutManagedFields(after);
    Set<List<String>> changed = changedSet(kind, b, a);
    Set<List<String>> removed = removedSet(kind, b, a);
    List<JsonObject> entries = entries(before);
    @Nullable JsonObject mine = null;
    for (JsonObject e : entries) {
      Set<List<String>> fields = decode(e.get("fieldsV1"));
      boolean isMine = Rbac.str(e, "manager").equals(manager) && Rbac.str(e, "operation").equals("Update")
          && Rbac.str(e, "apiVersion").equals(apiVersion) && !e.has("subresource");
      if (isMine) {
        mine = e;
      } else {
        fields.removeAll(changed);
      }
      for (List<String> r : removed) {
        removeWithDescendants(fields, r);
      }
      if (isMine) {
        fields.addAll(changed);
        if (!changed.isEmpty() || !removed.isEmpty()) {
          e.addProperty("time", now);
        }
      }
      e.add("fieldsV1", encode(fields));
    }
    if (mine == null && !changed.isEmpty()) {
      entries.add(entry(manager, "Update", apiVersion, now, changed));
    }
    store(after, entries);
  }

  static JsonObject withoutManagedFields(JsonObject o) {
    JsonObject c = o.deepCopy();
    JsonElement m = c.get("metadata");
    if (m != null && m.isJsonObject()) {
      m.getAsJsonObject().remove("managedFields");
    }
    return c;
  }
}
