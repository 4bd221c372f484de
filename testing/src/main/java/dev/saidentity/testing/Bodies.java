package dev.saidentity.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Decoding of request bodies, as the API server's codecs do it. */
final class Bodies {

  private Bodies() {}

  /** The request body as a JSON object, from JSON, YAML or protobuf: 400/415 for what is not one. */
  static JsonObject object(ApiRequest req) {
    String ct = req.contentType.toLowerCase(Locale.ROOT);
    if (ct.startsWith("application/vnd.kubernetes.protobuf")) {
      return Protobuf.decode(req.body);
    }
    if (ct.contains("yaml")) {
      return Yaml.toJson(new String(req.body, StandardCharsets.UTF_8));
    }
    if (!ct.isEmpty() && !ct.contains("json")) {
      throw new StatusError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
          + "application/json, application/yaml, application/vnd.kubernetes.protobuf", null);
    }
    try {
      JsonElement e = BoundedJson.parse(new String(req.body, StandardCharsets.UTF_8));
      if (!e.isJsonObject()) {
        throw StatusError.badRequest("the body of the request must be a JSON object");
      }
      return e.getAsJsonObject();
    } catch (com.google.gson.JsonParseException e) {
      throw StatusError.badRequest("the body of the request could not be parsed as JSON: "
          + (e instanceof BoundedJson.TooDeep ? e.getMessage() : e.getClass().getSimpleName()));
    }
  }
}
