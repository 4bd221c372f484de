package dev.saidentity.core.internal;

import dev.saidentity.core.TokenValidationException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A compact JWS split and decoded: header, claims, the signing input and the signature. Parsing
 * checks structure and JSON types only; it proves nothing about the signature.
 */
public final class ParsedToken {

  /** Tokens longer than this are refused before any parsing. */
  public static final int MAX_LENGTH = 64 * 1024;

  private static final Base64.Decoder B64 = Base64.getUrlDecoder();

  public final String token;
  /** The token as ASCII bytes; the signing input is {@code bytes[0, signingInputLength)}. */
  public final byte[] bytes;
  public final int signingInputLength;
  public final byte[] signature;
  public final Header header;
  public final Claims claims;

  private ParsedToken(String token, byte[] bytes, int signingInputLength, byte[] signature, Header header, Claims claims) {
    this.token = token;
    this.bytes = bytes;
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
    byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
    byte[] headerJson = decode(bytes, 0, dot1, "header");
    byte[] payloadJson = decode(bytes, dot1 + 1, dot2, "payload");
    byte[] signature = decode(bytes, dot2 + 1, bytes.length, "signature");
    Header header = Json.parseHeader(new String(headerJson, StandardCharsets.UTF_8));
    if (header.alg == null) {
      throw new Failure(Reason.MALFORMED, "malformed token", "the header has no alg");
    }
    if (header.crit) {
      throw Failure.malformed("the header lists critical extensions (crit), none of which is supported");
    }
    Claims claims = Json.parseClaims(new String(payloadJson, StandardCharsets.UTF_8));
    return new ParsedToken(token, bytes, dot2, signature, header, claims);
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

  private static byte[] decode(byte[] bytes, int from, int to, String part) {
    for (int i = from; i < to; i++) {
      byte b = bytes[i];
      if (!((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_')) {
        throw Failure.malformed("the " + part + " segment is not unpadded base64url");
      }
    }
    if ((to - from) % 4 == 1) {
      throw Failure.malformed("the " + part + " segment has an impossible base64url length");
    }
    try {
      ByteBuffer out = B64.decode(ByteBuffer.wrap(bytes, from, to - from));
      byte[] a = new byte[out.remaining()];
      out.get(a);
      return a;
    } catch (IllegalArgumentException e) {
      throw Failure.malformed("the " + part + " segment is not unpadded base64url");
    }
  }
}
