package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Label selectors as apimachinery's {@code labels.Parse} (its byte lexer, parser, {@code NewRequirement} validation and
 * error texts) and field selectors as {@code fields.ParseSelector} followed by the per-kind field label conversion of
 * kubernetes' {@code pkg/apis/core/v1/conversion.go} and the registries' {@code ToSelectableFields}.
 */
final class Selectors {

  /** Longest selector text read (upstream's bound is the URL length); longer is a 400. */
  static final int MAX_SELECTOR_CHARS = 10_000;
  /** Most requirements (label) or terms (field) in one selector; more is a 400. */
  static final int MAX_REQUIREMENTS = 100;

  private Selectors() {}

  // ---------------------------------------------------------------------------------------------------------------
  // Old entry points

  /** Kept so the current ApiHandler compiles. TODO(remove): callers move to {@link #labelSelector(String)}. */
  static boolean labels(String selector, JsonObject o) {
    return labelSelector(selector).test(o);
  }

  /**
   * Kept so the current ApiHandler compiles. TODO(remove): callers move to {@link #fieldSelector(ResourceType, String)}.
   * The kind is taken from the object; an object of no served kind is matched on dotted paths without field checks.
   */
  static boolean fields(String selector, JsonObject o) {
    ResourceType type = ResourceType.byKind(Rbac.str(o, "apiVersion"), Rbac.str(o, "kind"));
    return fieldSelector(type, selector).test(o);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Label selectors

  enum Token { ERROR, END, CLOSED_PAR, COMMA, DOES_NOT_EXIST, DOUBLE_EQUALS, EQUALS, GREATER_THAN, IDENTIFIER, IN,
    LESS_THAN, NOT_EQUALS, NOT_IN, OPEN_PAR }

  private static final Map<String, Token> STRING_TO_TOKEN = Map.ofEntries(
      Map.entry(")", Token.CLOSED_PAR), Map.entry(",", Token.COMMA), Map.entry("!", Token.DOES_NOT_EXIST),
      Map.entry("==", Token.DOUBLE_EQUALS), Map.entry("=", Token.EQUALS), Map.entry(">", Token.GREATER_THAN),
      Map.entry("in", Token.IN), Map.entry("<", Token.LESS_THAN), Map.entry("!=", Token.NOT_EQUALS),
      Map.entry("notin", Token.NOT_IN), Map.entry("(", Token.OPEN_PAR));

  /** As upstream's {@code binaryOperators}, in its order. */
  private static final String BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

  record Lexed(Token token, String literal) {}

  /** Upstream's Lexer, byte for byte (the selector is read as UTF-8 bytes, a NUL byte ends it). */
  static final class Lexer {
    private final byte[] s;
    private int pos;

    Lexer(String selector) {
      this.s = selector.getBytes(StandardCharsets.UTF_8);
    }

    private int read() {
      int b = 0;
      if (pos < s.length) {
        b = s[pos] & 0xff;
        pos++;
      }
      return b;
    }

    private void unread() {
      pos--;
    }

    private static boolean isWhitespace(int ch) {
      return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
    }

    private static boolean isSpecialSymbol(int ch) {
      return ch == '=' || ch == '!' || ch == '(' || ch == ')' || ch == ',' || ch == '>' || ch == '<';
    }

    Lexed lex() {
      int ch = read();
      while (isWhitespace(ch)) {
        ch = read();
      }
      if (ch == 0) {
        return new Lexed(Token.END, "");
      }
      unread();
      return isSpecialSymbol(ch) ? scanSpecialSymbol() : scanIdOrKeyword();
    }

    private Lexed scanIdOrKeyword() {
      java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
      while (true) {
        int ch = read();
        if (ch == 0) {
          break;
        }
        if (isSpecialSymbol(ch) || isWhitespace(ch)) {
          unread();
          break;
        }
        buffer.write(ch);
      }
      String lit = new String(buffer.toByteArray(), StandardCharsets.UTF_8);
      Token t = STRING_TO_TOKEN.get(lit);
      return t != null ? new Lexed(t, lit) : new Lexed(Token.IDENTIFIER, lit);
    }

    private Lexed scanSpecialSymbol() {
      @Nullable Lexed last = null;
      StringBuilder buffer = new StringBuilder();
      while (true) {
        int ch = read();
        if (ch == 0) {
          break;
        }
        if (isSpecialSymbol(ch)) {
          buffer.append((char) ch);
          Token t = STRING_TO_TOKEN.get(buffer.toString());
          if (t != null) {
            last = new Lexed(t, buffer.toString());
          } else if (last != null) {
            unread();
            break;
          }
        } else {
          unread();
          break;
        }
      }
      if (last == null) {
        return new Lexed(Token.ERROR, "error expected: keyword found '" + buffer + "'");
      }
      return last;
    }
  }

  /** All tokens of a selector, END last (as upstream's {@code scan}). */
  static List<Lexed> lexAll(String selector) {
    Lexer l = new Lexer(selector);
    List<Lexed> out = new ArrayList<>();
    while (true) {
      Lexed t = l.lex();
      out.add(t);
      if (t.token == Token.END) {
        return out;
      }
    }
  }

  enum Op { IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN }

  /** One parsed requirement; values sorted as upstream's {@code sets.String.List()}. */
  record Requirement(String key, Op op, List<String> values) {
    boolean matches(JsonObject labels) {
      JsonElement e = labels.get(key);
      boolean has = e != null && !e.isJsonNull();
      String v = has && e.isJsonPrimitive() ? e.getAsString() : "";
      switch (op) {
        case IN:
        case EQUALS:
        case DOUBLE_EQUALS:
          return has && values.contains(v);
        case NOT_IN:
        case NOT_EQUALS:
          return !has || !values.contains(v);
        case EXISTS:
          return has;
        case DOES_NOT_EXIST:
          return !has;
        case GREATER_THAN:
        case LESS_THAN:
          if (!has || values.size() != 1) {
            return false;
          }
          Long actual = parseInt64(v);
          Long wanted = parseInt64(values.get(0));
          if (actual == null || wanted == null) {
            return false;
          }
          return op == Op.GREATER_THAN ? actual > wanted : actual < wanted;
        default:
          return false;
      }
    }
  }

  private static final Pattern INT64 = Pattern.compile("[+-]?[0-9]+");

  /** Go's {@code strconv.ParseInt(s, 10, 64)}: ASCII digits with an optional sign, in range. */
  static @Nullable Long parseInt64(String s) {
    if (s.length() > 25 || !INT64.matcher(s).matches()) {
      return null;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A label selector as a predicate on objects (their {@code metadata.labels}); a malformed one is a 400 now. */
  static Predicate<JsonObject> labelSelector(String selector) {
    List<Requirement> reqs = parseLabels(selector);
    return o -> {
      JsonElement m = o.get("metadata");
      JsonElement l = m != null && m.isJsonObject() ? m.getAsJsonObject().get("labels") : null;
      JsonObject labels = l != null && l.isJsonObject() ? l.getAsJsonObject() : new JsonObject();
      for (Requirement r : reqs) {
        if (!r.matches(labels)) {
          return false;
        }
      }
      return true;
    };
  }

  /** The requirements of a label selector, sorted by key as upstream; a malformed selector is a 400. */
  static List<Requirement> parseLabels(String selector) {
    if (selector.length() > MAX_SELECTOR_CHARS) {
      throw StatusError.badRequest("label selector is too long: more than " + MAX_SELECTOR_CHARS + " characters");
    }
    try {
      List<Requirement> reqs = new LabelParser(lexAll(selector)).parse();
      List<Requirement> sorted = new ArrayList<>(reqs);
      sorted.sort((a, b) -> compareBytes(a.key, b.key));
      return Collections.unmodifiableList(sorted);
    } catch (ParseException e) {
      throw StatusError.badRequest(e.getMessage());
    }
  }

  private static int compareBytes(String a, String b) {
    return java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** An upstream parse error: its message is the Status message. */
  static final class ParseException extends Exception {
    private static final long serialVersionUID = 1L;

    ParseException(String message) {
      super(message, null, false, false);
    }
  }

  private static final class LabelParser {
    private final List<Lexed> items;
    private int position;

    LabelParser(List<Lexed> items) {
      this.items = items;
    }

    private Lexed lookahead(boolean values) {
      return context(items.get(position), values);
    }

    private Lexed consume(boolean values) {
      position++;
      return context(items.get(position - 1), values);
    }

    private static Lexed context(Lexed l, boolean values) {
      if (values && (l.token == Token.IN || l.token == Token.NOT_IN)) {
        return new Lexed(Token.IDENTIFIER, l.literal);
      }
      return l;
    }

    List<Requirement> parse() throws ParseException {
      List<Requirement> reqs = new ArrayList<>();
      while (true) {
        Lexed t = lookahead(true);
        switch (t.token) {
          case IDENTIFIER:
          case DOES_NOT_EXIST:
            if (reqs.size() >= MAX_REQUIREMENTS) {
              throw new ParseException("label selector has more than " + MAX_REQUIREMENTS + " requirements");
            }
            try {
              reqs.add(parseRequirement());
            } catch (ParseException e) {
              throw new ParseException("unable to parse requirement: " + e.getMessage());
            }
            Lexed next = consume(true);
            switch (next.token) {
              case END:
                return reqs;
              case COMMA:
                Lexed t2 = lookahead(true);
                if (t2.token != Token.IDENTIFIER && t2.token != Token.DOES_NOT_EXIST) {
                  throw new ParseException("found '" + t2.literal + "', expected: identifier after ','");
                }
                break;
              default:
                throw new ParseException("found '" + next.literal + "', expected: ',' or 'end of string'");
            }
            break;
          case END:
            return reqs;
          default:
            throw new ParseException("found '" + t.literal + "', expected: !, identifier, or 'end of string'");
        }
      }
    }

    private Requirement parseRequirement() throws ParseException {
      Op op = null;
      Lexed t = consume(true);
      if (t.token == Token.DOES_NOT_EXIST) {
        op = Op.DOES_NOT_EXIST;
        t = consume(true);
      }
      if (t.token != Token.IDENTIFIER) {
        throw new ParseException("found '" + t.literal + "', expected: identifier");
      }
      String key = t.literal;
      String keyError = validateLabelKey(key);
      if (keyError != null) {
        throw new ParseException(fieldInvalid("<nil>", key, keyError));
      }
      Token next = lookahead(true).token;
      if ((next == Token.END || next == Token.COMMA) && op == null) {
        op = Op.EXISTS;
      }
      if (op == Op.EXISTS || op == Op.DOES_NOT_EXIST) {
        return newRequirement(key, op, List.of());
      }
      Lexed o = consume(false);
      switch (o.token) {
        case IN:
          op = Op.IN;
          break;
        case EQUALS:
          op = Op.EQUALS;
          break;
        case DOUBLE_EQUALS:
          op = Op.DOUBLE_EQUALS;
          break;
        case GREATER_THAN:
          op = Op.GREATER_THAN;
          break;
        case LESS_THAN:
          op = Op.LESS_THAN;
          break;
        case NOT_IN:
          op = Op.NOT_IN;
          break;
        case NOT_EQUALS:
          op = Op.NOT_EQUALS;
          break;
        default:
          throw new ParseException("found '" + o.literal + "', expected: " + BINARY_OPERATORS);
      }
      Set<String> values = (op == Op.IN || op == Op.NOT_IN) ? parseValues() : parseExactValue();
      return newRequirement(key, op, sortedBytes(values));
    }

    private Set<String> parseValues() throws ParseException {
      Lexed t = consume(true);
      if (t.token != Token.OPEN_PAR) {
        throw new ParseException("found '" + t.literal + "' expected: '('");
      }
      Lexed la = lookahead(true);
      switch (la.token) {
        case IDENTIFIER:
        case COMMA:
          Set<String> s = parseIdentifiersList();
          if (consume(true).token != Token.CLOSED_PAR) {
            throw new ParseException("found '" + la.literal + "', expected: ')'");
          }
          return s;
        case CLOSED_PAR:
          consume(true);
          Set<String> empty = new TreeSet<>();
          empty.add("");
          return empty;
        default:
          throw new ParseException("found '" + la.literal + "', expected: ',', ')' or identifier");
      }
    }

    private Set<String> parseIdentifiersList() throws ParseException {
      Set<String> s = new TreeSet<>();
      while (true) {
        Lexed t = consume(true);
        switch (t.token) {
          case IDENTIFIER:
            s.add(t.literal);
            Lexed t2 = lookahead(true);
            if (t2.token == Token.COMMA) {
              continue;
            }
            if (t2.token == Token.CLOSED_PAR) {
              return s;
            }
            throw new ParseException("found '" + t2.literal + "', expected: ',' or ')'");
          case COMMA:
            if (s.isEmpty()) {
              s.add("");
            }
            Token n = lookahead(true).token;
            if (n == Token.CLOSED_PAR) {
              s.add("");
              return s;
            }
            if (n == Token.COMMA) {
              consume(true);
              s.add("");
            }
            break;
          default:
            throw new ParseException("found '" + t.literal + "', expected: ',', or identifier");
        }
      }
    }

    private Set<String> parseExactValue() throws ParseException {
      Set<String> s = new TreeSet<>();
      Token la = lookahead(true).token;
      if (la == Token.END || la == Token.COMMA) {
        s.add("");
        return s;
      }
      Lexed t = consume(true);
      if (t.token == Token.IDENTIFIER) {
        s.add(t.literal);
        return s;
      }
      throw new ParseException("found '" + t.literal + "', expected: identifier");
    }
  }

  private static List<String> sortedBytes(Set<String> values) {
    List<String> l = new ArrayList<>(values);
    l.sort(Selectors::compareBytes);
    return List.copyOf(l);
  }

  /** Upstream's {@code NewRequirement} checks (the key was checked already), errors aggregated as upstream. */
  static Requirement newRequirement(String key, Op op, List<String> vals) throws ParseException {
    List<String> errs = new ArrayList<>();
    switch (op) {
      case IN:
      case NOT_IN:
        if (vals.isEmpty()) {
          errs.add("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty");
        }
        break;
      case EQUALS:
      case DOUBLE_EQUALS:
      case NOT_EQUALS:
        if (vals.size() != 1) {
          errs.add("values: Invalid value: " + goStringSlice(vals) + ": exact-match compatibility requires one single value");
        }
        break;
      case GREATER_THAN:
      case LESS_THAN:
        if (vals.size() != 1) {
          errs.add("values: Invalid value: " + goStringSlice(vals) + ": for 'Gt', 'Lt' operators, exactly one value is required");
        }
        for (int i = 0; i < vals.size(); i++) {
          if (parseInt64(vals.get(i)) == null) {
            errs.add(fieldInvalid("values[" + i + "]", vals.get(i), "for 'Gt', 'Lt' operators, the value must be an integer"));
          }
        }
        break;
      default:
        break;
    }
    for (int i = 0; i < vals.size(); i++) {
      String e = validateLabelValue(vals.get(i));
      if (e != null) {
        errs.add(fieldInvalid("values[" + i + "][" + key + "]", vals.get(i), e));
      }
    }
    if (!errs.isEmpty()) {
      // utilerrors.NewAggregate: one error prints alone, several as [a, b], duplicates dropped
      List<String> unique = new ArrayList<>(new java.util.LinkedHashSet<>(errs));
      throw new ParseException(unique.size() == 1 ? unique.get(0) : "[" + String.join(", ", unique) + "]");
    }
    return new Requirement(key, op, vals);
  }

  private static String goStringSlice(List<String> vals) {
    StringBuilder sb = new StringBuilder("[]string{");
    for (int i = 0; i < vals.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(goQuote(vals.get(i)));
    }
    return sb.append('}').toString();
  }

  /** {@code field.Invalid(path, value, detail).Error()}. */
  static String fieldInvalid(String path, String value, String detail) {
    return path + ": Invalid value: " + goQuote(value) + ": " + detail;
  }

  /** Go's {@code %q} for the strings a selector can carry. */
  static String goQuote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    s.codePoints().forEach(c -> {
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\t':
          sb.append("\\t");
          break;
        case '\r':
          sb.append("\\r");
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\x%02x", c));
          } else if (Character.isISOControl(c)) {
            sb.append(c <= 0xffff ? String.format("\\u%04x", c) : String.format("\\U%08x", c));
          } else {
            sb.appendCodePoint(c);
          }
      }
    });
    return sb.append('"').toString();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // apimachinery/pkg/util/validation texts

  private static final String QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
  private static final Pattern QUALIFIED_NAME = Pattern.compile(QUALIFIED_NAME_FMT);
  private static final String QUALIFIED_NAME_ERR = "must consist of alphanumeric characters, '-', '_' or '.', and must start"
      + " and end with an alphanumeric character";
  private static final String DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final String DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*";
  private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(DNS1123_SUBDOMAIN_FMT);
  private static final String DNS1123_SUBDOMAIN_ERR = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric"
      + " characters, '-' or '.', and must start and end with an alphanumeric character";
  private static final String LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?";
  private static final Pattern LABEL_VALUE = Pattern.compile(LABEL_VALUE_FMT);
  private static final String LABEL_VALUE_ERR = "a valid label must be an empty string or consist of alphanumeric characters,"
      + " '-', '_' or '.', and must start and end with an alphanumeric character";

  static String regexError(String msg, String fmt, String... examples) {
    StringBuilder sb = new StringBuilder(msg).append(" (e.g. ");
    for (int i = 0; i < examples.length; i++) {
      sb.append(i > 0 ? " or " : "").append('\'').append(examples[i]).append("', ");
    }
    return sb.append("regex used for validation is '").append(fmt).append("')").toString();
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** {@code validation.IsQualifiedName} messages joined by "; ", or null when valid. */
  static @Nullable String validateLabelKey(String value) {
    List<String> errs = new ArrayList<>();
    String[] parts = value.split("/", -1);
    String name;
    if (parts.length == 1) {
      name = parts[0];
    } else if (parts.length == 2) {
      String prefix = parts[0];
      name = parts[1];
      if (prefix.isEmpty()) {
        errs.add("prefix part must be non-empty");
      } else {
        if (utf8Length(prefix) > 253) {
          errs.add("prefix part must be no more than 253 characters");
        }
        if (!DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
          errs.add("prefix part " + regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"));
        }
      }
    } else {
      return "a qualified name " + regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
          + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
    }
    if (name.isEmpty()) {
      errs.add("name part must be non-empty");
    } else if (utf8Length(name) > 63) {
      errs.add("name part must be no more than 63 characters");
    }
    if (!QUALIFIED_NAME.matcher(name).matches()) {
      errs.add("name part " + regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"));
    }
    return errs.isEmpty() ? null : String.join("; ", errs);
  }

  /** {@code validation.IsValidLabelValue} messages joined by "; ", or null when valid. */
  static @Nullable String validateLabelValue(String value) {
    List<String> errs = new ArrayList<>();
    if (utf8Length(value) > 63) {
      errs.add("must be no more than 63 characters");
    }
    if (!LABEL_VALUE.matcher(value).matches()) {
      errs.add(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
    }
    return errs.isEmpty() ? null : String.join("; ", errs);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Field selectors

  /** One field term: {@code field=value} ({@code =} or {@code ==}) or {@code field!=value}. */
  record FieldTerm(String field, String value, boolean negated) {}

  /**
   * The kind's selectable fields: field label → its value in an object, as the registry's {@code ToSelectableFields}
   * (with the values upstream's defaulting and create strategy would have set when the stored object lacks them).
   * Labels accepted by the conversion function but absent from the set (Pod {@code status.podIPs}) read as "".
   */
  private static final Map<String, Map<String, Function<JsonObject, String>>> SELECTABLE = Map.of(
      "Pod", Map.ofEntries(
          Map.entry("metadata.name", o -> at(o, "metadata", "name", "")),
          Map.entry("metadata.namespace", o -> at(o, "metadata", "namespace", "")),
          Map.entry("spec.nodeName", o -> at(o, "spec", "nodeName", "")),
          Map.entry("spec.restartPolicy", o -> at(o, "spec", "restartPolicy", "Always")),
          Map.entry("spec.schedulerName", o -> at(o, "spec", "schedulerName", "default-scheduler")),
          Map.entry("spec.serviceAccountName", o -> at(o, "spec", "serviceAccountName", "default")),
          Map.entry("spec.hostNetwork", o -> at(o, "spec", "hostNetwork", "false")),
          Map.entry("status.phase", o -> at(o, "status", "phase", "Pending")),
          Map.entry("status.podIP", Selectors::podIp),
          Map.entry("status.podIPs", o -> ""),
          Map.entry("status.nominatedNodeName", o -> at(o, "status", "nominatedNodeName", ""))),
      "Node", Map.of(
          "metadata.name", o -> at(o, "metadata", "name", ""),
          "spec.unschedulable", o -> at(o, "spec", "unschedulable", "false")),
      "Namespace", Map.of(
          "metadata.name", o -> at(o, "metadata", "name", ""),
          "status.phase", o -> at(o, "status", "phase", "Active")),
      "Secret", Map.of(
          "metadata.name", o -> at(o, "metadata", "name", ""),
          "metadata.namespace", o -> at(o, "metadata", "namespace", ""),
          "type", o -> at(o, null, "type", "Opaque")));

  /** Labels rewritten by a kind's conversion function before matching (Pod {@code spec.host}, for old clients). */
  private static final Map<String, Map<String, String>> RENAMED = Map.of("Pod", Map.of("spec.host", "spec.nodeName"));

  private static String podIp(JsonObject o) {
    JsonElement st = o.get("status");
    if (st != null && st.isJsonObject()) {
      JsonElement ips = st.getAsJsonObject().get("podIPs");
      if (ips != null && ips.isJsonArray() && ips.getAsJsonArray().size() > 0) {
        JsonArray a = ips.getAsJsonArray();
        if (a.get(0).isJsonObject()) {
          return Rbac.str(a.get(0).getAsJsonObject(), "ip");
        }
      }
    }
    return at(o, "status", "podIP", "");
  }

  private static String at(JsonObject o, @Nullable String parent, String field, String absent) {
    JsonObject p = o;
    if (parent != null) {
      JsonElement e = o.get(parent);
      if (e == null || !e.isJsonObject()) {
        return absent;
      }
      p = e.getAsJsonObject();
    }
    JsonElement v = p.get(field);
    if (v == null || v.isJsonNull() || !v.isJsonPrimitive()) {
      return absent;
    }
    String s = v.getAsString();
    return s.isEmpty() ? absent : s;
  }

  /**
   * A field selector for objects of a kind (null: no kind, dotted paths read without checks); a malformed selector or a
   * field the kind does not support is a 400 now.
   */
  static Predicate<JsonObject> fieldSelector(@Nullable ResourceType type, String selector) {
    List<FieldTerm> terms = parseFields(selector);
    List<Function<JsonObject, String>> getters = new ArrayList<>();
    for (FieldTerm t : terms) {
      getters.add(type == null ? o -> dotted(o, t.field) : getter(type, t.field));
    }
    return o -> {
      for (int i = 0; i < terms.size(); i++) {
        boolean eq = terms.get(i).value.equals(getters.get(i).apply(o));
        if (eq == terms.get(i).negated) {
          return false;
        }
      }
      return true;
    };
  }

  private static Function<JsonObject, String> getter(ResourceType type, String label) {
    Map<String, Function<JsonObject, String>> set = SELECTABLE.get(type.kind);
    if (set == null) {
      // runtime.DefaultMetaV1FieldSelectorConversion
      switch (label) {
        case "metadata.name":
          return o -> at(o, "metadata", "name", "");
        case "metadata.namespace":
          return type.namespaced ? o -> at(o, "metadata", "namespace", "") : o -> "";
        default:
          throw StatusError.badRequest(goQuote(label) + " is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
      }
    }
    String converted = RENAMED.getOrDefault(type.kind, Map.of()).getOrDefault(label, label);
    Function<JsonObject, String> g = set.get(converted);
    if (g == null) {
      throw StatusError.badRequest("field label not supported: " + label);
    }
    return g;
  }

  private static String dotted(JsonObject o, String path) {
    JsonElement cur = o;
    for (String p : path.split("\\.", -1)) {
      if (cur == null || !cur.isJsonObject()) {
        return "";
      }
      cur = cur.getAsJsonObject().get(p);
    }
    return cur != null && cur.isJsonPrimitive() ? cur.getAsString() : "";
  }

  /** {@code fields.ParseSelector}: terms sorted as upstream, values unescaped; a malformed selector is a 400. */
  static List<FieldTerm> parseFields(String selector) {
    if (selector.length() > MAX_SELECTOR_CHARS) {
      throw StatusError.badRequest("field selector is too long: more than " + MAX_SELECTOR_CHARS + " characters");
    }
    List<String> parts = splitTerms(selector);
    parts.sort(Selectors::compareBytes);
    List<FieldTerm> terms = new ArrayList<>();
    for (String part : parts) {
      if (part.isEmpty()) {
        continue;
      }
      if (terms.size() >= MAX_REQUIREMENTS) {
        throw StatusError.badRequest("field selector has more than " + MAX_REQUIREMENTS + " terms");
      }
      FieldTerm t = splitTerm(part);
      if (t == null) {
        throw StatusError.badRequest("invalid selector: '" + selector + "'; can't understand '" + part + "'");
      }
      terms.add(new FieldTerm(t.field, unescapeValue(t.value), t.negated));
    }
    return List.copyOf(terms);
  }

  static List<String> splitTerms(String s) {
    List<String> terms = new ArrayList<>();
    if (s.isEmpty()) {
      return terms;
    }
    int start = 0;
    boolean inSlash = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inSlash) {
        inSlash = false;
      } else if (c == '\\') {
        inSlash = true;
      } else if (c == ',') {
        terms.add(s.substring(start, i));
        start = i + 1;
      }
    }
    terms.add(s.substring(start));
    return terms;
  }

  private static @Nullable FieldTerm splitTerm(String term) {
    for (int i = 0; i < term.length(); i++) {
      if (term.startsWith("!=", i)) {
        return new FieldTerm(term.substring(0, i), term.substring(i + 2), true);
      }
      if (term.startsWith("==", i)) {
        return new FieldTerm(term.substring(0, i), term.substring(i + 2), false);
      }
      if (term.startsWith("=", i)) {
        return new FieldTerm(term.substring(0, i), term.substring(i + 1), false);
      }
    }
    return null;
  }

  /** {@code fields.UnescapeValue}: {@code \\}, {@code \,} and {@code \=} only; a bare {@code ,} or {@code =} is an error. */
  static String unescapeValue(String s) {
    if (s.indexOf('\\') < 0 && s.indexOf(',') < 0 && s.indexOf('=') < 0) {
      return s;
    }
    StringBuilder v = new StringBuilder();
    boolean inSlash = false;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      if (inSlash) {
        if (c == '\\' || c == ',' || c == '=') {
          v.appendCodePoint(c);
        } else {
          throw StatusError.badRequest("invalid field selector: invalid escape sequence: \\" + new String(Character.toChars(c)));
        }
        inSlash = false;
        continue;
      }
      if (c == '\\') {
        inSlash = true;
      } else if (c == ',' || c == '=') {
        throw StatusError.badRequest("invalid field selector: unescaped character in value: " + (char) c);
      } else {
        v.appendCodePoint(c);
      }
    }
    if (inSlash) {
      throw StatusError.badRequest("invalid field selector: invalid escape sequence: \\");
    }
    return v.toString();
  }
}
