package dev.saidentity.testing;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server over a {@link ServerSocket} (or an {@link SSLServerSocket}: TLS 1.2/1.3,
 * ALPN {@code http/1.1} only): one daemon thread per connection (at most {@link #MAX_CONNECTIONS};
 * more are closed at once), TCP_NODELAY on every connection, a deadline for the TLS handshake and
 * for each request head once its first byte arrived, an idle timeout between requests, keep-alive, Content-Length and chunked request bodies
 * (capped), {@code Expect: 100-continue}, HEAD, streamed chunked answers flushed per write. Thread-safe.
 */
final class Http1Server implements AutoCloseable {

  /** What the server does with a request that was read: an answer, or null to drop the connection. */
  interface Handler {
    @Nullable ApiResponse handle(WireRequest request) throws InterruptedException;
  }

  /** A request as read from the wire: raw path and query, headers with lower-case names, the body or that it was too large. */
  static final class WireRequest {
    final String method;
    final String rawPath;
    final String rawQuery;
    final Map<String, List<String>> headers;
    final byte[] body;
    final boolean bodyTooLarge;

    WireRequest(Http1Codec.Head head, byte[] body, boolean bodyTooLarge) {
      this.method = head.method;
      this.rawPath = head.rawPath;
      this.rawQuery = head.rawQuery;
      this.headers = head.headers;
      this.body = body;
      this.bodyTooLarge = bodyTooLarge;
    }

    @Nullable String header(String lowerCaseName) {
      List<String> v = headers.get(lowerCaseName);
      return v == null || v.isEmpty() ? null : v.get(0);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(Http1Server.class);
  /** Connections served at once; one more is closed as soon as it is accepted. */
  static final int MAX_CONNECTIONS = 512;
  /** Default time the TLS handshake, and a request head from its first byte, may take (upstream's ReadHeaderTimeout is 32 s). */
  static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(10);
  /** Default time a kept-alive connection may wait for its next request, as upstream's IdleTimeout (90 s). */
  static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(90);
  /** Each read of a request body waits at most this long. */
  static final int BODY_IDLE_MILLIS = 60_000;

  private final ServerSocket listener;
  private final @Nullable SSLParameters tlsParameters;
  private final Handler handler;
  private final int maxBody;
  private final long headTimeoutNanos;
  private final int idleMillis;
  private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
  private final Map<Socket, Thread> open = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final Thread acceptor;
  private volatile boolean closed;
  /** Test seam: sees each accepted socket once its options are set. */
  volatile @Nullable Consumer<Socket> acceptedObserver;

  Http1Server(InetSocketAddress address, @Nullable SSLContext tls, Duration headTimeout, Duration idleTimeout, int maxBody, Handler handler)
      throws IOException {
    this.handler = handler;
    this.maxBody = maxBody;
    this.headTimeoutNanos = headTimeout.toNanos();
    this.idleMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, idleTimeout.toMillis()));
    if (tls != null) {
      SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
      SSLParameters p = s.getSSLParameters();
      p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
      p.setApplicationProtocols(new String[] {"http/1.1"}); // so that client-go and others never try h2
      s.setSSLParameters(p);
      this.tlsParameters = p;
      this.listener = s;
    } else {
      this.tlsParameters = null;
      this.listener = new ServerSocket();
    }
    listener.bind(address, 128);
    this.acceptor = new Thread(this::acceptLoop, "sa-identity-fake-apiserver-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
  }

  /** Starts accepting connections (bound since construction). */
  void start() {
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.debug("fake API server: accept failed: {}", e.getClass().getName());
          try {
            Thread.sleep(10); // out of file descriptors, say: do not spin
          } catch (InterruptedException stop) {
            return;
          }
        }
        continue;
      }
      if (!slots.tryAcquire()) {
        LOG.warn("fake API server: more than {} connections at once; closing a new one", MAX_CONNECTIONS);
        closeQuietly(s);
        continue;
      }
      Thread t = new Thread(() -> {
        try {
          connection(s);
        } finally {
          open.remove(s);
          closeQuietly(s);
          slots.release();
        }
      }, "sa-identity-fake-apiserver-" + connections.incrementAndGet());
      t.setDaemon(true);
      open.put(s, t);
      if (closed) {
        closeQuietly(s);
      }
      t.start();
    }
  }

  private void connection(Socket s) {
    try {
      s.setTcpNoDelay(true); // each answer goes out at once, not after the client's delayed ACK
      if (s instanceof SSLSocket && tlsParameters != null) {
        ((SSLSocket) s).setSSLParameters(tlsParameters);
        s.setSoTimeout((int) Math.max(1, headTimeoutNanos / 1_000_000));
        ((SSLSocket) s).startHandshake(); // bounded by the head timeout, as Go bounds its handshake by ReadHeaderTimeout
      }
      Consumer<Socket> observer = acceptedObserver;
      if (observer != null) {
        observer.accept(s);
      }
      Http1Codec codec = new Http1Codec(s);
      OutputStream out = new BufferedOutputStream(s.getOutputStream(), 16 << 10);
      while (!closed && exchange(s, codec, out)) {
        // next request on this connection
      }
    } catch (SocketTimeoutException e) {
      LOG.debug("fake API server: closing a connection that was idle, or whose request head did not arrive in time");
    } catch (IOException e) {
      LOG.debug("fake API server: connection ended: {}", e.getClass().getName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Serves one request; returns whether the connection stays open for another. */
  private boolean exchange(Socket s, Http1Codec codec, OutputStream out) throws IOException, InterruptedException {
    if (!codec.awaitRequest(idleMillis)) {
      return false;
    }
    codec.headDeadline(System.nanoTime() + headTimeoutNanos);
    Http1Codec.Head head;
    boolean keepAlive;
    byte[] body = new byte[0];
    boolean tooLarge = false;
    try {
      head = codec.readHead();
      if (head == null) {
        return false;
      }
      keepAlive = head.keepAlive();
      codec.bodyIdleTimeout(BODY_IDLE_MILLIS);
      boolean expectContinue = "100-continue".equalsIgnoreCase(head.header("expect"));
      String te = head.header("transfer-encoding");
      String cl = head.header("content-length");
      if (te != null) {
        if (!te.equalsIgnoreCase("chunked") || head.headers.get("transfer-encoding").size() > 1) {
          throw new Http1Codec.BadRequest(501, "unsupported transfer encoding: " + te);
        }
        if (cl != null) {
          throw new Http1Codec.BadRequest(400, "both Transfer-Encoding and Content-Length");
        }
        continueIfExpected(out, expectContinue);
        byte[] b = codec.readChunked(maxBody);
        tooLarge = b == null;
        body = b == null ? body : b;
      } else if (cl != null) {
        long length = contentLength(head.headers.get("content-length"));
        if (length > maxBody) {
          tooLarge = true; // refused before any byte of the body is read
        } else if (length > 0) {
          continueIfExpected(out, expectContinue);
          body = codec.readFixed((int) length);
        }
      }
    } catch (Http1Codec.BadRequest e) {
      Http1Codec.writeError(out, e.code, e.getMessage());
      lingerAndClose(s);
      return false;
    }
    keepAlive &= !tooLarge; // the unread rest of the body cannot be skipped
    ApiResponse r = handler.handle(new WireRequest(head, body, tooLarge));
    if (r == null) {
      return false;
    }
    keepAlive = write(out, r, head, keepAlive);
    if (!keepAlive) {
      lingerAndClose(s);
    }
    return keepAlive;
  }

  private static void continueIfExpected(OutputStream out, boolean expectContinue) throws IOException {
    if (expectContinue) {
      out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      out.flush();
    }
  }

  private static long contentLength(List<String> values) throws Http1Codec.BadRequest {
    long length = -1;
    for (String v : values) {
      for (String part : v.split(",")) {
        String p = part.strip();
        if (p.isEmpty() || p.length() > 18 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
          if (!p.isEmpty() && p.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Long.MAX_VALUE; // too many digits for a long: over the cap anyway
          }
          throw new Http1Codec.BadRequest(400, "invalid Content-Length");
        }
        long n = Long.parseLong(p);
        if (length >= 0 && n != length) {
          throw new Http1Codec.BadRequest(400, "conflicting Content-Length values");
        }
        length = n;
      }
    }
    return length;
  }

  /** Writes the answer; returns whether the connection may carry another request. */
  private static boolean write(OutputStream out, ApiResponse r, Http1Codec.Head head, boolean keepAlive) throws IOException {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", r.contentType);
    h.put("Audit-Id", java.util.UUID.randomUUID().toString());
    h.putAll(r.headers);
    boolean noBody = head.method.equals("HEAD") || r.code == 204 || r.code == 304;
    ApiResponse.Stream stream = r.stream;
    if (stream == null || noBody) {
      Http1Codec.writeHead(out, r.code, h, stream == null ? r.body.length : 0, !keepAlive, head.http10);
      if (!noBody) {
        out.write(r.body);
      }
      out.flush();
      return keepAlive;
    }
    if (head.http10) { // no chunked encoding in HTTP/1.0: the body ends with the connection
      Http1Codec.writeHead(out, r.code, h, -1, true, true);
      stream.writeTo(new FlushingOutput(out));
      out.flush();
      return false;
    }
    Http1Codec.writeHead(out, r.code, h, -1, !keepAlive, false);
    Http1Codec.ChunkedOutput chunked = new Http1Codec.ChunkedOutput(out);
    stream.writeTo(chunked);
    chunked.finish();
    return keepAlive;
  }

  /** Flushes after each write. */
  private static final class FlushingOutput extends java.io.FilterOutputStream {
    FlushingOutput(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      out.flush();
    }
  }

  /**
   * Half-closes, then reads (and drops) what the client still sends for a short while before the
   * close: closing with unread input would reset the connection and could destroy the answer in flight.
   */
  private static void lingerAndClose(Socket s) {
    if (s instanceof SSLSocket) {
      closeQuietly(s); // sends close_notify; TLS has no half-close to linger in
      return;
    }
    try {
      s.shutdownOutput();
      s.setSoTimeout(500);
      InputStream in = s.getInputStream();
      byte[] drop = new byte[8192];
      long budget = 1 << 20;
      for (int n; budget > 0 && (n = in.read(drop)) > 0; ) {
        budget -= n;
      }
    } catch (IOException e) {
      // the client is gone or slow: close anyway
    }
    closeQuietly(s);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  /** Stops accepting, closes every connection (ending streamed answers) and interrupts their threads. */
  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // nothing to do
    }
    open.forEach((s, t) -> {
      closeQuietly(s);
      t.interrupt();
    });
    try {
      acceptor.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
