package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.SettableClock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TokenAuthenticationTest {

  final SettableClock clock = SettableClock.at(Instant.parse("2026-01-01T00:00:00Z"));

  @Test
  void on401_theInterceptorInvalidatesTheTokenItSent_andRetriesOnce() throws Exception {
    try (FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().clock(clock).start()) {
      AtomicInteger calls = new AtomicInteger();
      List<String> invalidated = new CopyOnWriteArrayList<>();
      TokenSource source = new TokenSource() {
        @Override
        public String token() {
          return calls.incrementAndGet() == 1 ? "stale-token" : server.adminToken();
        }

        @Override
        public void invalidate(String rejected) {
          invalidated.add(rejected);
        }
      };
      ApiClient c = new ClientBuilder().setBasePath(server.url()).setAuthentication(new TokenAuthentication(source)).build();
      assertThat(new CoreV1Api(c).listNamespacedPod("default").execute().getItems()).isEmpty();
      assertThat(invalidated).containsExactly("stale-token");
      assertThat(server.requestCount("GET", "/api/v1/namespaces/default/pods")).isEqualTo(2);
    }
  }

  @Test
  void aBurstOf401sForOneToken_invalidatesItOnce_andLeavesItsReplacementAlone() {
    AtomicInteger fetches = new AtomicInteger();
    try (CachingTokenProvider p = CachingTokenProvider.builder(s -> new IssuedToken("t-" + fetches.incrementAndGet(),
        clock.instant().plusSeconds(3600), 3600, s.audiences(), List.of())).clock(clock).fetchExecutor(Runnable::run).build()) {
      TokenRequestSpec spec = TokenRequestSpec.builder("default", "api").audience("vault").expiration(Duration.ofHours(1)).build();
      TokenSource source = TokenSource.of(p, spec);
      String sentByA = source.token();
      String sentByB = source.token(); // two requests in flight with the same token; both get a 401
      source.invalidate(sentByA);
      String retryA = source.token(); // a new token
      source.invalidate(sentByB); // the same old token: its replacement stays
      String retryB = source.token();
      assertThat(retryA).isEqualTo("t-2");
      assertThat(retryB).isEqualTo("t-2");
      assertThat(fetches).as("TokenRequests").hasValue(2);
    }
  }
}
