package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the fake API server's request handling (Jazzer): fuzzed methods, paths,
 * queries, headers and bodies sent as raw HTTP/1.1 over a socket to a running
 * {@link FakeKubernetesApiServer}. Invariants: every well-formed request gets a status line within
 * the timeout, and never a 500 (the server answers 500 only when its handler threw an exception it
 * did not mean to: every refusal the fake means is a Kubernetes {@code Status} with a 4xx code).
 */
class FakeServerFuzzTest {

  static final String[] METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
  static final String[] PATHS = {
      "/api/v1/namespaces/shop/serviceaccounts/api/token",
      "/apis/authentication.k8s.io/v1/tokenreviews",
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      "/api/v1/namespaces/shop/serviceaccounts",
      "/api/v1/namespaces/shop/serviceaccounts/api",
      "/api/v1/namespaces/shop/pods",
      "/api/v1/namespaces/shop/pods/web",
      "/api/v1/namespaces/shop/secrets",
      "/api/v1/namespaces/shop/configmaps/kube-root-ca.crt",
      "/api/v1/namespaces",
      "/api/v1/namespaces/shop",
      "/api/v1/nodes/node-1",
      "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings",
      "/apis/rbac.authorization.k8s.io/v1/clusterroles",
      "/api/v1/serviceaccounts",
      "/.well-known/openid-configuration",
      "/openid/v1/jwks",
      "/version", "/healthz", "/api", "/apis", "/api/v1", "/openapi/v3", "/openapi/v3/api/v1", "/",
  };
  static final String[] CONTENT_TYPES = {"application/json", "application/yaml", "application/merge-patch+json",
      "application/strategic-merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml",
      "application/vnd.kubernetes.protobuf", "", "text/plain"};
  static final String[] QUERIES = {"", "labelSelector=app%3Dweb", "fieldSelector=metadata.name%3Dapi", "limit=1",
      "limit=1&continue=x", "dryRun=All", "fieldManager=f&force=true", "watch=false", "resourceVersion=0"};
  /** Inputs per server: the store only grows, so a long fuzzing run starts a fresh one now and then. */
  static final int INPUTS_PER_SERVER = 5_000;

  static FakeKubernetesApiServer server;
  static int inputs;

  @BeforeAll
  static void start() {
    server = newServer();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static FakeKubernetesApiServer newServer() {
    FakeKubernetesApiServer s = FakeKubernetesApiServer.builder().start();
    s.createNamespace("shop");
    s.createServiceAccount("shop", "api");
    s.createNode("node-1");
    s.createPod("shop", "web", "api", "node-1");
    return s;
  }

  @FuzzTest(maxDuration = "2m")
  @Timeout(value = 15, unit = TimeUnit.SECONDS)
  void request(FuzzedDataProvider data) throws IOException {
    if (++inputs % INPUTS_PER_SERVER == 0) {
      server.close();
      server = newServer();
    }
    String method = data.consumeBoolean() ? token(data.consumeString(12)) : data.pickValue(METHODS);
    String path = data.consumeBoolean() ? "/" + pathChars(data.consumeString(200))
        : data.pickValue(PATHS) + (data.consumeBoolean() ? pathChars(data.consumeString(60)) : "");
    String query = data.consumeBoolean() ? pathChars(data.consumeString(100)) : data.pickValue(QUERIES);
    String contentType = data.consumeBoolean() ? headerValue(data.consumeString(60)) : data.pickValue(CONTENT_TYPES);
    String auth;
    switch (data.consumeInt(0, 3)) {
      case 0:
        auth = "Bearer " + server.adminToken();
        break;
      case 1:
        auth = "";
        break;
      case 2:
        auth = "Bearer " + headerValue(data.consumeString(300));
        break;
      default:
        auth = headerValue(data.consumeString(100));
    }
    String impersonate = data.consumeBoolean() ? headerValue(data.consumeString(80)) : "";
    byte[] body = data.consumeRemainingAsBytes();

    StringBuilder head = new StringBuilder(method).append(' ').append(path).append(query.isEmpty() ? "" : "?" + query)
        .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if (!contentType.isEmpty()) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
    }
    if (!auth.isEmpty()) {
      head.append("Authorization: ").append(auth).append("\r\n");
    }
    if (!impersonate.isEmpty()) {
      head.append("Impersonate-User: ").append(impersonate).append("\r\n");
    }
    head.append("Content-Length: ").append(body.length).append("\r\n\r\n");

    String status = exchange(head.toString().getBytes(StandardCharsets.UTF_8), body);
    assertThat(status).as("status line for %s %s", method, path).matches("HTTP/1\\.1 [1-5][0-9][0-9]( .*)?");
    assertThat(status).as("an unexpected exception in the handler for %s %s (see the WARN log line)", method, path)
        .doesNotStartWith("HTTP/1.1 500");
  }

  @SuppressWarnings("try") // the first resource only scopes the allowance
  private static String exchange(byte[] head, byte[] body) throws IOException {
    int port = server.port();
    // Jazzer reports any connection as server-side request forgery; the fake on loopback is ours.
    try (SilentCloseable loopback = BugDetectors.allowNetworkConnections(
        (host, p) -> ("127.0.0.1".equals(host) || "localhost".equals(host)) && p == port);
        Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(head);
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int c = in.read(); c != -1 && c != '\n' && line.size() < 1000; c = in.read()) {
        line.write(c);
      }
      return line.toString(StandardCharsets.ISO_8859_1).strip();
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no answer within 10 s", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An HTTP token: the method. */
  private static String token(String s) {
    String t = s.replaceAll("[^A-Za-z0-9!#$%&'*+.^_`|~-]", "");
    return t.isEmpty() ? "GET" : t;
  }

  /** Path and query characters of RFC 3986; anything else, and a stray {@code %}, percent-encoded. */
  static String pathChars(String s) {
    StringBuilder sb = new StringBuilder();
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean escape = b == '%' && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2]);
      if (escape || b < 0x80 && (Character.isLetterOrDigit(b) || "-._~!$&'()*+,;=:@/?".indexOf(b) >= 0)) {
        sb.append((char) b);
      } else {
        sb.append('%').append(String.format("%02X", b));
      }
    }
    return sb.toString();
  }

  private static boolean isHex(byte b) {
    return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F';
  }

  /** A header value: visible ASCII and spaces, not starting or ending with a space. */
  private static String headerValue(String s) {
    return s.replaceAll("[^\\x20-\\x7e]", "").strip();
  }
}
