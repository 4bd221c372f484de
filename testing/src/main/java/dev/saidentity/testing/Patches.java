package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.Map;

/** JSON merge patch (RFC 7386, also used for strategic merge patches, lists replaced whole) and JSON patch (RFC 6902). */
final class Patches {

  private Patches() {}

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
