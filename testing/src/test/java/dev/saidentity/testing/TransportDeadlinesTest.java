package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deadlines a hostile or stalled client meets once its head is in: a body trickled byte by byte is
 * cut at the body deadline, an answer the client does not read is abandoned at the write timeout
 * (plain and TLS), and close() returns even while a write is stuck.
 */
class TransportDeadlinesTest {

  private static final Duration BOUND = Duration.ofSeconds(20);
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private Http1Server server(@org.jspecify.annotations.Nullable SSLContext tls, Http1Server.Handler h) throws IOException {
    Http1Server http = new Http1Server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), tls, Duration.ofSeconds(10),
        Duration.ofSeconds(10), 1 << 20, h);
    toClose.add(http);
    return http;
  }

  /** Writes 64 KiB chunks until the client stops taking them; completes with what ended the stream. */
  private static Http1Server.Handler endless(CompletableFuture<Throwable> ended) {
    return w -> ApiResponse.stream(200, "application/json", out -> {
      byte[] chunk = new byte[64 << 10];
      try {
        while (true) {
          out.write(chunk);
        }
      } catch (IOException | RuntimeException e) {
        ended.complete(e);
        throw e;
      }
    });
  }

  /** A client context that trusts any certificate: these tests are about the transport, not the chain. */
  private static SSLContext trustAll() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    }}, null);
    return ctx;
  }

  @Test
  void aBodyTrickledByteByByte_isCutAtTheBodyDeadline() throws Exception {
    CompletableFuture<Boolean> handled = new CompletableFuture<>();
    Http1Server http = server(null, w -> {
      handled.complete(true);
      return new ApiResponse(200, "text/plain", new byte[0]);
    });
    http.bodyTimeoutMillis = 300;
    http.start();
    Socket s = new Socket(InetAddress.getLoopbackAddress(), http.port());
    toClose.add(s);
    OutputStream out = s.getOutputStream();
    out.write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    boolean cut = assertTimeoutPreemptively(BOUND, () -> {
      for (int i = 0; i < 100_000; i++) { // one byte each 20 ms: every read is quick, the whole body never is
        try {
          out.write('x');
          out.flush();
        } catch (IOException closedByServer) {
          return true;
        }
        Thread.sleep(20);
      }
      return false;
    });
    assertThat(cut).isTrue();
    assertThat(handled).isNotDone();
  }

  @Test
  void anAnswerTheClientDoesNotRead_isAbandonedAtTheWriteTimeout() throws Exception {
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    Http1Server http = server(null, endless(ended));
    http.writeTimeoutMillis = 300;
    http.start();
    Socket s = new Socket(InetAddress.getLoopbackAddress(), http.port());
    s.setReceiveBufferSize(4096);
    toClose.add(s);
    s.getOutputStream().write("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    // never read: the server's writes fill the buffers and block
    assertThat(ended.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(IOException.class);
  }

  @Test
  void overTls_aStuckWrite_isAbandonedAtTheWriteTimeout_andCloseReturns() throws Exception {
    Tls tls = Tls.create();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    CompletableFuture<Boolean> writing = new CompletableFuture<>();
    Http1Server http = server(tls.serverContext, w -> {
      writing.complete(true);
      return endless(ended).handle(w);
    });
    http.writeTimeoutMillis = 300;
    http.start();
    SSLContext trustAll = trustAll();
    SSLSocket s = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", http.port());
    toClose.add(s);
    s.setSoTimeout(15_000);
    s.startHandshake();
    s.getOutputStream().write("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    writing.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertThat(ended.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(IOException.class);
  }

  @Test
  void close_returnsWhileATlsWriteIsStuck() throws Exception {
    Tls tls = Tls.create();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    Http1Server http = server(tls.serverContext, endless(ended));
    http.start();
    SSLContext ctx = trustAll();
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", http.port());
    toClose.add(s);
    s.setSoTimeout(15_000);
    s.startHandshake();
    s.getOutputStream().write("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    byte[] some = new byte[1];
    s.getInputStream().read(some); // the answer started; from now on nothing is read
    Thread.sleep(500); // lets the server's writes fill both socket buffers (a pacing, not a wait for a deadline)
    assertTimeoutPreemptively(Duration.ofSeconds(5), http::close);
    assertThat(ended.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isNotNull();
  }
}
