package dev.saidentity.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** Label and field selectors: {@code k=v}, {@code k==v}, {@code k!=v}, {@code k}, {@code !k}, comma-separated (all must hold). */
final class Selectors {

  private Selectors() {}

  static boolean labels(String selector, JsonObject o) {
    if (selector.isBlank()) {
      return true;
    }
    JsonObject meta = ObjectStore.meta(o);
    JsonObject labels = meta.has("labels") && meta.get("labels").isJsonObject() ? meta.getAsJsonObject("labels") : new JsonObject();
    for (String term : selector.split(",")) {
      String t = term.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (t.contains("!=")) {
        String[] kv = t.split("!=", 2);
        if (kv[1].trim().equals(Rbac.str(labels, kv[0].trim())) && labels.has(kv[0].trim())) {
          return false;
        }
      } else if (t.contains("=")) {
        String[] kv = t.split("==?", 2);
        if (!labels.has(kv[0].trim()) || !kv[1].trim().equals(Rbac.str(labels, kv[0].trim()))) {
          return false;
        }
      } else if (t.startsWith("!")) {
        if (labels.has(t.substring(1).trim())) {
          return false;
        }
      } else if (!labels.has(t)) {
        return false;
      }
    }
    return true;
  }

  static boolean fields(String selector, JsonObject o) {
    if (selector.isBlank()) {
      return true;
    }
    for (String term : selector.split(",")) {
      String t = term.trim();
      if (t.isEmpty()) {
        continue;
      }
      boolean negate = t.contains("!=");
      String[] kv = negate ? t.split("!=", 2) : t.split("==?", 2);
      if (kv.length != 2) {
        throw StatusError.badRequest("invalid field selector: " + t);
      }
      String actual = path(o, kv[0].trim());
      boolean eq = kv[1].trim().equals(actual);
      if (negate == eq) {
        return false;
      }
    }
    return true;
  }

  private static String path(JsonObject o, String dotted) {
    JsonElement cur = o;
    for (String p : dotted.split("\\.")) {
      if (cur == null || !cur.isJsonObject()) {
        return "";
      }
      cur = cur.getAsJsonObject().get(p);
    }
    return cur != null && cur.isJsonPrimitive() ? cur.getAsString() : "";
  }
}
