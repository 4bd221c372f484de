package dev.saidentity.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes manifest bytes as YAML 1.2 (and kubectl) read them: UTF-8, UTF-16 or UTF-32 by the
 * byte-order mark, else by the pattern of zero bytes at the start (YAML 1.2, 5.2), else UTF-8; the
 * mark is dropped; bytes that are not valid in that encoding are an error with line and column.
 * Counts lines as it goes so that a position the YAML parser gives as a character offset can be
 * named by line and column. Not thread-safe.
 */
final class TextReader extends Reader {

  /** Bytes that cannot be decoded, with where (1-based line and column of the first character that could not be decoded). */
  static final class Undecodable extends IOException {
    private static final long serialVersionUID = 1L;
    final int line;
    final int column;

    Undecodable(String charset, int line, int column) {
      super("not valid " + charset, null);
      this.line = line;
      this.column = column;
    }
  }

  private static final int RECENT = 4096;

  private final InputStream in;
  private final CharsetDecoder decoder;
  private final ByteBuffer bytes = ByteBuffer.allocate(8192).flip();
  private boolean eof;
  private boolean flushed;
  private boolean errorPending;
  final String charset;
  private long codePoints;
  private int line = 1;
  private long lineStart;
  private boolean lastWasCr;
  /** The starts (code point offsets) of the most recent lines, by line number modulo RECENT. */
  private final long[] recentStarts = new long[RECENT];

  private TextReader(InputStream in, Charset charset) {
    this.in = in;
    this.decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    this.charset = charset.name();
  }

  /** A reader of {@code raw} in the encoding its first bytes announce. */
  static TextReader of(InputStream raw) throws IOException {
    PushbackInputStream in = new PushbackInputStream(raw, 4);
    byte[] head = in.readNBytes(4);
    int n = head.length;
    int b0 = n > 0 ? head[0] & 0xFF : -1;
    int b1 = n > 1 ? head[1] & 0xFF : -1;
    int b2 = n > 2 ? head[2] & 0xFF : -1;
    int b3 = n > 3 ? head[3] & 0xFF : -1;
    Charset cs;
    int skip;
    if (b0 == 0 && b1 == 0 && b2 == 0xFE && b3 == 0xFF) {
      cs = Charset.forName("UTF-32BE");
      skip = 4;
    } else if (b0 == 0xFF && b1 == 0xFE && b2 == 0 && b3 == 0) {
      cs = Charset.forName("UTF-32LE");
      skip = 4;
    } else if (b0 == 0xEF && b1 == 0xBB && b2 == 0xBF) {
      cs = StandardCharsets.UTF_8;
      skip = 3;
    } else if (b0 == 0xFE && b1 == 0xFF) {
      cs = StandardCharsets.UTF_16BE;
      skip = 2;
    } else if (b0 == 0xFF && b1 == 0xFE) {
      cs = StandardCharsets.UTF_16LE;
      skip = 2;
    } else if (n == 4 && b0 == 0 && b1 == 0 && b2 == 0 && b3 != 0) {
      cs = Charset.forName("UTF-32BE");
      skip = 0;
    } else if (n == 4 && b0 != 0 && b1 == 0 && b2 == 0 && b3 == 0) {
      cs = Charset.forName("UTF-32LE");
      skip = 0;
    } else if (n >= 2 && b0 == 0 && b1 != 0) {
      cs = StandardCharsets.UTF_16BE;
      skip = 0;
    } else if (n >= 2 && b0 != 0 && b1 == 0) {
      cs = StandardCharsets.UTF_16LE;
      skip = 0;
    } else {
      cs = StandardCharsets.UTF_8;
      skip = 0;
    }
    if (n > skip) {
      in.unread(head, skip, n - skip);
    }
    return new TextReader(in, cs);
  }

  @Override
  public int read(char[] buf, int off, int len) throws IOException {
    if (errorPending) {
      throw undecodable();
    }
    if (len == 0) {
      return 0;
    }
    // Decoded here, not by an InputStreamReader: that one throws without handing out the characters
    // before the bad bytes, so their position would be lost.
    CharBuffer out = CharBuffer.wrap(buf, off, len);
    while (out.position() == off) {
      CoderResult cr = decoder.decode(bytes, out, eof);
      if (cr.isError()) {
        if (out.position() == off) {
          throw undecodable();
        }
        errorPending = true;
        break;
      }
      if (out.position() > off || cr.isOverflow()) {
        break;
      }
      if (eof) {
        if (!flushed) {
          flushed = true;
          decoder.flush(out);
        }
        if (out.position() == off) {
          return -1;
        }
        break;
      }
      bytes.compact();
      int r = in.read(bytes.array(), bytes.position(), bytes.remaining());
      if (r < 0) {
        eof = true;
      } else {
        bytes.position(bytes.position() + r);
      }
      bytes.flip();
    }
    int n = out.position() - off;
    for (int i = off; i < off + n; i++) {
      char c = buf[i];
      if (Character.isLowSurrogate(c)) {
        continue;
      }
      codePoints++;
      if (c == '\n' && lastWasCr) {
        lineStart = codePoints;
        recentStarts[line % RECENT] = lineStart;
      } else if (c == '\n' || c == '\r') {
        line++;
        lineStart = codePoints;
        recentStarts[line % RECENT] = lineStart;
      }
      lastWasCr = c == '\r';
    }
    return n;
  }

  /** The 1-based {line, column} of the code point at {@code offset} (0-based), or null when it lies too far back. */
  int @org.jspecify.annotations.Nullable [] position(long offset) {
    recentStarts[line % RECENT] = lineStart;
    for (int l = line; l >= 1 && l > line - RECENT; l--) {
      long start = l == 1 ? 0 : recentStarts[l % RECENT];
      if (start <= offset) {
        return new int[] {l, (int) Math.min(Integer.MAX_VALUE, offset - start + 1)};
      }
    }
    return null;
  }

  private Undecodable undecodable() {
    return new Undecodable(charset, line, (int) Math.min(Integer.MAX_VALUE, codePoints - lineStart + 1));
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
