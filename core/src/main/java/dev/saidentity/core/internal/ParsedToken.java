package dev.saidentity.core.internal;

import dev.saidentity.core.TokenValidationException.Reason;
import java.nio.charset.StandardCharsets;

/**
 * A compact JWS split and decoded in one pass: each segment's base64url is decoded straight from the
 * token's characters, and the header and claims are read straight from those bytes. Parsing checks
 * structure and JSON types only; it proves nothing about the signature.
 */
public final class ParsedToken {

  /** Tokens longer than this are refused before any parsing. */
  public static final int MAX_LENGTH = 64 * 1024;

  public final String token;
  /** The signing input is {@code token[0, signingInputLength)} (header and payload with their dot). */
  public final int signingInputLength;
  public final byte[] signature;
  public final Header header;
  public final Claims claims;

  private ParsedToken(String token, int signingInputLength, byte[] signature, Header header, Claims claims) {
    this.token = token;
    this.signingInputLength = signingInputLength;
    this.signature = signature;
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
    // Every segment is checked before any JSON is read, in order, as before.
    byte[] headerJson = decode(token, 0, dot1, "header");
    byte[] payloadJson = decode(token, dot1 + 1, dot2, "payload");
    byte[] signature = decode(token, dot2 + 1, token.length(), "signature");
    Header header = Json.parseHeader(headerJson);
    if (header.alg == null) {
      throw new Failure(Reason.MALFORMED, "malformed token", "the header has no alg");
    }
    if (header.crit) {
      throw Failure.malformed("the header lists critical extensions (crit), none of which is supported");
    }
    Claims claims = Json.parseClaims(payloadJson);
    return new ParsedToken(token, dot2, signature, header, claims);
  }

  /**
   * The signing input as the ASCII bytes the signature covers, in a new array of the whole token
   * (the signing input is its first {@link #signingInputLength} bytes). Made only for verification.
   */
  public byte[] bytes() {
    return token.getBytes(StandardCharsets.ISO_8859_1);
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

  private static byte[] decode(String token, int from, int to, String part) {
    byte[] out = Base64Url.decode(token, from, to);
    if (out == null) {
      throw Failure.malformed(Base64Url.fault(token, from, to) == Base64Url.Fault.IMPOSSIBLE_LENGTH
          ? "the " + part + " segment has an impossible base64url length"
          : "the " + part + " segment is not unpadded base64url");
    }
    return out;
  }
}
