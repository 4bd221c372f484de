package dev.saidentity.samples;

import static dev.saidentity.testing.SaIdentityAssertions.assertThat;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.testing.FakeCluster;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.SettableClock;
import dev.saidentity.tokenrequest.CachingTokenProvider;
import dev.saidentity.tokenrequest.TokenRequestClient;
import dev.saidentity.tokenrequest.TokenRequestSpec;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Sample 3: unit tests written with the JUnit extension and the assertions. A fresh fake cluster per
 * test, its parts injected; time moves with the settable clock, never with sleep.
 */
@FakeCluster(tls = true)
class CheckoutIdentityTest {

  @Test
  void ordersAcceptsCheckoutsToken_untilItExpires(FakeKubernetesApiServer server, SettableClock clock) {
    server.createServiceAccount("default", "checkout");
    ServiceAccount checkout = server.serviceAccount("default", "checkout").orElseThrow();
    String token = server.issuer().projected(checkout).audience("orders").expiresIn(Duration.ofMinutes(30)).mint();
    TokenValidator orders = server.issuer().validator().audience("orders").build();

    assertThat(orders.tryValidate(token)).isValid().token().hasUsername("system:serviceaccount:default:checkout").hasAudiences("orders");
    assertThat(checkout).hasNamespace("default").isNotDefault();
    clock.advance(Duration.ofMinutes(32));
    assertThat(orders.tryValidate(token)).isRefusedWith(Reason.EXPIRED);
  }

  @Test
  void theCachingProviderRequestsOnce(FakeKubernetesApiServer server, SettableClock clock, ApiClient admin) {
    server.createServiceAccount("default", "checkout");
    try (CachingTokenProvider tokens = CachingTokenProvider.builder(TokenRequestClient.create(admin)).clock(clock).build()) {
      TokenRequestSpec spec = TokenRequestSpec.builder("default", "checkout").audience("orders").build();
      String first = tokens.token(spec);
      clock.advance(Duration.ofMinutes(20));
      org.junit.jupiter.api.Assertions.assertEquals(first, tokens.token(spec));
      org.junit.jupiter.api.Assertions.assertEquals(1, server.requestCount("POST", "/api/v1/namespaces/default/serviceaccounts/checkout/token"));
    }
  }
}
