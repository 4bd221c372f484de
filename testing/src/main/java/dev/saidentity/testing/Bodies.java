package dev.saidentity.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Decoding of request bodies, as the API server's codecs do it: JSON, YAML or protobuf into a JSON
 * object (400/415 otherwise), then typed reads of the fields the fake uses, failing as upstream's
 * JSON decoding into Go structs fails: {@code 400 BadRequest} with the decoder's words, e.g.
 * {@code TokenRequest in version "v1" cannot be handled as a TokenRequest: json: cannot unmarshal
 * string into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64}. Stateless.
 */
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

  /** The request body as an object of {@code type}, its ObjectMeta typed as upstream decodes it. */
  static JsonObject object(ApiRequest req, ResourceType type) {
    JsonObject o = object(req);
    Fields.of(type.kind, type.version).objectMeta(o);
    return o;
  }

  /**
   * Typed reads of a decoded body. Each read accepts an absent field or {@code null} (Go leaves the
   * zero value) and refuses a value of another JSON type with upstream's 400 for the kind being
   * decoded. {@code struct} is the Go struct holding the field, {@code path} the field's path from
   * the root (the two parts of Go's {@code UnmarshalTypeError}).
   */
  static final class Fields {
    private final String kind;
    private final String version;

    private Fields(String kind, String version) {
      this.kind = kind;
      this.version = version;
    }

    /** Reads for a body decoded as {@code kind} in {@code version} (e.g. "TokenRequest", "v1"). */
    static Fields of(String kind, String version) {
      return new Fields(kind, version);
    }

    /** A string field, or "" when absent or null. */
    String string(JsonObject o, String field, String struct, String path) {
      return string(o, field, struct, path, "string");
    }

    /** A field of a Go string type named {@code goType} (e.g. "types.UID"), or "" when absent or null. */
    String string(JsonObject o, String field, String struct, String path, String goType) {
      JsonElement e = o.get(field);
      if (absent(e)) {
        return "";
      }
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
        throw mistyped(e, struct, path, goType, false);
      }
      return e.getAsString();
    }

    /** An int64 field, or null when absent or null: a string, a fraction or an out-of-range number is refused. */
    @Nullable Long int64(JsonObject o, String field, String struct, String path) {
      JsonElement e = o.get(field);
      if (absent(e)) {
        return null;
      }
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
        throw mistyped(e, struct, path, "int64", false);
      }
      try {
        return Long.parseLong(e.getAsString()); // as Go's strconv.ParseInt: no fraction, no exponent, in range
      } catch (NumberFormatException notAnInt64) {
        throw mistyped(e, struct, path, "int64", true);
      }
    }

    /** A {@code []string} field, empty when absent or null. */
    List<String> strings(JsonObject o, String field, String struct, String path) {
      JsonElement e = o.get(field);
      List<String> out = new ArrayList<>();
      if (absent(e)) {
        return out;
      }
      if (!e.isJsonArray()) {
        throw mistyped(e, struct, path, "[]string", false);
      }
      for (JsonElement x : e.getAsJsonArray()) {
        if (x.isJsonNull()) {
          out.add(""); // Go decodes null into a string element as ""
        } else if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) {
          throw mistyped(x, struct, path, "string", false);
        } else {
          out.add(x.getAsString());
        }
      }
      return out;
    }

    /** Checks a {@code map[string]string} field. */
    void stringMap(JsonObject o, String field, String struct, String path) {
      JsonElement e = o.get(field);
      if (absent(e)) {
        return;
      }
      if (!e.isJsonObject()) {
        throw mistyped(e, struct, path, "map[string]string", false);
      }
      for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
        if (!x.getValue().isJsonNull() && (!x.getValue().isJsonPrimitive() || !x.getValue().getAsJsonPrimitive().isString())) {
          throw mistyped(x.getValue(), struct, path, "string", false);
        }
      }
    }

    /** A struct field ({@code goType} e.g. "v1.BoundObjectReference"), or null when absent or null. */
    @Nullable JsonObject object(JsonObject o, String field, String struct, String path, String goType) {
      JsonElement e = o.get(field);
      if (absent(e)) {
        return null;
      }
      if (!e.isJsonObject()) {
        throw mistyped(e, struct, path, goType, false);
      }
      return e.getAsJsonObject();
    }

    /** Checks the types of {@code metadata} and of the ObjectMeta fields the fake reads or keeps. */
    void objectMeta(JsonObject body) {
      JsonObject meta = object(body, "metadata", kind, "metadata", "v1.ObjectMeta");
      if (meta == null) {
        return;
      }
      for (String f : List.of("name", "generateName", "namespace", "selfLink", "resourceVersion")) {
        string(meta, f, "ObjectMeta", "metadata." + f);
      }
      string(meta, "uid", "ObjectMeta", "metadata.uid", "types.UID");
      int64(meta, "generation", "ObjectMeta", "metadata.generation");
      stringMap(meta, "labels", "ObjectMeta", "metadata.labels");
      stringMap(meta, "annotations", "ObjectMeta", "metadata.annotations");
      strings(meta, "finalizers", "ObjectMeta", "metadata.finalizers");
    }

    private static boolean absent(@Nullable JsonElement e) {
      return e == null || e.isJsonNull();
    }

    /** Go's {@code UnmarshalTypeError}, in the apiserver's {@code transformDecodeError} words. */
    private StatusError mistyped(JsonElement value, String struct, String path, String goType, boolean withNumber) {
      String what;
      if (value.isJsonObject()) {
        what = "object";
      } else if (value.isJsonArray()) {
        what = "array";
      } else if (value.getAsJsonPrimitive().isBoolean()) {
        what = "bool";
      } else if (value.getAsJsonPrimitive().isNumber()) {
        what = withNumber ? "number " + value.getAsString() : "number";
      } else {
        what = "string";
      }
      return StatusError.badRequest(kind + " in version \"" + version + "\" cannot be handled as a " + kind + ": json: cannot unmarshal "
          + what + " into Go struct field " + struct + "." + path + " of type " + goType);
    }
  }
}
