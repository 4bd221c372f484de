package dev.saidentity.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.RecordedRequest;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 items 8 and 18 in audit: a live listing binds to no generated {@code buildCall} (the one
 * adapter for it is tokenrequest's), each page has a deadline, and an incompatible client-java is a
 * clear error naming what is missing.
 */
class ClusterInventoryTest {

  private static final Duration QUICKLY = Duration.ofSeconds(20);

  /** A server that reads each request's head, answers with {@code answer} (maybe nothing), and holds the connection open. */
  private static final class StallingServer implements AutoCloseable {
    final ServerSocket socket;
    final List<String> heads = new CopyOnWriteArrayList<>();
    final List<Socket> held = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> firstRequest = new CompletableFuture<>();

    StallingServer(String answer) throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(() -> {
        try {
          while (true) {
            Socket s = socket.accept();
            held.add(s);
            heads.add(readHead(s.getInputStream()));
            firstRequest.complete(null);
            s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
          }
        } catch (IOException closed) {
          // the test is over
        }
      }, "stalling-server");
      t.setDaemon(true);
      t.start();
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : held) {
        s.close();
      }
    }

    static String readHead(InputStream in) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int c;
      while ((c = in.read()) != -1) {
        b.write(c);
        if (b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
          break;
        }
      }
      return b.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private final List<StallingServer> servers = new ArrayList<>();

  @AfterEach
  void closeServers() throws IOException {
    for (StallingServer s : servers) {
      s.close();
    }
  }

  private ApiClient clientOf(StallingServer s) {
    servers.add(s);
    // client-java's default read timeout is none: only the listing's own deadline can end these calls.
    return new ClientBuilder().setBasePath(s.url()).setReadTimeout(Duration.ZERO)
        .setAuthentication(new AccessTokenAuthentication("test-credential")).build();
  }

  @Test
  void serverThatNeverAnswers_failsAtTheDeadline_withTheCredentialSent() throws Exception {
    StallingServer server = new StallingServer("");
    ApiClient client = clientOf(server);
    assertThatThrownBy(() -> assertTimeoutPreemptively(QUICKLY, () -> ClusterInventory.load(client, "shop", Duration.ofMillis(500))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listing /api/v1/namespaces/shop/serviceaccounts failed: no complete answer within the deadline of 500 ms");
    server.firstRequest.get(5, TimeUnit.SECONDS);
    String head = server.heads.get(0);
    assertThat(head).startsWith("GET /api/v1/namespaces/shop/serviceaccounts?limit=500 HTTP/1.1\r\n");
    assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("\r\nauthorization: bearer test-credential\r\n")
        .contains("\r\naccept: application/json\r\n");
  }

  @Test
  void bodyThatStopsHalfway_failsAtTheDeadline() throws Exception {
    StallingServer server = new StallingServer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"items\":[");
    ApiClient client = clientOf(server);
    assertThatThrownBy(() -> assertTimeoutPreemptively(QUICKLY, () -> ClusterInventory.load(client, null, Duration.ofMillis(500))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listing /api/v1/serviceaccounts failed: no complete answer within the deadline of 500 ms");
  }

  @Test
  void serverThatIsNoKubernetesApi_isAnError_notAnEmptyCluster() throws Exception {
    // A kubeconfig pointing at some other web server (404 everywhere) audited to "0 findings", exit 0.
    StallingServer server = new StallingServer("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 9\r\n\r\nnot found");
    ApiClient client = clientOf(server);
    assertThatThrownBy(() -> assertTimeoutPreemptively(QUICKLY, () -> ClusterInventory.load(client, null, Duration.ofSeconds(5))))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("listing /api/v1/serviceaccounts answered HTTP 404");
  }

  @Test
  void continueTokenThatNeverEnds_isAnError_notAnEndlessListing() throws Exception {
    String page = "{\"kind\":\"ServiceAccountList\",\"metadata\":{\"continue\":\"again\"},\"items\":[]}";
    StallingServer server = new StallingServer("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: "
        + page.length() + "\r\n\r\n" + page);
    ApiClient client = clientOf(server);
    assertThatThrownBy(() -> assertTimeoutPreemptively(QUICKLY, () -> ClusterInventory.load(client, null, Duration.ofSeconds(5))))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("listing /api/v1/serviceaccounts ");
  }

  @Test
  void pagesAreFollowed_withTheCredential_againstTheFake() {
    try (FakeKubernetesApiServer server = FakeKubernetesApiServer.start()) {
      server.createNamespace("shop");
      for (int i = 0; i < 1100; i++) {
        server.createServiceAccount("shop", "sa-" + i);
      }
      ApiClient client = new ClientBuilder().setBasePath(server.url()).setAuthentication(new AccessTokenAuthentication(server.adminToken()))
          .build();
      Inventory inv = ClusterInventory.load(client, "shop");
      assertThat(inv.objects()).filteredOn(o -> o.kind().equals("ServiceAccount")).extracting(KubeObject::name)
          .contains("sa-0", "sa-1099").doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(1100);
      List<RecordedRequest> pages = server.requests().stream().filter(r -> r.path().equals("/api/v1/namespaces/shop/serviceaccounts")).toList();
      assertThat(pages).hasSize(3);
      assertThat(pages.get(0).query()).isEqualTo("limit=500");
      assertThat(pages.get(1).query()).startsWith("limit=500&continue=");
      assertThat(pages).allSatisfy(r -> assertThat(r.header("Authorization")).contains("Bearer " + server.adminToken()));
    }
  }

  @Test
  void auditBindsToNoGeneratedBuildCall() throws IOException {
    // tokenrequest's ClientJavaAdapter is the one place bound to client-java's 11-argument buildCall.
    for (Class<?> c : List.of(ClusterInventory.class, Auditor.class, Inventory.class, Manifests.class, Reports.class, KubeObject.class)) {
      try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
        String bytes = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(bytes).as(c.getName()).doesNotContain("buildCall").doesNotContain("buildRequest");
      }
    }
  }

  @Test
  void incompatibleClientJava_isNamed() {
    assertThat(ClusterInventory.incompatibility(ApiClient.class, io.kubernetes.client.openapi.auth.Authentication.class)).isNull();
    assertThat(ClusterInventory.incompatibility(Object.class, Runnable.class))
        .startsWith("incompatible client-java ")
        .contains("java.lang.Object has no public method getAuthentication(String)")
        .endsWith("; sa-identity's audit needs it: use the client-java version that sa-identity's BOM manages");
    assertThat(ClusterInventory.incompatibility(ApiClient.class, Runnable.class))
        .contains("java.lang.Runnable has no public method applyToParams(List, Map, Map, String, String, URI)");
  }
}
