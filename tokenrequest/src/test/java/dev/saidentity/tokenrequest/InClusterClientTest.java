package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InClusterClientTest {

  @TempDir
  Path tmp;

  InClusterClient.Builder inCluster(int port) throws IOException {
    Path mount = Files.createDirectories(tmp.resolve("sa"));
    Files.writeString(mount.resolve("token"), "header.payload.signature\n");
    return InClusterClient.builder().mount(mount)
        .environment(Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1", "KUBERNETES_SERVICE_PORT", Integer.toString(port)));
  }

  @Test
  void build_setsADeadlineOnConnectReadWriteAndTheWholeCall_byDefault() throws Exception {
    OkHttpClient http = inCluster(6443).build().getHttpClient();
    assertThat(http.connectTimeoutMillis()).as("connect").isEqualTo(10_000);
    assertThat(http.readTimeoutMillis()).as("read (client-java's default is none)").isEqualTo(30_000);
    assertThat(http.writeTimeoutMillis()).as("write").isEqualTo(30_000);
    assertThat(http.callTimeoutMillis()).as("whole call").isEqualTo(60_000);
    assertThat(InClusterClient.DEFAULT_CONNECT_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
    assertThat(InClusterClient.DEFAULT_READ_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
    assertThat(InClusterClient.DEFAULT_WRITE_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
    assertThat(InClusterClient.DEFAULT_CALL_TIMEOUT).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void deadlines_areConfigurable_zeroMeaningNone_negativeRefused() throws Exception {
    OkHttpClient http = inCluster(6443).connectTimeout(Duration.ofSeconds(1)).readTimeout(Duration.ZERO).writeTimeout(Duration.ofSeconds(2))
        .callTimeout(Duration.ZERO).build().getHttpClient();
    assertThat(http.connectTimeoutMillis()).isEqualTo(1_000);
    assertThat(http.readTimeoutMillis()).isZero();
    assertThat(http.writeTimeoutMillis()).isEqualTo(2_000);
    assertThat(http.callTimeoutMillis()).isZero();
    assertThatThrownBy(() -> InClusterClient.builder().readTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("readTimeout must not be negative, got PT-1S");
  }

  @Test
  void aServerThatAcceptsButNeverAnswers_failsTheCallAtItsDeadline() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept()); // accepted, never answered (not even the TLS handshake)
          }
        } catch (IOException closed) {
          // the test is over
        }
      }, "silent-server");
      acceptor.setDaemon(true);
      acceptor.start();
      ApiClient c = inCluster(silent.getLocalPort()).readTimeout(Duration.ofMillis(200)).callTimeout(Duration.ofSeconds(2)).build();
      assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
        assertThatThrownBy(() -> {
          try (Response r = c.getHttpClient().newCall(new Request.Builder().url(c.getBasePath() + "/version").build()).execute()) {
            r.code();
          }
        }).isInstanceOf(InterruptedIOException.class);
      });
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void caCrt_isReadWithA1MiBCap_checkedWhileReading() throws Exception {
    Path big = tmp.resolve("big.crt");
    byte[] content = new byte[InClusterClient.MAX_CA_BYTES + 1];
    java.util.Arrays.fill(content, (byte) 'A');
    Files.write(big, content);
    assertThatThrownBy(() -> InClusterClient.readCaCapped(big)).isInstanceOf(InClusterClient.CaTooLargeException.class)
        .hasMessageContaining("1048576");
    Path exact = tmp.resolve("exact.crt");
    Files.write(exact, java.util.Arrays.copyOf(content, InClusterClient.MAX_CA_BYTES));
    assertThat(InClusterClient.readCaCapped(exact)).hasSize(InClusterClient.MAX_CA_BYTES);
  }

  @Test
  void caCrt_linkedToAnEndlessDevice_costsAtMostTheCap_andTheClientStillBuilds() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/dev/zero")));
    InClusterClient.Builder b = inCluster(6443);
    Files.createSymbolicLink(tmp.resolve("sa").resolve("ca.crt"), Path.of("/dev/zero"));
    ApiClient c = assertTimeoutPreemptively(Duration.ofSeconds(10), b::build);
    assertThat(c.getBasePath()).isEqualTo("https://127.0.0.1:6443");
  }
}
