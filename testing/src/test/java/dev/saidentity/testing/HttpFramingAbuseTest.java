package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Request framing an attacker (or a proxy in front) could disagree about, answered as Go's
 * net/http answers it: header names that are not tokens and values with control bytes are 400,
 * chunk sizes with signs or leading blanks and bare LF in chunk framing are 400, an unknown
 * {@code Expect} is 417, {@code OPTIONS *} is 200, pipelined requests keep their bytes apart.
 */
class HttpFramingAbuseTest {

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().start();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    server.close();
  }

  private String exchange(String raw) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
    s.setSoTimeout(15_000);
    toClose.add(s);
    s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    return TransportTest.readResponse(s.getInputStream());
  }

  private String post(String framing, String body) {
    return "POST /api/v1/namespaces/default/serviceaccounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + server.adminToken()
        + "\r\nContent-Type: application/json\r\n" + framing + "\r\n" + body;
  }

  @Test
  void headerNamesThatAreNotTokens_andControlBytesInValues_are400() throws Exception {
    // A proxy that strips the NUL sees a Content-Length and a body; the server must not read it as the next request.
    assertThat(exchange(post("Content-Length\u0000: 5\r\n", "GET /"))).startsWith("400\n").contains("invalid header");
    assertThat(exchange(post("X Y: z\r\nContent-Length: 0\r\n", ""))).startsWith("400\n").contains("invalid header");
    assertThat(exchange(post("X-A: a\u0000b\r\nContent-Length: 0\r\n", ""))).startsWith("400\n").contains("invalid header");
    assertThat(exchange(post("X-A: a\rb\r\nContent-Length: 0\r\n", ""))).startsWith("400\n").contains("invalid header");
    assertThat(exchange("GET /version\u0000 HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("400\n");
    assertThat(exchange("G(T /version HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("400\n");
    // A tab inside a value is fine.
    assertThat(exchange("GET /version HTTP/1.1\r\nHost: x\r\nX-A: a\tb\r\nConnection: close\r\n\r\n")).startsWith("200\n");
  }

  @Test
  void chunkSizesWithSignsOrLeadingBlanks_andBareLfInChunkFraming_are400() throws Exception {
    String te = "Transfer-Encoding: chunked\r\n";
    assertThat(exchange(post(te, "+2\r\n{}\r\n0\r\n\r\n"))).startsWith("400\n").contains("chunk");
    assertThat(exchange(post(te, "-0\r\n\r\n"))).startsWith("400\n").contains("chunk");
    assertThat(exchange(post(te, " 2\r\n{}\r\n0\r\n\r\n"))).startsWith("400\n").contains("chunk");
    assertThat(exchange(post(te, "0x2\r\n{}\r\n0\r\n\r\n"))).startsWith("400\n").contains("chunk");
    assertThat(exchange(post(te, "2\n{}\r\n0\r\n\r\n"))).startsWith("400\n").contains("chunk");
    assertThat(exchange(post(te, "2\r\n{}\n0\r\n\r\n"))).startsWith("400\n").contains("chunk");
    // Trailing blanks before the extension are allowed, as Go allows them.
    assertThat(exchange(post(te + "Connection: close\r\n", "1c \t;x=y\r\n{\"metadata\":{\"name\":\"ok-a\"}}\r\n0\r\n\r\n")))
        .startsWith("201\n");
  }

  @Test
  void chunkExtensionsOutweighingTheData_are400() throws Exception {
    String ext = ";e=" + "x".repeat(1000);
    String body = ("1" + ext + "\r\n \r\n").repeat(100) + "0\r\n\r\n";
    assertThat(exchange(post("Transfer-Encoding: chunked\r\n", body))).startsWith("400\n").contains("too much non-data");
  }

  @Test
  void anExpectationOtherThan100Continue_is417() throws Exception {
    assertThat(exchange(post("Expect: something-else\r\nContent-Length: 2\r\n", "{}"))).startsWith("417\n")
        .contains("Expectation Failed");
  }

  @Test
  void optionsAsterisk_is200WithAnEmptyBody_asGoAnswersIt() throws Exception {
    assertThat(exchange("OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("200\n").contains("Content-Length: 0");
  }

  @Test
  void pipelinedRequests_keepTheirBytesApart_andHttp10ClosesUnlessAskedToKeep() throws Exception {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
    s.setSoTimeout(15_000);
    toClose.add(s);
    String body = "{\"metadata\":{\"name\":\"piped\"}}";
    String both = post("Content-Length: " + body.length() + "\r\n", body)
        + "GET /api/v1/namespaces/default/serviceaccounts/piped HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + server.adminToken()
        + "\r\n\r\n" + "GET /version HTTP/1.0\r\n\r\n";
    s.getOutputStream().write(both.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    assertThat(TransportTest.readResponse(in)).startsWith("201\n").contains("\"name\":\"piped\"");
    assertThat(TransportTest.readResponse(in)).startsWith("200\n").contains("\"name\":\"piped\"");
    assertThat(TransportTest.readResponse(in)).startsWith("200\n").contains("HTTP/1.0 200").contains("Connection: close");
    assertThat(in.read()).isEqualTo(-1);
  }
}
