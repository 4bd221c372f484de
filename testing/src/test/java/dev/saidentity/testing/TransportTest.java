package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake's HTTP/1.1 transport under abuse and with the framing real clients use: half-sent heads
 * stall nobody and are closed at the head deadline, TCP_NODELAY, keep-alive, HEAD, 100-continue,
 * chunked bodies both ways, bounded heads (414/431), WebSocket upgrades (503 for fabric8's
 * fallback), TLS with ALPN http/1.1. Raw sockets where the test must control the bytes; every read
 * is bounded by a socket timeout and every wait by {@link #BOUND}.
 */
class TransportTest {

  /** Bounds every wait: a server that stalls fails the test instead of hanging it. */
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final int READ_TIMEOUT_MILLIS = 15_000;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private FakeKubernetesApiServer start(FakeKubernetesApiServer.Builder b) {
    FakeKubernetesApiServer s = b.start();
    toClose.add(s);
    return s;
  }

  private Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(READ_TIMEOUT_MILLIS);
    toClose.add(s);
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  /** One response: "CODE\nheaders\n\nbody", reading a Content-Length or chunked body. */
  static String readResponse(InputStream in) throws IOException {
    String head = readHead(in);
    String lower = head.toLowerCase(Locale.ROOT);
    String body;
    if (lower.contains("transfer-encoding: chunked")) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int size; (size = Integer.parseInt(readLine(in), 16)) > 0; ) {
        b.write(in.readNBytes(size));
        readLine(in);
      }
      readLine(in);
      body = b.toString(StandardCharsets.UTF_8);
    } else {
      int i = lower.indexOf("content-length: ");
      int n = i < 0 ? 0 : Integer.parseInt(lower.substring(i + 16, lower.indexOf("\r\n", i)));
      body = new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
    return head.substring(9, 12) + "\n" + head + body;
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + sb);
      }
      sb.append((char) b);
    }
    return sb.toString();
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      sb.append((char) b);
    }
    return sb.toString().strip();
  }

  private static String get(FakeKubernetesApiServer server, String path, String extraHeaders) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + server.adminToken() + "\r\n" + extraHeaders + "\r\n";
  }

  @Test
  void connectionsHoldingHalfSentHeads_doNotStallAnotherClient() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder());
    for (int i = 0; i < 32; i++) { // the JDK server stalled at 8
      send(connect(server.port()), "GET /api/v1/namespaces HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(BOUND).build();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url() + "/version")).timeout(BOUND).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"gitVersion\"");
  }

  @Test
  void aHalfSentHead_isClosedAtTheHeadDeadline() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder().headTimeout(Duration.ofMillis(200)));
    Socket s = connect(server.port());
    send(s, "GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    // Closed without an answer well before the socket's 15 s read timeout would fire.
    assertThat(assertTimeoutPreemptively(BOUND, () -> s.getInputStream().read())).isEqualTo(-1);
  }

  @Test
  void anIdleKeepAliveConnection_isClosedAtTheIdleTimeout_afterServingItsRequest() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder().idleTimeout(Duration.ofMillis(200)));
    Socket s = connect(server.port());
    send(s, get(server, "/version", ""));
    assertThat(readResponse(s.getInputStream())).startsWith("200\n");
    assertThat(assertTimeoutPreemptively(BOUND, () -> s.getInputStream().read())).isEqualTo(-1);
  }

  @Test
  void aStalledTlsHandshake_isClosedAtTheHeadDeadline() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder().tls(true).headTimeout(Duration.ofMillis(200)));
    Socket s = connect(server.port());
    send(s, "\u0016\u0003\u0001"); // the start of a ClientHello, never finished
    // At most a TLS alert record (type 21), then the end of the stream.
    byte[] got = assertTimeoutPreemptively(BOUND, () -> s.getInputStream().readAllBytes());
    assertThat(got.length == 0 || got[0] == 21).as("an alert or nothing").isTrue();
  }

  @Test
  void everyAcceptedConnection_hasTcpNoDelay() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder());
    CompletableFuture<Boolean> noDelay = new CompletableFuture<>();
    server.transport().acceptedObserver = sock -> {
      try {
        noDelay.complete(sock.getTcpNoDelay());
      } catch (IOException e) {
        noDelay.completeExceptionally(e);
      }
    };
    Socket s = connect(server.port());
    send(s, get(server, "/version", "Connection: close\r\n"));
    assertThat(readResponse(s.getInputStream())).startsWith("200\n").contains("Connection: close");
    assertThat(noDelay.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void keepAlive_head_andExpectContinue_onOneConnection() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder());
    Socket s = connect(server.port());
    InputStream in = s.getInputStream();
    send(s, get(server, "/api/v1/namespaces/default", "").replace("GET", "HEAD"));
    assertThat(readHead(in)).startsWith("HTTP/1.1 200 OK\r\n").containsPattern("Content-Length: [1-9]"); // and no body
    String body = "{\"metadata\":{\"name\":\"api\"}}";
    send(s, "POST /api/v1/namespaces/default/serviceaccounts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + server.adminToken()
        + "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " + body.length() + "\r\n\r\n");
    assertThat(readHead(in)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n"); // only then is the body sent
    send(s, body);
    assertThat(readResponse(in)).startsWith("201\n").contains("\"name\":\"api\"");
    send(s, get(server, "/api/v1/namespaces/default/serviceaccounts/api", ""));
    assertThat(readResponse(in)).startsWith("200\n").contains("\"name\":\"api\"");
  }

  @Test
  void chunkedRequestBody_isRead() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder());
    Socket s = connect(server.port());
    send(s, "POST /api/v1/namespaces/default/serviceaccounts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + server.adminToken()
        + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "d;ext=1\r\n{\"metadata\":{\r\n10\r\n\"name\":\"chunky\"}\r\n1\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n");
    assertThat(readResponse(s.getInputStream())).startsWith("201\n").contains("\"name\":\"chunky\"");
  }

  @Test
  void streamedAnswer_isChunked_andEachWriteArrivesAtOnce() throws Exception {
    CompletableFuture<Void> secondMayGo = new CompletableFuture<>();
    Http1Server http = new Http1Server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null, Duration.ofSeconds(10), Duration.ofSeconds(10), 1024,
        w -> ApiResponse.stream(200, "application/json", out -> {
          out.write("{\"type\":\"ADDED\"}\n".getBytes(StandardCharsets.UTF_8));
          secondMayGo.join(); // the first event must reach the client before the second is written
          out.write("{\"type\":\"DELETED\"}\n".getBytes(StandardCharsets.UTF_8));
        }));
    toClose.add(http);
    http.start();
    Socket s = connect(http.port());
    InputStream in = s.getInputStream();
    send(s, "GET /watch HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assertThat(readHead(in)).startsWith("HTTP/1.1 200 OK\r\n").contains("Transfer-Encoding: chunked\r\n");
    assertThat(readLine(in)).isEqualTo("11");
    assertThat(readLine(in)).isEqualTo("{\"type\":\"ADDED\"}");
    secondMayGo.complete(null);
    readLine(in);
    assertThat(readLine(in)).isEqualTo("13");
    assertThat(readLine(in)).isEqualTo("{\"type\":\"DELETED\"}");
    readLine(in);
    assertThat(readLine(in)).isEqualTo("0");
    send(s, "GET /again HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    readLine(in);
    assertThat(readResponse(in)).contains("ADDED").contains("DELETED"); // the connection was kept
  }

  @Test
  void overLongRequestLine_is414_andOverLargeHeads_are431() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder());
    Socket a = connect(server.port());
    send(a, "GET /version?x=" + "a".repeat(Http1Codec.MAX_REQUEST_LINE) + " HTTP/1.1\r\n\r\n");
    assertThat(readResponse(a.getInputStream())).startsWith("414\n").contains("Connection: close");
    Socket b = connect(server.port());
    send(b, get(server, "/version", "X-Big: " + "b".repeat(Http1Codec.MAX_HEADER_BYTES) + "\r\n"));
    assertThat(readResponse(b.getInputStream())).startsWith("431\n");
    Socket c = connect(server.port());
    send(c, get(server, "/version", "X-Many: c\r\n".repeat(Http1Codec.MAX_HEADERS + 1)));
    assertThat(readResponse(c.getInputStream())).startsWith("431\n").contains("more than 200 header fields");
    Socket d = connect(server.port());
    send(d, "GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy");
    assertThat(readResponse(d.getInputStream())).startsWith("400\n").contains("conflicting Content-Length");
  }

  @Test
  void percentEncodedPath_isDecoded_andAMalformedEscapeIs400() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder());
    Socket s = connect(server.port());
    send(s, get(server, "/api/v1/namespaces/%64efault", ""));
    assertThat(readResponse(s.getInputStream())).startsWith("200\n").contains("\"name\":\"default\"");
    send(s, get(server, "/api/v1/namespaces/%zz", ""));
    assertThat(readResponse(s.getInputStream())).startsWith("400\n").contains("invalid URL escape");
  }

  @Test
  void webSocketUpgrade_is503WithAStatus_whatMakesFabric8FallBackToAnHttpWatch() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder());
    Socket s = connect(server.port());
    send(s, get(server, "/api/v1/namespaces/default/pods?watch=true", "Connection: Upgrade\r\nUpgrade: websocket\r\n"
        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    assertThat(readResponse(s.getInputStream())).startsWith("503\n").contains("\"kind\":\"Status\"")
        .contains("\"reason\":\"ServiceUnavailable\"").contains("\"code\":503");
  }

  @Test
  void tls_offersHttp11Only_overTls12And13() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder().tls(true));
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(
        new java.io.ByteArrayInputStream(server.caCertificatePem().getBytes(StandardCharsets.US_ASCII))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.port())) {
        s.setSoTimeout(READ_TIMEOUT_MILLIS);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {protocol});
        p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        s.setSSLParameters(p);
        s.startHandshake();
        assertThat(s.getApplicationProtocol()).isEqualTo("http/1.1");
        assertThat(s.getSession().getProtocol()).isEqualTo(protocol);
        OutputStream out = s.getOutputStream();
        out.write(get(server, "/version", "Connection: close\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        assertThat(readResponse(s.getInputStream())).startsWith("200\n");
      }
    }
  }

  @Test
  void unsecuredAnonymous_isSystemMastersOverPlainHttp_andATokenStillCounts() throws Exception {
    FakeKubernetesApiServer server = start(FakeKubernetesApiServer.builder().unsecuredAnonymous(true));
    server.createServiceAccount("default", "api");
    String token = server.issuer().projected(server.serviceAccount("default", "api").orElseThrow()).audience(server.apiAudiences().get(0))
        .mint();
    HttpClient client = HttpClient.newHttpClient();
    String review = "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}";
    HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(server.url() + "/apis/authentication.k8s.io/v1/selfsubjectreviews"))
        .timeout(BOUND).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(review));
    assertThat(client.send(rb.build(), HttpResponse.BodyHandlers.ofString()).body())
        .contains("\"username\":\"system:unsecured\"").contains("system:masters");
    assertThat(client.send(rb.header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body())
        .contains("\"username\":\"system:serviceaccount:default:api\"").doesNotContain("system:masters");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> FakeKubernetesApiServer.builder().tls(true).unsecuredAnonymous(true).start())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("plain HTTP");
  }
}
