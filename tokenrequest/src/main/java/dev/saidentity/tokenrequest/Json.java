package dev.saidentity.tokenrequest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Lenient reading of API answers: absent or mistyped members read as empty. */
final class Json {

  private Json() {}

  static JsonObject obj(@Nullable JsonObject o, String name) {
    JsonElement e = o == null ? null : o.get(name);
    return e != null && e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
  }

  static String str(@Nullable JsonObject o, String name) {
    JsonElement e = o == null ? null : o.get(name);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
  }

  static boolean bool(@Nullable JsonObject o, String name) {
    JsonElement e = o == null ? null : o.get(name);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && e.getAsBoolean();
  }

  static List<String> strings(@Nullable JsonObject o, String name) {
    JsonElement e = o == null ? null : o.get(name);
    List<String> out = new ArrayList<>();
    if (e != null && e.isJsonArray()) {
      e.getAsJsonArray().forEach(x -> {
        if (x.isJsonPrimitive()) {
          out.add(x.getAsString());
        }
      });
    }
    return out;
  }

  static UserInfo user(JsonObject u) {
    Map<String, List<String>> extra = new LinkedHashMap<>();
    JsonObject ex = obj(u, "extra");
    for (String k : ex.keySet()) {
      extra.put(k, strings(ex, k));
    }
    return new UserInfo(str(u, "username"), str(u, "uid"), strings(u, "groups"), extra);
  }
}
