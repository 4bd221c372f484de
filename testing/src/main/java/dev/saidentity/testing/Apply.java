package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Server-side apply ({@code application/apply-patch+yaml}) of an applied configuration to a stored object, with field
 * ownership in {@code metadata.managedFields} (see {@link ManagedFields}) and upstream's conflict errors.
 */
final class Apply {

  private Apply() {}

  /** Fields of the live object an applied configuration never sets (upstream's preconditions and server-set metadata). */
  private static final Set<String> SERVER_METADATA = Set.of("uid", "resourceVersion", "creationTimestamp", "generation",
      "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds");

  /** Kinds whose {@code status} is reset on writes to the main resource (their strategies' GetResetFields). */
  private static final Set<String> STATUS_RESET = Set.of("Pod", "Node", "Namespace");

  /**
   * Applies {@code applied} as {@code fieldManager}.
   *
   * @param current the stored object, or null to create one (named by {@code applied}'s {@code metadata.name})
   * @param now the time written to the managedFields entry (RFC 3339)
   * @return the object to store; the caller sets uid, resourceVersion and creationTimestamp
   * @throws StatusError 422 for a missing or bad fieldManager, 400 for an applied configuration of another kind or a
   *     malformed one, 409 Conflict when another manager owns a field whose value would change and {@code force} is false
   */
  static JsonObject apply(ResourceType type, @Nullable JsonObject current, JsonObject applied, String fieldManager, boolean force,
      String now) {
    validateFieldManager(fieldManager, true);
    String gvk = gvkString(Rbac.str(applied, "apiVersion"), Rbac.str(applied, "kind"));
    if (!gvk.equals(type.group + "/" + type.version + ", Kind=" + type.kind)) {
      throw StatusError.badRequest("invalid object type: " + gvk);
    }
    if (Patches.deeperThan(applied, Patches.MAX_DEPTH)) {
      throw StatusError.badRequest("the applied configuration nests deeper than " + Patches.MAX_DEPTH + " levels");
    }
    JsonElement meta = applied.get("metadata");
    if (meta != null && meta.isJsonObject()) {
      JsonElement mf = meta.getAsJsonObject().get("managedFields");
      if (mf != null && !mf.isJsonNull()) {
        throw StatusError.badRequest("metadata.managedFields must be nil");
      }
    }
    String kind = type.kind;
    JsonObject cfg = withoutNulls(applied).getAsJsonObject();
    if (STATUS_RESET.contains(kind)) {
      cfg.remove("status");
    }
    validateLists(kind, new ArrayList<>(), cfg);
    Set<List<String>> appliedSet = ManagedFields.appliedSet(kind, cfg);

    if (current == null) {
      JsonObject created = cfg.deepCopy();
      JsonObject m = ObjectStore.meta(created);
      SERVER_METADATA.forEach(m::remove);
      List<JsonObject> entries = new ArrayList<>();
      entries.add(ManagedFields.entry(fieldManager, "Apply", type.apiVersion(), now, appliedSet));
      ManagedFields.store(created, entries);
      return created;
    }

    JsonObject live = ManagedFields.withoutManagedFields(current);
    JsonObject merged = live.deepCopy();
    JsonObject cfgForMerge = cfg.deepCopy();
    JsonElement cm = cfgForMerge.get("metadata");
    if (cm != null && cm.isJsonObject()) {
      SERVER_METADATA.forEach(cm.getAsJsonObject()::remove);
    }
    mergeInto(kind, new ArrayList<>(), merged, cfgForMerge);

    List<JsonObject> entries = ManagedFields.entries(current);
    @Nullable JsonObject mine = null;
    List<Set<List<String>>> sets = new ArrayList<>();
    for (JsonObject e : entries) {
      sets.add(ManagedFields.decode(e.get("fieldsV1")));
      if (mine == null && isApplyEntryOf(e, fieldManager)) {
        mine = e;
      }
    }

    // conflicts: fields others own whose value this apply changes
    List<String[]> conflicts = new ArrayList<>();
    List<int[]> conflictAt = new ArrayList<>();
    List<List<String>> conflictPaths = new ArrayList<>();
    for (List<String> p : appliedSet) {
      JsonElement before = ManagedFields.valueAt(live, kind, p);
      JsonElement after = ManagedFields.valueAt(merged, kind, p);
      boolean changed = before == null || (after != null && !after.isJsonObject() && !before.equals(after));
      if (!changed) {
        continue;
      }
      for (int i = 0; i < entries.size(); i++) {
        if (entries.get(i) != mine && sets.get(i).contains(p)) {
          conflicts.add(new String[] {printManager(entries.get(i)), ManagedFields.pathString(p)});
          conflictAt.add(new int[] {i});
          conflictPaths.add(p);
        }
      }
    }
    if (!conflicts.isEmpty()) {
      if (!force) {
        List<String[]> sorted = new ArrayList<>(conflicts);
        sorted.sort(Comparator.comparing((String[] c) -> c[0]));
        throw StatusError.applyConflict(sorted);
      }
      for (int i = 0; i < conflictAt.size(); i++) {
        sets.get(conflictAt.get(i)[0]).remove(conflictPaths.get(i));
      }
    }

    // fields this manager applied last time and no longer applies: removed unless someone else owns them
    if (mine != null) {
      Set<List<String>> previous = ManagedFields.decode(mine.get("fieldsV1"));
      List<List<String>> dropped = new ArrayList<>();
      for (List<String> p : previous) {
        if (!appliedSet.contains(p)) {
          dropped.add(p);
        }
      }
      // parents first: a list item goes whole when nobody else owns anything in it
      dropped.sort(Comparator.comparing((List<String> p) -> p.size()));
      for (List<String> p : dropped) {
        if (isKeyFieldOfItem(p)) {
          continue; // an item that stays keeps its key
        }
        boolean ownedElsewhere = ManagedFields.coversOrBelow(appliedSet, p);
        for (int i = 0; i < entries.size() && !ownedElsewhere; i++) {
          ownedElsewhere = entries.get(i) != mine && ManagedFields.coversOrBelow(sets.get(i), p);
        }
        if (!ownedElsewhere) {
          ManagedFields.removeAt(merged, kind, p);
        }
      }
    }

    for (int i = 0; i < entries.size(); i++) {
      entries.get(i).add("fieldsV1", ManagedFields.encode(sets.get(i)));
    }
    if (mine != null) {
      mine.addProperty("apiVersion", type.apiVersion());
      mine.addProperty("time", now);
      mine.addProperty("fieldsType", "FieldsV1");
      mine.add("fieldsV1", ManagedFields.encode(appliedSet));
    } else {
      entries.add(ManagedFields.entry(fieldManager, "Apply", type.apiVersion(), now, appliedSet));
    }
    ManagedFields.store(merged, entries);
    return merged;
  }

  private static boolean isKeyFieldOfItem(List<String> p) {
    if (p.size() < 2 || !p.get(p.size() - 2).startsWith("k:")) {
      return false;
    }
    String keyJson = p.get(p.size() - 2).substring(2);
    String field = p.get(p.size() - 1);
    return field.startsWith("f:") && com.google.gson.JsonParser.parseString(keyJson).getAsJsonObject().has(field.substring(2));
  }

  private static boolean isApplyEntryOf(JsonObject e, String manager) {
    return Rbac.str(e, "manager").equals(manager) && Rbac.str(e, "operation").equals("Apply") && !e.has("subresource");
  }

  /** Upstream's {@code printManager} of a manager identifier (which never carries the time). */
  static String printManager(JsonObject entry) {
    String s = Selectors.goQuote(Rbac.str(entry, "manager"));
    String sub = Rbac.str(entry, "subresource");
    if (!sub.isEmpty()) {
      s = s + " with subresource " + Selectors.goQuote(sub);
    }
    if (Rbac.str(entry, "operation").equals("Update")) {
      return s + " using " + Rbac.str(entry, "apiVersion");
    }
    return s;
  }

  /** {@code schema.FromAPIVersionAndKind(..).String()}. */
  static String gvkString(String apiVersion, String kind) {
    String group = "";
    String version = "";
    if (!apiVersion.isEmpty()) {
      String[] parts = apiVersion.split("/", -1);
      if (parts.length == 1) {
        version = parts[0];
      } else if (parts.length == 2) {
        group = parts[0];
        version = parts[1];
      }
      // more slashes: ParseGroupVersion fails and upstream keeps only the kind
    }
    return group + "/" + version + ", Kind=" + kind;
  }

  /**
   * Upstream's {@code ValidatePatchOptions}/{@code ValidateFieldManager}: required for apply (422 Invalid on
   * PatchOptions), at most 128 bytes, printable characters only (one error a non-printable character, its byte position).
   */
  static void validateFieldManager(String fieldManager, boolean forApply) {
    List<String[]> errs = new ArrayList<>();
    if (forApply && fieldManager.isEmpty()) {
      errs.add(new String[] {"fieldManager", "FieldValueRequired", "Required value: is required for apply patch"});
    }
    byte[] utf8 = fieldManager.getBytes(StandardCharsets.UTF_8);
    if (utf8.length > 128) {
      errs.add(new String[] {"fieldManager", "FieldValueTooLong", "Too long: may not be more than 128 bytes"});
    }
    int bytePos = 0;
    for (int i = 0; i < fieldManager.length(); ) {
      int c = fieldManager.codePointAt(i);
      if (c != ' ' && !isGoPrint(c)) {
        errs.add(new String[] {"fieldManager", "FieldValueInvalid", "Invalid value: " + Selectors.goQuote(fieldManager)
            + ": invalid character " + String.format("U+%04X", c) + " (at position " + bytePos + ")"});
      }
      bytePos += new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8).length;
      i += Character.charCount(c);
    }
    if (!errs.isEmpty()) {
      throw StatusError.invalidOption("PatchOptions", errs);
    }
  }

  private static boolean isGoPrint(int c) {
    switch (Character.getType(c)) {
      case Character.CONTROL:
      case Character.FORMAT:
      case Character.SURROGATE:
      case Character.PRIVATE_USE:
      case Character.UNASSIGNED:
      case Character.LINE_SEPARATOR:
      case Character.PARAGRAPH_SEPARATOR:
      case Character.SPACE_SEPARATOR:
        return false;
      default:
        return true;
    }
  }

  /** A copy without null values (an applied null states no value). */
  static JsonElement withoutNulls(JsonElement e) {
    if (e.isJsonObject()) {
      JsonObject o = new JsonObject();
      for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
        if (!x.getValue().isJsonNull()) {
          o.add(x.getKey(), withoutNulls(x.getValue()));
        }
      }
      return o;
    }
    if (e.isJsonArray()) {
      JsonArray a = new JsonArray();
      for (JsonElement x : e.getAsJsonArray()) {
        if (!x.isJsonNull()) {
          a.add(withoutNulls(x));
        }
      }
      return a;
    }
    return e;
  }

  /** Keyed lists: each item an object with its key, no key twice (upstream's associative list checks). */
  private static void validateLists(String kind, List<String> path, JsonObject o) {
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      List<String> p = new ArrayList<>(path);
      p.add(e.getKey());
      JsonElement v = e.getValue();
      if (v.isJsonObject()) {
        validateLists(kind, p, v.getAsJsonObject());
      } else if (v.isJsonArray()) {
        String mk = Patches.mergeKey(kind, p);
        Set<JsonElement> seen = new HashSet<>();
        JsonArray a = v.getAsJsonArray();
        for (int i = 0; i < a.size(); i++) {
          JsonElement x = a.get(i);
          if (mk == null) {
            if (x.isJsonObject()) {
              validateLists(kind, p, x.getAsJsonObject());
            }
            continue;
          }
          if (mk.isEmpty()) {
            if (!seen.add(x)) {
              throw StatusError.badRequest("." + String.join(".", p) + ": duplicate entries for key [=" + x + "]");
            }
            continue;
          }
          if (!x.isJsonObject() || !x.getAsJsonObject().has(mk)) {
            throw StatusError.badRequest("." + String.join(".", p) + ": element " + i
                + ": associative list with keys has an element that omits key field \"" + mk + "\" (and doesn't have default value)");
          }
          if (!seen.add(x.getAsJsonObject().get(mk))) {
            throw StatusError.badRequest("." + String.join(".", p) + ": duplicate entries for key [" + mk + "="
                + x.getAsJsonObject().get(mk) + "]");
          }
          validateLists(kind, p, x.getAsJsonObject());
        }
      }
    }
  }

  /** Merges an applied configuration into the live object: maps merged, keyed lists merged by key, other lists replaced. */
  static void mergeInto(String kind, List<String> path, JsonObject live, JsonObject cfg) {
    for (Map.Entry<String, JsonElement> e : cfg.entrySet()) {
      String k = e.getKey();
      JsonElement c = e.getValue();
      JsonElement l = live.get(k);
      List<String> p = new ArrayList<>(path);
      p.add(k);
      if (l != null && l.isJsonObject() && c.isJsonObject()) {
        mergeInto(kind, p, l.getAsJsonObject(), c.getAsJsonObject());
      } else if (l != null && l.isJsonArray() && c.isJsonArray() && Patches.mergeKey(kind, p) != null) {
        String mk = Patches.mergeKey(kind, p);
        JsonArray la = l.getAsJsonArray();
        for (JsonElement x : c.getAsJsonArray()) {
          if (mk.isEmpty() || !x.isJsonObject()) {
            if (!la.contains(x)) {
              la.add(x.deepCopy());
            }
            continue;
          }
          JsonObject item = ManagedFields.findItem(la, mk, x.getAsJsonObject().get(mk));
          if (item != null) {
            mergeInto(kind, p, item, x.getAsJsonObject());
          } else {
            la.add(x.deepCopy());
          }
        }
      } else {
        live.add(k, c.deepCopy());
      }
    }
  }
}
