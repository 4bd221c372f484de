package dev.saidentity.core.internal;

import dev.saidentity.core.TokenValidationException.Reason;
import java.nio.charset.StandardCharsets;

/**
 * A compact JWS split and decoded in one pass: the token's bytes are decoded in place, and the header
 * and claims are read straight from the decoded bytes. Parsing checks
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
   * Splits and decodes; surrounding whitespace is stripped first, as go-jose does.
   *
   * @throws Failure MALFORMED on any structural fault
   */
  public static ParsedToken parse(String raw) {
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
    if (token.charAt(0) == '{') {
      throw Failure.malformed("JWS JSON serialization is not accepted, only compact serialization");
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 < 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      throw Failure.malformed("a compact JWS has exactly 3 dot-separated segments, this has " + segments(token));
    }
    // Every segment is checked before any JSON is read, in order. Header and payload are decoded in
    // place, into the start of the token's bytes (decoding shrinks, so it never overtakes its input).
    byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
    int headerLength = decode(bytes, 0, dot1, bytes, 0, "header");
    int payloadLength = decode(bytes, dot1 + 1, dot2, bytes, headerLength, "payload");
    // The signature is only checked here: it is decoded when verified.
    if (!Base64Url.valid(bytes, dot2 + 1, bytes.length)) {
      throw segmentFault(bytes, dot2 + 1, bytes.length, "signature");
    }
    Header header = Json.parseHeader(bytes, 0, headerLength);
    if (header.alg == null) {
      throw new Failure(Reason.MALFORMED, "malformed token", "the header has no alg");
    }
    if (header.crit) {
      throw Failure.malformed("the header lists critical extensions (crit), none of which is supported");
    }
    Claims claims = Json.parseClaims(bytes, headerLength, headerLength + payloadLength);
    return new ParsedToken(token, dot2, header, claims);
  }

  /**
   * The signing input as the ASCII bytes the signature covers, in a new array of the whole token
   * (the signing input is its first {@link #signingInputLength} bytes). Made only for verification.
   */
  public byte[] bytes() {
    return token.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The signature decoded from {@code bytes}, which is {@link #bytes()} (checked by {@link #parse(String)}). */
  public byte[] signature(byte[] bytes) {
    int from = signingInputLength + 1;
    byte[] signature = new byte[Base64Url.decodedLength(bytes.length - from)];
    Base64Url.decode(bytes, from, bytes.length, signature, 0);
    return signature;
  }

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
