package dev.saidentity.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Strict, bounded parse of a JWS header and of ServiceAccount claims, straight from their decoded
 * UTF-8 bytes: typed reads (a claim of the wrong JSON type is {@code MALFORMED}), a nesting limit,
 * number literals of at most {@value #MAX_NUMBER_CHARS} characters, no trailing data, unknown
 * members skipped without building anything. JSON {@code null} counts as absent, as in Go's
 * encoding/json; a repeated member counts once, the last one.
 *
 * <p>The grammar is RFC 8259's, as go-jose's JSON decoder reads it: no comments, no single quotes,
 * no unquoted names, no trailing commas, no byte order mark, no unescaped control characters in
 * strings, lower-case {@code true}, {@code false} and {@code null} only. Bytes that are not valid
 * UTF-8 inside a string become U+FFFD. Names are matched exactly (after unescaping), as go-jose does.
 *
 * <p>Nothing is allocated on the success path but the values kept: names are compared as bytes,
 * skipped values are only scanned, and a failure's message is built only when it is thrown.
 */
public final class Json {

  /** Deeper JSON than this is refused: real tokens nest two levels. */
  static final int NESTING_LIMIT = 16;
  /** Longer number literals are refused as invalid JSON (so did Gson's reader before; no token has one). */
  static final int MAX_NUMBER_CHARS = 1023;

  // Value kinds, as peeked.
  private static final int OBJECT = 0;
  private static final int ARRAY = 1;
  private static final int STRING = 2;
  private static final int NUMBER = 3;
  private static final int BOOLEAN = 4;
  private static final int NULL = 5;

  private static final Names HEADER = new Names("alg", "kid", "crit");
  private static final int ALG = 0;
  private static final int KID = 1;
  private static final int CRIT = 2;

  private static final Names CLAIMS = new Names("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "kubernetes.io",
      "kubernetes.io/serviceaccount/namespace", "kubernetes.io/serviceaccount/secret.name",
      "kubernetes.io/serviceaccount/service-account.name", "kubernetes.io/serviceaccount/service-account.uid");
  private static final int ISS = 0;
  private static final int SUB = 1;
  private static final int AUD = 2;
  private static final int EXP = 3;
  private static final int NBF = 4;
  private static final int IAT = 5;
  private static final int JTI = 6;
  private static final int KUBERNETES = 7;
  private static final int LEGACY_NAMESPACE = 8;
  private static final int LEGACY_SECRET_NAME = 9;
  private static final int LEGACY_SA_NAME = 10;
  private static final int LEGACY_SA_UID = 11;

  private static final Names KUBERNETES_MEMBERS = new Names("namespace", "serviceaccount", "pod", "secret", "node", "warnafter");
  private static final int K_NAMESPACE = 0;
  private static final int K_SERVICEACCOUNT = 1;
  private static final int K_POD = 2;
  private static final int K_SECRET = 3;
  private static final int K_NODE = 4;
  private static final int K_WARNAFTER = 5;
  /** The claim each member of {@code kubernetes.io} is reported as. */
  private static final String[] KUBERNETES_CLAIMS = {"kubernetes.io.namespace", "kubernetes.io.serviceaccount",
      "kubernetes.io.pod", "kubernetes.io.secret", "kubernetes.io.node", "kubernetes.io.warnafter"};

  private static final Names REF = new Names("name", "uid");

  private final byte[] in;
  private final int end;
  /** "header" or "payload", for messages. */
  private final String part;
  private int pos;
  private int depth;
  /** Where the literal (number, true, false, null) last peeked ends. */
  private int literalEnd;
  /** The name and uid of the last object reference read by {@link #ref(int)}. */
  private @Nullable String refName;
  private @Nullable String refUid;
  /** The last NumericDate read by {@link #numericDate(String)}; 0 when it was null. */
  private long date;
  /** The result of the last {@link #truncatedLong(byte[], int, int)}. */
  private long truncated;
  /** Set by {@link #plainRun(int)} when it passes a byte of a multi-byte UTF-8 sequence. */
  private boolean nonAscii;

  private Json(byte[] in, int from, int to, String part) {
    this.in = in;
    this.pos = from;
    this.end = to;
    this.part = part;
  }

  /** The header members sa-identity reads, from the UTF-8 JSON {@code in[from, to)}. @throws Failure MALFORMED */
  public static Header parseHeader(byte[] in, int from, int to) {
    Json r = new Json(in, from, to, "header");
    Header h = new Header();
    r.beginTop();
    if (r.firstMember()) {
      do {
        switch (r.name(HEADER)) {
          case ALG:
            h.alg = r.string("alg");
            break;
          case KID:
            h.kid = r.string("kid");
            break;
          case CRIT:
            if (r.peek() == NULL) {
              r.pos = r.literalEnd;
            } else {
              h.crit = true;
              r.skipValue();
            }
            break;
          default:
            r.skipValue();
        }
      } while (r.nextMember());
    }
    r.endTop();
    return h;
  }

  /** The claims sa-identity reads, from the UTF-8 JSON {@code in[from, to)}. @throws Failure MALFORMED */
  public static Claims parseClaims(byte[] in, int from, int to) {
    Json r = new Json(in, from, to, "payload");
    Claims c = new Claims();
    r.beginTop();
    if (r.firstMember()) {
      do {
        switch (r.name(CLAIMS)) {
          case ISS:
            c.iss = r.string("iss");
            break;
          case SUB:
            c.sub = r.string("sub");
            break;
          case AUD:
            c.aud = r.audience();
            break;
          case EXP:
            c.hasExp = r.numericDate("exp");
            c.exp = r.date;
            break;
          case NBF:
            c.hasNbf = r.numericDate("nbf");
            c.nbf = r.date;
            break;
          case IAT:
            c.hasIat = r.numericDate("iat");
            c.iat = r.date;
            break;
          case JTI:
            c.jti = r.string("jti");
            break;
          case KUBERNETES:
            r.kubernetes(c);
            break;
          case LEGACY_NAMESPACE:
            c.legacy = true;
            c.legacyNamespace = r.string(CLAIMS.strings[LEGACY_NAMESPACE]);
            break;
          case LEGACY_SECRET_NAME:
            c.legacy = true;
            c.legacySecretName = r.string(CLAIMS.strings[LEGACY_SECRET_NAME]);
            break;
          case LEGACY_SA_NAME:
            c.legacy = true;
            c.legacySaName = r.string(CLAIMS.strings[LEGACY_SA_NAME]);
            break;
          case LEGACY_SA_UID:
            c.legacy = true;
            c.legacySaUid = r.string(CLAIMS.strings[LEGACY_SA_UID]);
            break;
          default:
            r.skipValue();
        }
      } while (r.nextMember());
    }
    r.endTop();
    return c;
  }

  private void kubernetes(Claims c) {
    int kind = peek();
    if (kind == NULL) {
      pos = literalEnd;
      return;
    }
    expect(kind, OBJECT, "kubernetes.io");
    c.k8s = true;
    beginContainer();
    if (firstMember()) {
      do {
        int member = name(KUBERNETES_MEMBERS);
        switch (member) {
          case K_NAMESPACE:
            c.namespace = string(KUBERNETES_CLAIMS[member]);
            break;
          case K_SERVICEACCOUNT:
            if (ref(member)) {
              c.saName = refName;
              c.saUid = refUid;
            }
            break;
          case K_POD:
            if (ref(member)) {
              c.pod = true;
              c.podName = refName;
              c.podUid = refUid;
            }
            break;
          case K_SECRET:
            if (ref(member)) {
              c.secret = true;
              c.secretName = refName;
              c.secretUid = refUid;
            }
            break;
          case K_NODE:
            if (ref(member)) {
              c.node = true;
              c.nodeName = refName;
              c.nodeUid = refUid;
            }
            break;
          case K_WARNAFTER:
            c.hasWarnAfter = numericDate(KUBERNETES_CLAIMS[member]);
            c.warnAfter = date;
            break;
          default:
            skipValue();
        }
      } while (nextMember());
    }
    depth--;
  }

  /** An object reference {@code {"name":..,"uid":..}} into refName and refUid; false when null. */
  private boolean ref(int member) {
    int kind = peek();
    if (kind == NULL) {
      pos = literalEnd;
      return false;
    }
    String what = KUBERNETES_CLAIMS[member];
    expect(kind, OBJECT, what);
    refName = null;
    refUid = null;
    beginContainer();
    if (firstMember()) {
      do {
        switch (name(REF)) {
          case 0:
            refName = string(what, ".name");
            break;
          case 1:
            refUid = string(what, ".uid");
            break;
          default:
            skipValue();
        }
      } while (nextMember());
    }
    depth--;
    return true;
  }

  private @Nullable List<String> audience() {
    int kind = peek();
    if (kind == NULL) {
      pos = literalEnd;
      return null;
    }
    if (kind == STRING) {
      return List.of(readString());
    }
    if (kind != ARRAY) {
      throw Failure.malformed("claim aud must be a string or an array of strings, got " + describe(kind));
    }
    beginContainer();
    if (!firstElement()) {
      depth--;
      return List.of();
    }
    String first = audienceElement();
    if (!nextElement()) {
      depth--;
      return List.of(first);
    }
    List<String> out = new ArrayList<>(4);
    out.add(first);
    do {
      out.add(audienceElement());
    } while (nextElement());
    depth--;
    return List.copyOf(out);
  }

  private String audienceElement() {
    int kind = peek();
    if (kind != STRING) {
      throw Failure.malformed("claim aud must be a string or an array of strings, found " + describe(kind) + " in the array");
    }
    return readString();
  }

  private @Nullable String string(String what) {
    return string(what, "");
  }

  /** A string or null; a type error names the claim {@code what + suffix}. */
  private @Nullable String string(String what, String suffix) {
    int kind = peek();
    if (kind == NULL) {
      pos = literalEnd;
      return null;
    }
    if (kind != STRING) {
      throw Failure.malformed("claim " + what + suffix + " must be a string, got " + describe(kind));
    }
    return readString();
  }

  /**
   * A NumericDate into {@link #date}: any JSON number, truncated toward zero like go-jose's
   * float-to-int64 conversion; false when the claim is null.
   */
  private boolean numericDate(String what) {
    int kind = peek();
    if (kind == NULL) {
      pos = literalEnd;
      date = 0;
      return false;
    }
    if (kind != NUMBER) {
      throw Failure.malformed("claim " + what + " must be a number (NumericDate), got " + describe(kind));
    }
    int from = pos;
    pos = literalEnd;
    if (plainInteger(from, literalEnd)) {
      return true;
    }
    if (!truncatedLong(in, from, literalEnd)) {
      throw Failure.malformed("claim " + what + " is out of range for a NumericDate");
    }
    date = truncated;
    return true;
  }

  // --- structure -------------------------------------------------------------------------------

  private void beginTop() {
    skipWhitespace();
    if (pos == end) {
      throw invalid();
    }
    int kind = peek();
    if (kind != OBJECT) {
      throw Failure.malformed("the " + part + " is not a JSON object (found " + describe(kind) + ")");
    }
    beginContainer();
  }

  private void endTop() {
    depth--;
    skipWhitespace();
    if (pos != end) {
      throw invalid();
    }
  }

  /** Consumes the '{' or '[' at pos, within the nesting limit. */
  private void beginContainer() {
    if (++depth > NESTING_LIMIT) {
      throw Failure.malformed("the " + part + " nests deeper than " + NESTING_LIMIT + " levels");
    }
    pos++;
  }

  /** After '{': whether a member follows (else consumes the '}'). */
  private boolean firstMember() {
    return first('}');
  }

  /** After a member's value: whether another member follows (consuming the ','), else consumes the '}'. */
  private boolean nextMember() {
    return next('}');
  }

  /** After '[': whether an element follows (else consumes the ']'). */
  private boolean firstElement() {
    return first(']');
  }

  private boolean nextElement() {
    return next(']');
  }

  private boolean first(char close) {
    skipWhitespace();
    if (pos < end && in[pos] == close) {
      pos++;
      return false;
    }
    return true;
  }

  private boolean next(char close) {
    skipWhitespace();
    if (pos < end) {
      byte b = in[pos++];
      if (b == ',') {
        return true;
      }
      if (b == close) {
        return false;
      }
    }
    throw invalid();
  }

  /** Reads a member's name and the ':' after it: the index of the name among {@code names}, or -1. */
  private int name(@Nullable Names names) {
    skipWhitespace();
    if (pos == end || in[pos] != '"') {
      throw invalid();
    }
    int from = ++pos;
    int found = names == null ? -1 : names.at(in, from, end);
    if (found >= 0) {
      pos = from + names.bytes[found].length + 1; // a name sought, with no escape: nothing to scan
    } else {
      boolean plain = scanString();
      int to = pos - 1;
      found = names == null ? -1 : plain ? -1 : names.find(unescape(from, to));
    }
    skipWhitespace();
    if (pos == end || in[pos] != ':') {
      throw invalid();
    }
    pos++;
    return found;
  }

  /** The kind of the value at pos (after whitespace); a number or keyword is checked whole. */
  private int peek() {
    skipWhitespace();
    if (pos == end) {
      throw invalid();
    }
    switch (in[pos]) {
      case '{':
        return OBJECT;
      case '[':
        return ARRAY;
      case '"':
        return STRING;
      case 't':
        return keyword("true", BOOLEAN);
      case 'f':
        return keyword("false", BOOLEAN);
      case 'n':
        return keyword("null", NULL);
      default:
        literalEnd = numberEnd(pos);
        return NUMBER;
    }
  }

  private int keyword(String word, int kind) {
    int n = word.length();
    if (end - pos < n) {
      throw invalid();
    }
    for (int i = 1; i < n; i++) {
      if (in[pos + i] != word.charAt(i)) {
        throw invalid();
      }
    }
    literalEnd = delimited(pos + n);
    return kind;
  }

  /**
   * The end of the number literal at {@code from}: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}
   * of at most {@value #MAX_NUMBER_CHARS} characters.
   */
  private int numberEnd(int from) {
    int i = from;
    if (i < end && in[i] == '-') {
      i++;
    }
    if (i < end && in[i] == '0') {
      i++;
    } else {
      i = digits(i);
    }
    if (i < end && in[i] == '.') {
      i = digits(i + 1);
    }
    if (i < end && (in[i] == 'e' || in[i] == 'E')) {
      i++;
      if (i < end && (in[i] == '+' || in[i] == '-')) {
        i++;
      }
      i = digits(i);
    }
    if (i - from > MAX_NUMBER_CHARS) {
      throw invalid();
    }
    return delimited(i);
  }

  /** The end of the one or more digits at {@code from}. */
  private int digits(int from) {
    byte[] in = this.in;
    int i = from;
    while (i < end && in[i] >= '0' && in[i] <= '9') {
      i++;
    }
    if (i == from) {
      throw invalid();
    }
    return i;
  }

  /** A literal must be followed by a delimiter (or the end), not run on into other characters. */
  private int delimited(int at) {
    if (at < end) {
      switch (in[at]) {
        case ',':
        case '}':
        case ']':
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case ':':
        case '{':
        case '[':
        case '"':
          break;
        default:
          throw invalid();
      }
    }
    return at;
  }

  private void skipValue() {
    switch (peek()) {
      case OBJECT:
        beginContainer();
        if (firstMember()) {
          do {
            name(null);
            skipValue();
          } while (nextMember());
        }
        depth--;
        break;
      case ARRAY:
        beginContainer();
        if (firstElement()) {
          do {
            skipValue();
          } while (nextElement());
        }
        depth--;
        break;
      case STRING:
        pos++;
        scanString();
        break;
      default:
        pos = literalEnd;
    }
  }

  private void skipWhitespace() {
    if (pos < end && in[pos] > ' ') {
      return; // compact JSON, the usual case
    }
    // Locals, not fields, in the loops that run over many bytes: the JIT keeps them in registers.
    byte[] in = this.in;
    int p = pos;
    while (p < end) {
      byte b = in[p];
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        break;
      }
      p++;
    }
    pos = p;
  }

  // --- strings ---------------------------------------------------------------------------------

  /**
   * From just after an opening quote to just after the closing one, checking escapes and refusing
   * control characters: true when the string has no escape (its bytes are its UTF-8 text).
   */
  private boolean scanString() {
    boolean plain = true;
    int p = pos;
    while (true) {
      p = plainRun(p);
      if (p == end) {
        throw invalid();
      }
      byte b = in[p++];
      if (b == '"') {
        pos = p;
        return plain;
      }
      if (b != '\\') {
        throw invalid(); // a control character
      }
      plain = false;
      pos = p;
      escape();
      p = pos;
    }
  }

  /** The bytes that end a plain run in a string body: quote, backslash and the control characters. */
  private static final boolean[] STRING_STOP = new boolean[256];

  static {
    for (int b = 0; b < 0x20; b++) {
      STRING_STOP[b] = true;
    }
    STRING_STOP['"'] = true;
    STRING_STOP['\\'] = true;
  }

  private static final VarHandle LITTLE_ENDIAN_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  /**
   * The bytes of {@code w} that end a plain run or are outside ASCII, each marked by its high bit (a
   * word-at-a-time test). For a byte b under 0x80, {@code b + 0x60} has its high bit clear exactly
   * when b is a control character, and {@code (b ^ q) + 0x7f} exactly when b is q; neither sum carries
   * into the next byte, so every mark is exact. A byte of 0x80 or more is marked itself, and may make
   * the sums carry into the bytes after it, whose marks then mean nothing: only the lowest mark counts.
   */
  private static long stops(long w) {
    long control = ~(w + 0x6060606060606060L);
    long quote = ~((w ^ 0x2222222222222222L) + 0x7f7f7f7f7f7f7f7fL);
    long backslash = ~((w ^ 0x5c5c5c5c5c5c5c5cL) + 0x7f7f7f7f7f7f7f7fL);
    return (w | control | quote | backslash) & HIGH_BITS;
  }

  /**
   * The index of the first quote, backslash or control character at or after {@code p} in a string
   * body, or the end; notes in {@link #nonAscii} whether it passed a byte of a multi-byte character.
   * Eight bytes are examined at a time while the JSON holds eight more, up to the first byte that
   * stops the run or is not ASCII; after a byte that is not ASCII, the rest goes one byte at a time.
   */
  private int plainRun(int p) {
    byte[] in = this.in;
    while (p + 8 <= end) {
      long marks = stops((long) LITTLE_ENDIAN_LONG.get(in, p));
      if (marks != 0) {
        p += Long.numberOfTrailingZeros(marks) >>> 3; // the first marked byte
        if (in[p] >= 0) {
          return p; // a quote, a backslash or a control character
        }
        break;
      }
      p += 8;
    }
    int high = 0;
    while (p < end) {
      byte b = in[p];
      if (STRING_STOP[b & 0xff]) {
        break;
      }
      high |= b;
      p++;
    }
    if (high < 0) {
      nonAscii = true;
    }
    return p;
  }

  /** Checks the escape after a backslash (pos is after the backslash) and returns its character. */
  private char escape() {
    if (pos == end) {
      throw invalid();
    }
    byte b = in[pos++];
    switch (b) {
      case '"':
      case '\\':
      case '/':
        return (char) b;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
        if (end - pos < 4) {
          throw invalid();
        }
        int c = 0;
        for (int i = 0; i < 4; i++) {
          int h = Character.digit(in[pos++], 16);
          if (h < 0) {
            throw invalid();
          }
          c = c << 4 | h;
        }
        return (char) c;
      default:
        throw invalid();
    }
  }

  /** The string at pos (its opening quote), consumed. */
  @SuppressWarnings("deprecation") // String(byte[], int, int, int): exact for ASCII, and small enough to inline
  private String readString() {
    int from = pos + 1;
    nonAscii = false;
    int p = plainRun(from);
    if (p < end && in[p] == '"') {
      pos = p + 1;
      return nonAscii ? new String(in, from, p - from, StandardCharsets.UTF_8) : new String(in, 0, from, p - from);
    }
    pos = from;
    scanString(); // an escape, or a refusal
    return unescape(from, pos - 1);
  }

  /** The text of the already checked string body {@code in[from, to)}, escapes resolved. */
  private String unescape(int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    int saved = pos;
    int run = from;
    pos = from;
    while (pos < to) {
      if (in[pos] == '\\') {
        sb.append(new String(in, run, pos - run, StandardCharsets.UTF_8));
        pos++;
        sb.append(escape());
        run = pos;
      } else {
        pos++;
      }
    }
    sb.append(new String(in, run, to - run, StandardCharsets.UTF_8));
    pos = saved;
    return sb.toString();
  }

  // --- numbers ---------------------------------------------------------------------------------

  /** Exponents beyond this cannot bring any literal that fits in a token into or out of range. */
  private static final int EXPONENT_SATURATION = 1_000_000_000;

  /** The common case, into {@link #date}: a plain integer of at most 18 digits, which cannot overflow. */
  private boolean plainInteger(int from, int to) {
    byte[] in = this.in;
    boolean negative = in[from] == '-';
    int i = negative ? from + 1 : from;
    if (to - i > 18) {
      return false;
    }
    long v = 0;
    for (; i < to; i++) {
      int d = in[i] - '0';
      if (d < 0 || d > 9) {
        return false;
      }
      v = v * 10 + d;
    }
    date = negative ? -v : v;
    return true;
  }

  /**
   * The JSON number literal {@code s[from, to)} (already checked) truncated toward zero into {@link
   * #truncated}; false when it is out of the long range. The range is decided from the literal's
   * digits and exponent before any arithmetic, in time linear in its length: a value of 10^19 or
   * more is out of range at once (go-jose refuses what {@code ParseFloat} makes infinite), one under
   * 1 in magnitude truncates to 0, and only the at most 19 integer digits of what remains are ever
   * converted. No BigDecimal or BigInteger.
   */
  private boolean truncatedLong(byte[] s, int from, int to) {
    int i = from;
    boolean negative = s[i] == '-';
    if (negative) {
      i++;
    }
    int intStart = i;
    while (i < to && s[i] >= '0' && s[i] <= '9') {
      i++;
    }
    int intEnd = i;
    int fracStart = intEnd;
    int fracEnd = intEnd;
    if (i < to && s[i] == '.') {
      i++;
      fracStart = i;
      while (i < to && s[i] >= '0' && s[i] <= '9') {
        i++;
      }
      fracEnd = i;
    }
    long exponent = 0;
    if (i < to && (s[i] == 'e' || s[i] == 'E')) {
      i++;
      boolean negExp = false;
      if (s[i] == '+' || s[i] == '-') {
        negExp = s[i] == '-';
        i++;
      }
      while (i < to) {
        if (exponent < EXPONENT_SATURATION) {
          exponent = exponent * 10 + (s[i] - '0');
        }
        i++;
      }
      exponent = Math.min(exponent, EXPONENT_SATURATION);
      if (negExp) {
        exponent = -exponent;
      }
    }
    // The significant digits are int digits then fraction digits; find the first non-zero one.
    int intDigits = intEnd - intStart;
    int total = intDigits + (fracEnd - fracStart);
    int first = 0;
    while (first < total && digitAt(s, intStart, intDigits, fracStart, first) == '0') {
      first++;
    }
    if (first == total) {
      truncated = 0;
      return true;
    }
    // How many digits of the value lie before the decimal point, counted from the first non-zero.
    long integerDigits = (long) intDigits - first + exponent;
    if (integerDigits <= 0) {
      truncated = 0;
      return true;
    }
    if (integerDigits > 19) {
      return false;
    }
    long v = 0;
    for (int k = 0; k < integerDigits; k++) {
      int at = first + k;
      int d = at < total ? digitAt(s, intStart, intDigits, fracStart, at) - '0' : 0;
      // Accumulate negatively: the long range has one more negative value than positive ones.
      if (v < (Long.MIN_VALUE + d) / 10) {
        return false;
      }
      v = v * 10 - d;
    }
    if (!negative && v == Long.MIN_VALUE) {
      return false;
    }
    truncated = negative ? v : -v;
    return true;
  }

  private static byte digitAt(byte[] s, int intStart, int intDigits, int fracStart, int index) {
    return index < intDigits ? s[intStart + index] : s[fracStart + index - intDigits];
  }

  // --- failures --------------------------------------------------------------------------------

  private void expect(int kind, int want, String what) {
    if (kind != want) {
      throw Failure.malformed("claim " + what + " must be " + describe(want) + ", got " + describe(kind));
    }
  }

  private Failure invalid() {
    return Failure.malformed("the " + part + " is not valid JSON");
  }

  private static String describe(int kind) {
    switch (kind) {
      case OBJECT:
        return "an object";
      case ARRAY:
        return "an array";
      case STRING:
        return "a string";
      case NUMBER:
        return "a number";
      case BOOLEAN:
        return "a boolean";
      default:
        return "null";
    }
  }

  /** Member names to look for, as bytes (for names without escapes) and as strings. */
  private static final class Names {
    final String[] strings;
    final byte[][] bytes;
    /** The indexes of the names that start with each ASCII byte. */
    final int[][] byFirstByte = new int[128][];
    /**
     * Each name followed by its closing quote, as little-endian longs (the last one padded with
     * zeros), and the mask of the last long's bytes that belong to it: a name is matched eight bytes
     * at a time.
     */
    final long[][] words;
    final long[] lastMask;

    Names(String... names) {
      this.strings = names;
      this.bytes = new byte[names.length][];
      this.words = new long[names.length][];
      this.lastMask = new long[names.length];
      for (int i = 0; i < names.length; i++) {
        bytes[i] = names[i].getBytes(StandardCharsets.US_ASCII);
        int first = bytes[i][0];
        int[] list = byFirstByte[first] == null ? new int[0] : byFirstByte[first];
        list = java.util.Arrays.copyOf(list, list.length + 1);
        list[list.length - 1] = i;
        byFirstByte[first] = list;
        int quoted = bytes[i].length + 1;
        words[i] = new long[(quoted + 7) / 8];
        for (int k = 0; k < quoted; k++) {
          long b = k < bytes[i].length ? bytes[i][k] : '"';
          words[i][k / 8] |= b << (8 * (k % 8));
        }
        int inLast = quoted - 8 * (words[i].length - 1);
        lastMask[i] = inLast == 8 ? -1L : (1L << (8 * inLast)) - 1;
      }
    }

    /**
     * The index of the name that stands literally at {@code in[from]} followed by its closing quote,
     * or -1 (an other name, or one written with escapes). No name holds a quote or a backslash, so a
     * literal match followed by a quote is the whole name.
     */
    int at(byte[] in, int from, int end) {
      if (from >= end || in[from] < 0) {
        return -1;
      }
      int[] candidates = byFirstByte[in[from]];
      if (candidates == null) {
        return -1;
      }
      for (int i : candidates) {
        if (from + bytes[i].length < end && same(i, in, from)) {
          return i;
        }
      }
      return -1;
    }

    /**
     * Whether name {@code i} and a quote stand at {@code in[from]}, which holds that many bytes
     * before the end of the JSON. Compared a long at a time where the array holds whole longs there
     * (the bytes read past the name's quote, which may lie past the JSON's end, are masked off).
     */
    private boolean same(int i, byte[] in, int from) {
      long[] w = words[i];
      int last = w.length - 1;
      if (from + 8 * w.length <= in.length) {
        for (int k = 0; k < last; k++) {
          if ((long) LITTLE_ENDIAN_LONG.get(in, from + 8 * k) != w[k]) {
            return false;
          }
        }
        return ((long) LITTLE_ENDIAN_LONG.get(in, from + 8 * last) & lastMask[i]) == w[last];
      }
      byte[] name = bytes[i];
      for (int k = 0; k < name.length; k++) {
        if (name[k] != in[from + k]) {
          return false;
        }
      }
      return in[from + name.length] == '"';
    }

    /** The index of an unescaped name, or -1. */
    int find(String name) {
      for (int i = 0; i < strings.length; i++) {
        if (strings[i].equals(name)) {
          return i;
        }
      }
      return -1;
    }
  }
}
