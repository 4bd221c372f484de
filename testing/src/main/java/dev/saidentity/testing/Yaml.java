package dev.saidentity.testing;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** YAML (one or many documents) read safely with SnakeYAML into JSON objects. */
final class Yaml {

  private static final Gson GSON = new Gson();

  private Yaml() {}

  static JsonObject toJson(String yaml) {
    List<JsonObject> docs = documents(yaml);
    if (docs.size() != 1) {
      throw StatusError.badRequest("expected one YAML document, got " + docs.size());
    }
    return docs.get(0);
  }

  static List<JsonObject> documents(String yaml) {
    LoaderOptions opts = new LoaderOptions();
    opts.setAllowDuplicateKeys(false);
    opts.setMaxAliasesForCollections(50);
    org.yaml.snakeyaml.Yaml y = new org.yaml.snakeyaml.Yaml(new SafeConstructor(opts));
    List<JsonObject> out = new ArrayList<>();
    try {
      for (Object doc : y.loadAll(yaml)) {
        if (doc == null) {
          continue;
        }
        JsonElement e = GSON.toJsonTree(normalize(doc));
        if (!e.isJsonObject()) {
          throw StatusError.badRequest("a YAML document is not an object");
        }
        out.add(e.getAsJsonObject());
      }
    } catch (org.yaml.snakeyaml.error.YAMLException e) {
      throw StatusError.badRequest("the YAML could not be parsed: " + e.getClass().getSimpleName());
    }
    return out;
  }

  /** Dates and other tagged scalars become strings; integers stay integers. */
  @SuppressWarnings("unchecked")
  private static Object normalize(Object o) {
    if (o instanceof java.util.Map) {
      java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
      for (java.util.Map.Entry<Object, Object> e : ((java.util.Map<Object, Object>) o).entrySet()) {
        m.put(String.valueOf(e.getKey()), e.getValue() == null ? null : normalize(e.getValue()));
      }
      return m;
    }
    if (o instanceof List) {
      List<Object> l = new ArrayList<>();
      for (Object x : (List<Object>) o) {
        l.add(x == null ? null : normalize(x));
      }
      return l;
    }
    if (o instanceof java.util.Date) {
      return ((java.util.Date) o).toInstant().toString();
    }
    return o;
  }
}
