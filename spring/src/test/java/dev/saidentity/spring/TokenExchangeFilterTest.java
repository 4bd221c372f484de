package dev.saidentity.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.saidentity.tokenrequest.TokenSource;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/** The WebClient filter against a local server: the token, one retry after a 401, no token elsewhere. */
class TokenExchangeFilterTest {

  final List<String> seen = new CopyOnWriteArrayList<>();
  final Set<String> refused = ConcurrentHashMap.newKeySet();
  final AtomicInteger generation = new AtomicInteger(1);
  HttpServer server;
  WebClient client;
  WebClient elsewhere;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      seen.add(auth == null ? "-" : auth);
      ex.sendResponseHeaders(auth != null && refused.contains(auth) ? 401 : 200, -1);
      ex.close();
    });
    server.start();
    TokenSource source = new TokenSource() {
      @Override
      public String token() {
        return "t" + generation.get();
      }

      @Override
      public void invalidate() {
        generation.incrementAndGet();
      }
    };
    int port = server.getAddress().getPort();
    ServiceAccountTokenExchangeFilter filter =
        new ServiceAccountTokenExchangeFilter(ServiceAccountTokenInterceptor.builder().target("127.0.0.1:" + port, source).build());
    client = WebClient.builder().clientConnector(new JdkClientHttpConnector()).baseUrl("http://127.0.0.1:" + port).filter(filter).build();
    elsewhere = WebClient.builder().clientConnector(new JdkClientHttpConnector()).baseUrl("http://localhost:" + port).filter(filter).build();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  int get(WebClient c) {
    return c.get().uri("/x").exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value())).block(java.time.Duration.ofSeconds(10));
  }

  @Test
  void aTargetGetsItsToken_andA401_exactlyOneRetryWithTheNewToken() {
    assertThat(get(client)).isEqualTo(200);
    refused.add("Bearer t1");

    assertThat(get(client)).isEqualTo(200);
    assertThat(seen).containsExactly("Bearer t1", "Bearer t1", "Bearer t2");
  }

  @Test
  void a401ToTheNewTokenToo_isReturnedAfterOneRetry() {
    refused.add("Bearer t1");
    refused.add("Bearer t2");

    assertThat(get(client)).isEqualTo(401);
    assertThat(seen).containsExactly("Bearer t1", "Bearer t2");
  }

  @Test
  void anotherHost_getsNoToken() {
    assertThat(get(elsewhere)).isEqualTo(200);
    assertThat(seen).containsExactly("-");
  }
}
