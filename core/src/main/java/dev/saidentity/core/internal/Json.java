package dev.saidentity.core.internal;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Strict streaming parse of JWS headers and ServiceAccount claims with Gson's {@link JsonReader}:
 * typed reads (a claim of the wrong JSON type is {@code MALFORMED}), a nesting limit, no trailing
 * data, unknown members skipped. JSON {@code null} counts as absent, as in Go's encoding/json.
 */
public final class Json {

  /** Deeper JSON than this is refused: real tokens nest two levels. */
  static final int NESTING_LIMIT = 16;

  private Json() {}

  static JsonReader reader(String json) {
    JsonReader r = new JsonReader(new StringReader(json));
    r.setStrictness(Strictness.STRICT);
    r.setNestingLimit(NESTING_LIMIT);
    return r;
  }

  public static Header parseHeader(String json) {
    Header h = new Header();
    try (JsonReader r = reader(json)) {
      beginTopObject(r, "header");
      while (r.hasNext()) {
        String name = r.nextName();
        switch (name) {
          case "alg":
            h.alg = string(r, "alg");
            break;
          case "kid":
            h.kid = string(r, "kid");
            break;
          case "crit":
            if (r.peek() == JsonToken.NULL) {
              r.nextNull();
            } else {
              h.crit = true;
              r.skipValue();
            }
            break;
          default:
            r.skipValue();
        }
      }
      endTop(r, "header");
    } catch (IOException | RuntimeException e) {
      throw rethrow(e, "header");
    }
    return h;
  }

  public static Claims parseClaims(String json) {
    Claims c = new Claims();
    try (JsonReader r = reader(json)) {
      beginTopObject(r, "payload");
      while (r.hasNext()) {
        String name = r.nextName();
        switch (name) {
          case "iss":
            c.iss = string(r, name);
            break;
          case "sub":
            c.sub = string(r, name);
            break;
          case "aud":
            c.aud = audience(r);
            break;
          case "exp":
            c.exp = numericDate(r, name);
            break;
          case "nbf":
            c.nbf = numericDate(r, name);
            break;
          case "iat":
            c.iat = numericDate(r, name);
            break;
          case "jti":
            c.jti = string(r, name);
            break;
          case "kubernetes.io":
            kubernetes(r, c);
            break;
          case "kubernetes.io/serviceaccount/namespace":
            c.legacy = true;
            c.legacyNamespace = string(r, name);
            break;
          case "kubernetes.io/serviceaccount/secret.name":
            c.legacy = true;
            c.legacySecretName = string(r, name);
            break;
          case "kubernetes.io/serviceaccount/service-account.name":
            c.legacy = true;
            c.legacySaName = string(r, name);
            break;
          case "kubernetes.io/serviceaccount/service-account.uid":
            c.legacy = true;
            c.legacySaUid = string(r, name);
            break;
          default:
            r.skipValue();
        }
      }
      endTop(r, "payload");
    } catch (IOException | RuntimeException e) {
      throw rethrow(e, "payload");
    }
    return c;
  }

  private static void kubernetes(JsonReader r, Claims c) throws IOException {
    if (r.peek() == JsonToken.NULL) {
      r.nextNull();
      return;
    }
    expect(r, JsonToken.BEGIN_OBJECT, "kubernetes.io");
    c.k8s = true;
    r.beginObject();
    while (r.hasNext()) {
      String name = r.nextName();
      switch (name) {
        case "namespace":
          c.namespace = string(r, "kubernetes.io.namespace");
          break;
        case "serviceaccount": {
          String[] ref = ref(r, "kubernetes.io.serviceaccount");
          if (ref != null) {
            c.saName = ref[0];
            c.saUid = ref[1];
          }
          break;
        }
        case "pod": {
          String[] ref = ref(r, "kubernetes.io.pod");
          if (ref != null) {
            c.pod = true;
            c.podName = ref[0];
            c.podUid = ref[1];
          }
          break;
        }
        case "secret": {
          String[] ref = ref(r, "kubernetes.io.secret");
          if (ref != null) {
            c.secret = true;
            c.secretName = ref[0];
            c.secretUid = ref[1];
          }
          break;
        }
        case "node": {
          String[] ref = ref(r, "kubernetes.io.node");
          if (ref != null) {
            c.node = true;
            c.nodeName = ref[0];
            c.nodeUid = ref[1];
          }
          break;
        }
        case "warnafter":
          c.warnAfter = numericDate(r, "kubernetes.io.warnafter");
          break;
        default:
          r.skipValue();
      }
    }
    r.endObject();
  }

  private static String @Nullable [] ref(JsonReader r, String what) throws IOException {
    if (r.peek() == JsonToken.NULL) {
      r.nextNull();
      return null;
    }
    expect(r, JsonToken.BEGIN_OBJECT, what);
    String[] out = new String[2];
    r.beginObject();
    while (r.hasNext()) {
      String name = r.nextName();
      if (name.equals("name")) {
        out[0] = string(r, what + ".name");
      } else if (name.equals("uid")) {
        out[1] = string(r, what + ".uid");
      } else {
        r.skipValue();
      }
    }
    r.endObject();
    return out;
  }

  private static @Nullable List<String> audience(JsonReader r) throws IOException {
    JsonToken t = r.peek();
    if (t == JsonToken.NULL) {
      r.nextNull();
      return null;
    }
    if (t == JsonToken.STRING) {
      return List.of(r.nextString());
    }
    if (t != JsonToken.BEGIN_ARRAY) {
      throw Failure.malformed("claim aud must be a string or an array of strings, got " + describe(t));
    }
    List<String> out = new ArrayList<>(2);
    r.beginArray();
    while (r.hasNext()) {
      JsonToken e = r.peek();
      if (e != JsonToken.STRING) {
        throw Failure.malformed("claim aud must be a string or an array of strings, found " + describe(e) + " in the array");
      }
      out.add(r.nextString());
    }
    r.endArray();
    return List.copyOf(out);
  }

  private static @Nullable String string(JsonReader r, String what) throws IOException {
    JsonToken t = r.peek();
    if (t == JsonToken.NULL) {
      r.nextNull();
      return null;
    }
    expect(r, JsonToken.STRING, what);
    return r.nextString();
  }

  /**
   * A NumericDate: any JSON number, truncated toward zero like go-jose's float-to-int64 conversion.
   * The range is decided from the literal's digits and exponent before any arithmetic, in time
   * linear in its length: a value of 10^19 or more is out of range at once (go-jose refuses what
   * {@code ParseFloat} makes infinite), one under 1 in magnitude truncates to 0, and only the at
   * most 19 integer digits of what remains are ever converted. (Gson refuses number literals longer
   * than its 1,024-character buffer as malformed JSON before this runs.)
   */
  private static @Nullable Long numericDate(JsonReader r, String what) throws IOException {
    JsonToken t = r.peek();
    if (t == JsonToken.NULL) {
      r.nextNull();
      return null;
    }
    if (t != JsonToken.NUMBER) {
      throw Failure.malformed("claim " + what + " must be a number (NumericDate), got " + describe(t));
    }
    Long v = truncatedLong(r.nextString());
    if (v == null) {
      throw Failure.malformed("claim " + what + " is out of range for a NumericDate");
    }
    return v;
  }

  /** Exponents beyond this cannot bring any literal that fits in a token into or out of range. */
  private static final int EXPONENT_SATURATION = 1_000_000_000;

  /**
   * A JSON number literal truncated toward zero to a long, or null when it is out of the long range
   * or not a JSON number. Linear in the literal's length; no BigDecimal or BigInteger.
   */
  static @Nullable Long truncatedLong(String literal) {
    int n = literal.length();
    int i = 0;
    boolean negative = false;
    if (i < n && literal.charAt(i) == '-') {
      negative = true;
      i++;
    }
    int intStart = i;
    while (i < n && isDigit(literal.charAt(i))) {
      i++;
    }
    int intEnd = i;
    if (intEnd == intStart) {
      return null;
    }
    int fracStart = intEnd;
    int fracEnd = intEnd;
    if (i < n && literal.charAt(i) == '.') {
      i++;
      fracStart = i;
      while (i < n && isDigit(literal.charAt(i))) {
        i++;
      }
      fracEnd = i;
      if (fracEnd == fracStart) {
        return null;
      }
    }
    long exponent = 0;
    if (i < n && (literal.charAt(i) == 'e' || literal.charAt(i) == 'E')) {
      i++;
      boolean negExp = false;
      if (i < n && (literal.charAt(i) == '+' || literal.charAt(i) == '-')) {
        negExp = literal.charAt(i) == '-';
        i++;
      }
      int expStart = i;
      while (i < n && isDigit(literal.charAt(i))) {
        if (exponent < EXPONENT_SATURATION) {
          exponent = exponent * 10 + (literal.charAt(i) - '0');
        }
        i++;
      }
      if (i == expStart) {
        return null;
      }
      exponent = Math.min(exponent, EXPONENT_SATURATION);
      if (negExp) {
        exponent = -exponent;
      }
    }
    if (i != n) {
      return null;
    }
    // The significant digits are int digits then fraction digits; find the first non-zero one.
    int intDigits = intEnd - intStart;
    int fracDigits = fracEnd - fracStart;
    int total = intDigits + fracDigits;
    int first = 0;
    while (first < total && digitAt(literal, intStart, intDigits, fracStart, first) == '0') {
      first++;
    }
    if (first == total) {
      return 0L;
    }
    // How many digits of the value lie before the decimal point, counted from the first non-zero.
    long integerDigits = (long) intDigits - first + exponent;
    if (integerDigits <= 0) {
      return 0L;
    }
    if (integerDigits > 19) {
      return null;
    }
    StringBuilder sb = new StringBuilder(20);
    if (negative) {
      sb.append('-');
    }
    for (int k = 0; k < integerDigits; k++) {
      int at = first + k;
      sb.append(at < total ? digitAt(literal, intStart, intDigits, fracStart, at) : '0');
    }
    try {
      return Long.parseLong(sb.toString());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static char digitAt(String literal, int intStart, int intDigits, int fracStart, int index) {
    return index < intDigits ? literal.charAt(intStart + index) : literal.charAt(fracStart + index - intDigits);
  }

  private static void beginTopObject(JsonReader r, String part) throws IOException {
    JsonToken t = r.peek();
    if (t != JsonToken.BEGIN_OBJECT) {
      throw Failure.malformed("the " + part + " is not a JSON object (found " + describe(t) + ")");
    }
    r.beginObject();
  }

  private static void endTop(JsonReader r, String part) throws IOException {
    r.endObject();
    if (r.peek() != JsonToken.END_DOCUMENT) {
      throw Failure.malformed("the " + part + " has data after its JSON object");
    }
  }

  private static void expect(JsonReader r, JsonToken want, String what) throws IOException {
    JsonToken t = r.peek();
    if (t != want) {
      throw Failure.malformed("claim " + what + " must be " + describe(want) + ", got " + describe(t));
    }
  }

  private static String describe(JsonToken t) {
    switch (t) {
      case BEGIN_OBJECT:
        return "an object";
      case BEGIN_ARRAY:
        return "an array";
      case STRING:
        return "a string";
      case NUMBER:
        return "a number";
      case BOOLEAN:
        return "a boolean";
      case NULL:
        return "null";
      case END_DOCUMENT:
        return "the end of the input";
      default:
        return t.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static Failure rethrow(Exception e, String part) {
    if (e instanceof Failure) {
      return (Failure) e;
    }
    // Gson's messages quote positions and paths, never values; still, state only the kind of fault.
    String what = e.getClass().getSimpleName().equals("MalformedJsonException")
        || e instanceof com.google.gson.JsonParseException
        || e instanceof IOException
        ? "the " + part + " is not valid JSON"
        : "the " + part + " could not be read as JSON";
    if (e.getMessage() != null && e.getMessage().contains("Nesting limit")) {
      what = "the " + part + " nests deeper than " + NESTING_LIMIT + " levels";
    }
    return Failure.malformed(what);
  }
}
