package dev.saidentity.core.internal;

import dev.saidentity.core.TokenValidationException.Reason;
import java.nio.charset.StandardCharsets;

/**
 * A compact JWS split and decoded in one pass: header and payload are base64url-decoded (in place
 * into the token's bytes, or beside them when they are kept for verification), and the header and
 * claims are read straight from the decoded bytes. Parsing checks
 * structure and JSON types only; it proves nothing about the signature.
 */
public final class ParsedToken {

  /** Tokens longer than this are refused before any parsing. */
  public static final int MAX_LENGTH = 64 * 1024;

  public final String token;
  /** The signing input is {@code token[0, signingInputLength)} (header and payload with their dot). */
  public final int signingInputLength;
  public final Header header;
  public final Claims claims;

  private ParsedToken(String token, int signingInputLength, Header header, Claims claims) {
    this.token = token;
    this.signingInputLength = signingInputLength;
    this.header = header;
    this.claims = claims;
  }

  /**
   * Splits and decodes; surrounding whitespace is stripped first, as go-jose does. Header and payload
   * are decoded in place, into the start of the token's bytes, which are then dropped.
   *
   * @throws Failure MALFORMED on any structural fault
   */
  public static ParsedToken parse(String raw) {
    String token = stripped(raw);
    byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
    return parse(token, bytes, false).parsed;
  }

  /**
   * As {@link #parse(String)}, for verification: header and payload are decoded into an array of
   * their own, so that the token's bytes stay intact and the signature is verified over them with no
   * further copy, and the signature is decoded where {@link #parse(String)} only checks it.
   *
   * @throws Failure MALFORMED on any structural fault
   */
  public static Signed parseSigned(String raw) {
    String token = stripped(raw);
    return parse(token, token.getBytes(StandardCharsets.ISO_8859_1), true);
  }

  /** A parsed token with its bytes and decoded signature, for {@link Verifier}; never kept beyond one validation. */
  public static final class Signed {
    public final ParsedToken parsed;
    /** The token's ASCII bytes, intact: the signing input is their first {@code parsed.signingInputLength}. */
    final byte[] bytes;
    /** The decoded signature, of its exact length (empty when parsed in place, where it is not kept). */
    final byte[] signature;

    Signed(ParsedToken parsed, byte[] bytes, byte[] signature) {
      this.parsed = parsed;
      this.bytes = bytes;
      this.signature = signature;
    }
  }

  /** The token within the length limit, with surrounding whitespace stripped, not empty. */
  private static String stripped(String raw) {
    if (raw.length() > MAX_LENGTH) {
      throw Failure.malformed("the token is " + raw.length() + " characters long, over the limit of " + MAX_LENGTH);
    }
    String token = raw;
    if (!token.isEmpty() && (token.charAt(0) <= ' ' || token.charAt(token.length() - 1) <= ' ')) {
      token = token.strip();
    }
    if (token.isEmpty()) {
      throw Failure.malformed("the token is empty");
    }
    return token;
  }

  /**
   * Parses the stripped {@code token}, whose ISO-8859-1 bytes are {@code bytes}: with {@code keep},
   * header and payload are decoded beside them and the signature is decoded; without, they are decoded
   * in place (the bytes are then no longer the token's) and the signature segment is only checked.
   */
  private static Signed parse(String token, byte[] bytes, boolean keep) {
    if (token.charAt(0) == '{') {
      throw Failure.malformed("JWS JSON serialization is not accepted, only compact serialization");
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 < 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      throw Failure.malformed("a compact JWS has exactly 3 dot-separated segments, this has " + segments(token));
    }
    // Every segment is checked before any JSON is read, in order. In place, header and payload are
    // decoded into the start of the token's bytes (decoding shrinks, so it never overtakes its input).
    byte[] out = !keep ? bytes : new byte[Base64Url.decodedLength(dot1) + Base64Url.decodedLength(dot2 - dot1 - 1)];
    int headerLength = decode(bytes, 0, dot1, out, 0, "header");
    int payloadLength = decode(bytes, dot1 + 1, dot2, out, headerLength, "payload");
    byte[] signature = keep ? new byte[Base64Url.decodedLength(bytes.length - dot2 - 1)] : NO_BYTES;
    boolean signatureOk = keep
        ? Base64Url.decode(bytes, dot2 + 1, bytes.length, signature, 0) >= 0
        : Base64Url.valid(bytes, dot2 + 1, bytes.length);
    if (!signatureOk) {
      throw segmentFault(bytes, dot2 + 1, bytes.length, "signature");
    }
    Header header = Json.parseHeader(out, 0, headerLength);
    if (header.alg == null) {
      throw new Failure(Reason.MALFORMED, "malformed token", "the header has no alg");
    }
    if (header.crit) {
      throw Failure.malformed("the header lists critical extensions (crit), none of which is supported");
    }
    Claims claims = Json.parseClaims(out, headerLength, headerLength + payloadLength);
    return new Signed(new ParsedToken(token, dot2, header, claims), bytes, signature);
  }

  private static final byte[] NO_BYTES = new byte[0];

  private static int segments(String token) {
    int n = 1;
    for (int i = 0; i < token.length(); i++) {
      if (token.charAt(i) == '.') {
        n++;
      }
    }
    return n;
  }

  private static int decode(byte[] in, int from, int to, byte[] out, int at, String part) {
    int n = Base64Url.decode(in, from, to, out, at);
    if (n < 0) {
      // A segment of impossible length is refused before anything is written, so it is intact for
      // segmentFault(..); any other refusal is a stray character.
      throw ((to - from) & 3) == 1 ? segmentFault(in, from, to, part) : Failure.malformed("the " + part + " segment is not unpadded base64url");
    }
    return n;
  }

  /** Why an intact segment is refused: a stray character is reported before an impossible length. */
  private static Failure segmentFault(byte[] in, int from, int to, String part) {
    return Failure.malformed(Base64Url.fault(in, from, to) == Base64Url.Fault.IMPOSSIBLE_LENGTH
        ? "the " + part + " segment has an impossible base64url length"
        : "the " + part + " segment is not unpadded base64url");
  }
}
