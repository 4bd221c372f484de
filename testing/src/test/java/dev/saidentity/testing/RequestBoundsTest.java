package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 item 13 at the fake API server: request bodies are capped at 3 MiB as the API server caps
 * them (413 RequestEntityTooLarge, decided while reading: from Content-Length before any byte of the
 * body, and while reading a chunked body), and JSON nesting is bounded (400, never a 500 or a
 * StackOverflowError). Raw HTTP/1.1 over a socket, so the test controls what is sent and when.
 */
class RequestBoundsTest {

  private static final String TOO_LARGE = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
      + "\"message\":\"Request entity too large: limit is 3145728\",\"reason\":\"RequestEntityTooLarge\",\"code\":413}";
  /** Bounds each socket read: a server that waits for the rest of a body fails the test instead of hanging it. */
  private static final int READ_TIMEOUT_MILLIS = 10_000;

  private FakeKubernetesApiServer server;
  private int port;

  @BeforeEach
  void start() {
    server = FakeKubernetesApiServer.start();
    port = URI.create(server.url()).getPort();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private String head(String framing) {
    return "POST /api/v1/namespaces/default/serviceaccounts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + server.adminToken()
        + "\r\nContent-Type: application/json\r\n" + framing + "\r\n";
  }

  /** Reads one response (status line, headers, Content-Length body); returns "CODE BODY". */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream headers = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      headers.write(b);
      if (headers.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        break;
      }
    }
    String h = headers.toString(StandardCharsets.ISO_8859_1);
    assertThat(h).startsWith("HTTP/1.1 ");
    int length = 0;
    for (String line : h.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).strip());
      }
    }
    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    // Cut so that a failure does not print megabytes.
    return h.substring(9, 12) + " " + (body.length() > 400 ? body.substring(0, 400) + "...(" + body.length() + " chars)" : body);
  }

  private String listServiceAccounts() throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(READ_TIMEOUT_MILLIS);
      s.getOutputStream().write(("GET /api/v1/namespaces/default/serviceaccounts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + server.adminToken() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      return readResponse(s.getInputStream());
    }
  }

  @Test
  void contentLengthOverTheCap_is413_beforeTheBodyIsSent() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(READ_TIMEOUT_MILLIS);
      OutputStream out = s.getOutputStream();
      // Announces 100 MB and sends 14 bytes: a server that waits for the body never answers.
      out.write((head("Content-Length: 100000000\r\n") + "{\"metadata\":{}").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(readResponse(s.getInputStream())).isEqualTo("413 " + TOO_LARGE);
    }
    assertThat(listServiceAccounts()).startsWith("200 ");
  }

  @Test
  void chunkedBodyOverTheCap_is413() throws Exception {
    // A valid ServiceAccount padded to 4 MiB in an annotation: over 3 MiB, under the old 8 MiB cap.
    String body = "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"big\",\"annotations\":{\"pad\":\""
        + "x".repeat(4 << 20) + "\"}}}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(READ_TIMEOUT_MILLIS);
      OutputStream out = s.getOutputStream();
      Thread writer = new Thread(() -> {
        try {
          out.write(head("Transfer-Encoding: chunked\r\n").getBytes(StandardCharsets.ISO_8859_1));
          for (int off = 0; off < bytes.length; off += 65536) {
            int n = Math.min(65536, bytes.length - off);
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes, off, n);
            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
          }
          out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        } catch (IOException closedByTheServer) {
          // expected once the server has answered 413 and dropped the connection
        }
      }, "chunked-writer");
      writer.setDaemon(true);
      writer.start();
      assertThat(readResponse(s.getInputStream())).isEqualTo("413 " + TOO_LARGE);
    }
    assertThat(server.requests()).last().satisfies(r -> assertThat(r.body().length).isLessThanOrEqualTo(3 << 20));
    assertThat(listServiceAccounts()).startsWith("200 ").doesNotContain("\"big\"");
  }

  @Test
  void bodyAtTheCap_isAccepted() throws Exception {
    String prefix = "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"atcap\",\"annotations\":{\"pad\":\"";
    String suffix = "\"}}}";
    String body = prefix + "x".repeat((3 << 20) - prefix.length() - suffix.length()) + suffix;
    assertThat(body.length()).isEqualTo(3 << 20);
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(READ_TIMEOUT_MILLIS);
      s.getOutputStream().write((head("Content-Length: " + body.length() + "\r\n") + body).getBytes(StandardCharsets.ISO_8859_1));
      assertThat(readResponse(s.getInputStream())).startsWith("201 ");
    }
  }

  @Test
  void nestingHiddenFromTheDepthCount_isStillRefused() {
    // Gson parses leniently: a comment or a single-quoted string may hold a '"' that the pre-count took for a string's start.
    String nested = "[".repeat(200) + "]".repeat(200);
    for (String hidden : new String[] {"/*\"*/" + nested, "['\"', " + nested + "]", "#\"\n" + nested}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> BoundedJson.parse(hidden)).as(hidden.substring(0, 8))
          .isInstanceOf(BoundedJson.TooDeep.class);
    }
    org.assertj.core.api.Assertions.assertThat(BoundedJson.parse("['\"', " + "[".repeat(99) + "]".repeat(99) + "]").isJsonArray()).isTrue();
  }

  @Test
  void deeplyNestedJson_is400_andTheServerServesTheNextRequest() throws Exception {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    for (String contentType : new String[] {"application/json", "application/merge-patch+json", "application/json-patch+json"}) {
      boolean patch = !contentType.equals("application/json");
      String path = patch ? "/api/v1/namespaces/default/serviceaccounts/default" : "/api/v1/namespaces/default/serviceaccounts";
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(READ_TIMEOUT_MILLIS);
        s.getOutputStream().write(((patch ? "PATCH " : "POST ") + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + server.adminToken() + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + deep.length() + "\r\n\r\n" + deep)
            .getBytes(StandardCharsets.ISO_8859_1));
        String r = readResponse(s.getInputStream());
        assertThat(r).as(contentType).startsWith("400 ").contains("\"reason\":\"BadRequest\"").contains("nested deeper than");
      }
    }
    assertThat(listServiceAccounts()).startsWith("200 ");
  }
}
