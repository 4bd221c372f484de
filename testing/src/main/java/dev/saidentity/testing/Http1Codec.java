package dev.saidentity.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/1.1 framing for {@link Http1Server}: the request head (bounded line length, header bytes and
 * count, a deadline for the whole head), request bodies (Content-Length or chunked, capped), and
 * response heads and chunked bodies. Not thread-safe: one instance per connection.
 */
final class Http1Codec {

  /** The request line is at most this long; longer is answered 414 URI Too Long. */
  static final int MAX_REQUEST_LINE = 64 << 10;
  /** The header lines together are at most this long; longer is answered 431. */
  static final int MAX_HEADER_BYTES = 128 << 10;
  /** At most this many header lines; more is answered 431. */
  static final int MAX_HEADERS = 200;

  /** A malformed or over-long request, answered with a plain-text status and the connection closed. */
  static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    final int code;

    BadRequest(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /** A request head: method, target split into raw path and raw query, version, headers (names in lower case). */
  static final class Head {
    final String method;
    final String rawPath;
    final String rawQuery;
    final boolean http10;
    final Map<String, List<String>> headers;

    Head(String method, String rawPath, String rawQuery, boolean http10, Map<String, List<String>> headers) {
      this.method = method;
      this.rawPath = rawPath;
      this.rawQuery = rawQuery;
      this.http10 = http10;
      this.headers = headers;
    }

    @Nullable String header(String lowerCaseName) {
      List<String> v = headers.get(lowerCaseName);
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    boolean hasToken(String lowerCaseName, String token) {
      for (String v : headers.getOrDefault(lowerCaseName, List.of())) {
        for (String t : v.split(",")) {
          if (t.strip().equalsIgnoreCase(token)) {
            return true;
          }
        }
      }
      return false;
    }

    /** Whether the client wants the connection kept after this exchange. */
    boolean keepAlive() {
      return http10 ? hasToken("connection", "keep-alive") : !hasToken("connection", "close");
    }
  }

  private static final DateTimeFormatter DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

  private final Socket socket;
  private final InputStream in;
  private final byte[] buf = new byte[8192];
  private int pos;
  private int end;
  /** While reading a head: when it must be complete (System.nanoTime), else 0. */
  private long deadline;
  private int idleMillis;

  Http1Codec(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  /** Waits at most {@code millis} for the first byte of the next request; false when the client closed the connection. */
  boolean awaitRequest(int millis) throws IOException {
    this.deadline = 0;
    this.idleMillis = millis;
    return fill();
  }

  /** Reads of the head must all complete by {@code nanoTime}. */
  void headDeadline(long nanoTime) {
    this.deadline = nanoTime;
  }

  /** Reads of a body each wait at most {@code millis} (0: the head deadline applies). */
  void bodyIdleTimeout(int millis) {
    this.deadline = 0;
    this.idleMillis = millis;
  }

  private boolean fill() throws IOException {
    if (pos < end) {
      return true;
    }
    if (deadline != 0) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new SocketTimeoutException("request head not complete in time");
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
    } else {
      socket.setSoTimeout(idleMillis);
    }
    int n = in.read(buf, 0, buf.length);
    if (n <= 0) {
      return false;
    }
    pos = 0;
    end = n;
    return true;
  }

  /** One CRLF- (or LF-) terminated line without its terminator, or null at end of stream before any byte. */
  private @Nullable String line(int max, int tooLong, String what) throws IOException, BadRequest {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    while (true) {
      if (!fill()) {
        if (line.size() == 0) {
          return null;
        }
        throw new BadRequest(400, "unexpected end of the request " + what);
      }
      int b = buf[pos++] & 0xff;
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
      }
      if (line.size() >= max) {
        throw new BadRequest(tooLong, what + " too long");
      }
      line.write(b);
    }
  }

  /** The next request head, or null when the client closed the connection between requests. */
  @Nullable Head readHead() throws IOException, BadRequest {
    String requestLine = line(MAX_REQUEST_LINE, 414, "line");
    while (requestLine != null && requestLine.isEmpty()) {
      requestLine = line(MAX_REQUEST_LINE, 414, "line"); // RFC 9112 2.2: ignore empty lines before a request
    }
    if (requestLine == null) {
      return null;
    }
    String[] parts = requestLine.split(" ", -1);
    if (parts.length != 3 || parts[0].isEmpty() || !parts[0].chars().allMatch(c -> c > 32 && c < 127)) {
      throw new BadRequest(400, "malformed request line");
    }
    if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
      throw new BadRequest(505, "HTTP version not supported");
    }
    String target = parts[1];
    if (target.startsWith("http://") || target.startsWith("https://")) { // absolute form
      int slash = target.indexOf('/', target.indexOf("//") + 2);
      target = slash < 0 ? "/" : target.substring(slash);
    }
    if (!target.startsWith("/")) {
      throw new BadRequest(400, "malformed request target");
    }
    int q = target.indexOf('?');
    Map<String, List<String>> headers = new LinkedHashMap<>();
    int bytes = 0;
    int count = 0;
    while (true) {
      String h = line(MAX_HEADER_BYTES - bytes, 431, "header fields");
      if (h == null) {
        throw new BadRequest(400, "unexpected end of the request head");
      }
      if (h.isEmpty()) {
        break;
      }
      bytes += h.length() + 2;
      if (++count > MAX_HEADERS) {
        throw new BadRequest(431, "more than " + MAX_HEADERS + " header fields");
      }
      int colon = h.indexOf(':');
      if (colon <= 0 || Character.isWhitespace(h.charAt(colon - 1)) || Character.isWhitespace(h.charAt(0))) {
        throw new BadRequest(400, "malformed header field");
      }
      headers.computeIfAbsent(h.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.substring(colon + 1).strip());
    }
    return new Head(parts[0], q < 0 ? target : target.substring(0, q), q < 0 ? "" : target.substring(q + 1), parts[2].equals("HTTP/1.0"),
        headers);
  }

  /** Exactly {@code n} body bytes. */
  byte[] readFixed(int n) throws IOException, BadRequest {
    byte[] out = new byte[n];
    int off = 0;
    while (off < n) {
      if (!fill()) {
        throw new BadRequest(400, "the request body ended early");
      }
      int c = Math.min(n - off, end - pos);
      System.arraycopy(buf, pos, out, off, c);
      pos += c;
      off += c;
    }
    return out;
  }

  /** A chunked body, or null as soon as it passes {@code max} bytes (the rest is left unread). */
  byte @Nullable [] readChunked(int max) throws IOException, BadRequest {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = line(1024, 400, "chunk size line");
      if (sizeLine == null) {
        throw new BadRequest(400, "the request body ended early");
      }
      int semi = sizeLine.indexOf(';');
      String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip();
      long size;
      try {
        size = hex.isEmpty() || hex.length() > 15 ? -1 : Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        size = -1;
      }
      if (size < 0) {
        throw new BadRequest(400, "malformed chunk size");
      }
      if (size == 0) {
        for (int i = 0; ; i++) { // trailer fields, ignored
          String t = line(MAX_HEADER_BYTES, 431, "trailer fields");
          if (t == null || i > MAX_HEADERS) {
            throw new BadRequest(400, "malformed trailer");
          }
          if (t.isEmpty()) {
            return body.toByteArray();
          }
        }
      }
      if (body.size() + size > max) {
        return null;
      }
      body.write(readFixed((int) size));
      String crlf = line(2, 400, "chunk");
      if (crlf == null || !crlf.isEmpty()) {
        throw new BadRequest(400, "malformed chunk");
      }
    }
  }

  /** Writes a response head. {@code contentLength} -1 means chunked. */
  static void writeHead(OutputStream out, int code, Map<String, String> headers, long contentLength, boolean close, boolean http10)
      throws IOException {
    StringBuilder sb = new StringBuilder(256);
    sb.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(code).append(' ').append(reason(code)).append("\r\n");
    sb.append("Date: ").append(DATE.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n");
    headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    if (contentLength >= 0) {
      sb.append("Content-Length: ").append(contentLength).append("\r\n");
    } else if (!http10) {
      sb.append("Transfer-Encoding: chunked\r\n");
    }
    if (close) {
      sb.append("Connection: close\r\n");
    } else if (http10) {
      sb.append("Connection: keep-alive\r\n");
    }
    sb.append("\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  /** A plain-text answer to a request that could not be read, as Go's server answers one. */
  static void writeError(OutputStream out, int code, String message) throws IOException {
    byte[] body = (code + " " + reason(code) + ": " + message).getBytes(StandardCharsets.UTF_8);
    writeHead(out, code, Map.of("Content-Type", "text/plain; charset=utf-8"), body.length, true, false);
    out.write(body);
    out.flush();
  }

  /** A body sent as chunks, each write one chunk, flushed at once (a watch's events reach the client as they happen). */
  static final class ChunkedOutput extends OutputStream {
    private final OutputStream out;

    ChunkedOutput(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return;
      }
      out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(b, off, len);
      out.write(CRLF);
      out.flush();
    }

    /** Writes the last chunk; does not close the connection. */
    void finish() throws IOException {
      out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    @Override
    public void close() {
      // the connection outlives the body; see finish()
    }
  }

  private static final byte[] CRLF = {'\r', '\n'};

  static String reason(int code) {
    switch (code) {
      case 100: return "Continue";
      case 200: return "OK";
      case 201: return "Created";
      case 202: return "Accepted";
      case 204: return "No Content";
      case 304: return "Not Modified";
      case 400: return "Bad Request";
      case 401: return "Unauthorized";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 405: return "Method Not Allowed";
      case 406: return "Not Acceptable";
      case 409: return "Conflict";
      case 410: return "Gone";
      case 413: return "Request Entity Too Large";
      case 414: return "Request URI Too Long";
      case 415: return "Unsupported Media Type";
      case 422: return "Unprocessable Entity";
      case 429: return "Too Many Requests";
      case 431: return "Request Header Fields Too Large";
      case 500: return "Internal Server Error";
      case 501: return "Not Implemented";
      case 503: return "Service Unavailable";
      case 504: return "Gateway Timeout";
      case 505: return "HTTP Version Not Supported";
      default: return "Status " + code;
    }
  }
}
