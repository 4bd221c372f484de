package dev.saidentity.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * JSON parsing of request bodies with a nesting bound: the depth is counted in one pass before Gson
 * builds a tree, so a body of 100,000 nested arrays is refused at once instead of reaching recursive
 * code. Stateless; thread-safe.
 */
final class BoundedJson {

  /** Arrays and objects nest at most this deep (Kubernetes objects nest a few tens of levels). */
  static final int MAX_DEPTH = 100;

  /** JSON nested deeper than {@link #MAX_DEPTH}. */
  static final class TooDeep extends JsonParseException {
    private static final long serialVersionUID = 1L;

    TooDeep() {
      super("nested deeper than " + MAX_DEPTH + " levels");
    }
  }

  private BoundedJson() {}

  /**
   * Parses {@code text} as Gson's {@link JsonParser#parseString} does, after checking its depth.
   *
   * @throws TooDeep when arrays and objects nest deeper than {@link #MAX_DEPTH}
   * @throws JsonParseException when the text is not JSON
   */
  static JsonElement parse(String text) {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '[' || c == '{') {
        if (++depth > MAX_DEPTH) {
          throw new TooDeep();
        }
      } else if (c == ']' || c == '}') {
        depth--;
      }
    }
    JsonElement e = JsonParser.parseString(text);
    // Gson parses leniently: a comment or a single-quoted string can hide a '"' from the count above,
    // so the tree is measured too (Gson's own nesting limit, 255, keeps this recursion short).
    if (depth(e) > MAX_DEPTH) {
      throw new TooDeep();
    }
    return e;
  }

  private static int depth(JsonElement e) {
    int max = 0;
    if (e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) {
        max = Math.max(max, depth(x));
      }
      return max + 1;
    }
    if (e.isJsonObject()) {
      for (java.util.Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
        max = Math.max(max, depth(x.getValue()));
      }
      return max + 1;
    }
    return 0;
  }
}
