package dev.saidentity.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.FakePodMount;
import dev.saidentity.testing.SettableClock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

/**
 * The outbound interceptor through Spring Boot's own {@code RestClient.Builder}, against a small local
 * server that records each request's token and answers 401 to the tokens it is told to refuse.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, classes = TokenClientTest.App.class)
class TokenClientTest {

  static final SettableClock CLOCK = SettableClock.at(Instant.parse("2026-12-01T10:00:00Z"));
  static final FakeKubernetesApiServer CLUSTER = FakeKubernetesApiServer.builder().tls(true).clock(CLOCK).start();
  static final Path DIR;
  static final FakePodMount ORDERS_TOKEN;
  static final HttpServer TARGET;
  /** The Authorization header of each request the target received (none: "-"). */
  static final List<String> SEEN = new CopyOnWriteArrayList<>();
  static final Set<String> REFUSED = ConcurrentHashMap.newKeySet();

  static {
    try {
      DIR = Files.createTempDirectory("sa-spring-client-");
      CLUSTER.createNamespace("shop");
      CLUSTER.createServiceAccount("shop", "checkout");
      ORDERS_TOKEN = FakePodMount.projected(DIR, "shop", mint("orders"), CLUSTER.caCertificatePem(), CLOCK);
      TARGET = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      TARGET.createContext("/", ex -> {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        SEEN.add(auth == null ? "-" : auth);
        int status = auth != null && REFUSED.contains(auth.substring("Bearer ".length())) ? 401 : 200;
        ex.sendResponseHeaders(status, -1);
        ex.close();
      });
      TARGET.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String mint(String audience) {
    return CLUSTER.issuer().projected(CLUSTER.serviceAccount("shop", "checkout").orElseThrow()).audience(audience)
        .expiresIn(Duration.ofDays(1)).mint();
  }

  static int port() {
    return TARGET.getAddress().getPort();
  }

  @org.springframework.test.context.DynamicPropertySource
  static void properties(org.springframework.test.context.DynamicPropertyRegistry r) {
    r.add("sa-identity.client.targets.orders.hosts[0]", () -> "127.0.0.1:" + port());
    r.add("sa-identity.client.targets.orders.token-file", () -> ORDERS_TOKEN.tokenPath().toString());
    r.add("sa-identity.client.targets.payments.hosts[0]", () -> "payments.local");
    r.add("sa-identity.client.targets.payments.audience", () -> "payments");
    r.add("sa-identity.client.service-account", () -> "shop/checkout");
  }

  @AfterAll
  static void stop() throws IOException {
    TARGET.stop(0);
    ORDERS_TOKEN.close();
    CLUSTER.close();
    try (Stream<Path> s = Files.walk(DIR)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {
    @Bean
    Clock clock() {
      return CLOCK;
    }

    @Bean
    ApiClient apiClient() throws IOException {
      return Config.fromConfig(new StringReader(CLUSTER.kubeconfig())); // for the TokenRequest target
    }
  }

  @Autowired
  RestClient.Builder builder;

  @Autowired
  ServiceAccountTokenInterceptor interceptor;

  @BeforeEach
  void reset() {
    SEEN.clear();
    REFUSED.clear();
  }

  RestClient client() {
    return builder.baseUrl("http://127.0.0.1:" + port()).build();
  }

  static String current() throws IOException {
    return "Bearer " + Files.readString(ORDERS_TOKEN.tokenPath()).strip();
  }

  @Test
  void theTokenRotatesAcrossARefreshOfTheFile() throws Exception {
    client().get().uri("/a").retrieve().toBodilessEntity();
    String first = current();
    ORDERS_TOKEN.rotate(mint("orders"));
    client().get().uri("/b").retrieve().toBodilessEntity(); // still the cached copy: the file is re-read every 50 s
    CLOCK.advance(Duration.ofSeconds(51));
    client().get().uri("/c").retrieve().toBodilessEntity();

    assertThat(SEEN).containsExactly(first, first, current());
    assertThat(first).isNotEqualTo(current());
  }

  @Test
  void a401_leadsToExactlyOneRetry_withTheNewToken() throws Exception {
    client().get().uri("/warm").retrieve().toBodilessEntity();
    String old = current();
    REFUSED.add(old.substring(7));
    ORDERS_TOKEN.rotate(mint("orders")); // the kubelet has rotated; the client still holds the old copy

    ResponseEntity<Void> r = client().get().uri("/x").retrieve().toBodilessEntity();

    assertThat(r.getStatusCode().value()).isEqualTo(200);
    assertThat(SEEN).containsExactly(old, old, current());
  }

  @Test
  void a401ToTheNewTokenToo_isReturned_afterOneRetryOnly() throws Exception {
    client().get().uri("/warm").retrieve().toBodilessEntity();
    REFUSED.add(current().substring(7));
    SEEN.clear();

    int status = client().get().uri("/x").exchange((req, res) -> res.getStatusCode().value());

    assertThat(status).isEqualTo(401);
    assertThat(SEEN).hasSize(2);
  }

  @Test
  void aPostAnswered401_isNotRetried_butItsNextCallHasTheNewToken() throws Exception {
    client().get().uri("/warm").retrieve().toBodilessEntity();
    String old = current();
    REFUSED.add(old.substring(7));
    ORDERS_TOKEN.rotate(mint("orders"));
    SEEN.clear();

    int status = client().post().uri("/x").body("{}").exchange((req, res) -> res.getStatusCode().value());
    int next = client().post().uri("/y").body("{}").exchange((req, res) -> res.getStatusCode().value());

    assertThat(status).isEqualTo(401);
    assertThat(next).isEqualTo(200);
    assertThat(SEEN).containsExactly(old, current());
  }

  @Test
  void anotherHost_getsNoToken() throws Exception {
    builder.baseUrl("http://localhost:" + port()).build().get().uri("/elsewhere").retrieve().toBodilessEntity();

    assertThat(SEEN).containsExactly("-");
  }

  @Test
  void aTokenRequestTarget_getsAnAudienceScopedTokenFromTheCachingProvider() {
    String token = interceptor.sourceFor(java.net.URI.create("https://payments.local/pay")).token();

    dev.saidentity.core.UnverifiedToken t = dev.saidentity.core.UnverifiedToken.decode(token);
    assertThat(t.audiences()).containsExactly("payments");
    assertThat(t.serviceAccount().username()).isEqualTo("system:serviceaccount:shop:checkout");
  }
}
