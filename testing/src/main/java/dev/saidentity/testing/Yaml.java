package dev.saidentity.testing;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.saidentity.core.internal.yaml.BoundedYaml;
import dev.saidentity.core.internal.yaml.YamlException;
import java.util.ArrayList;
import java.util.List;

/**
 * YAML (one or many documents) as JSON objects, through core's one bounded loader ({@link
 * BoundedYaml}: the same values, limits and duplicate-key rule as audit's manifests). A body or
 * seed that is not YAML, or exceeds a limit, is a 400 with the reason and position.
 */
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
    List<Object> values;
    try {
      values = BoundedYaml.withDefaults().readAll(yaml);
    } catch (YamlException e) {
      throw StatusError.badRequest("the YAML could not be parsed: " + e.getMessage());
    }
    List<JsonObject> out = new ArrayList<>();
    for (Object doc : values) {
      JsonElement e = GSON.toJsonTree(doc);
      if (!e.isJsonObject()) {
        throw StatusError.badRequest("a YAML document is not an object");
      }
      out.add(e.getAsJsonObject());
    }
    return out;
  }
}
