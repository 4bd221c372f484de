package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.ValidationResult;
import dev.saidentity.testing.Fault;
import dev.saidentity.testing.FakeKubernetesApiServer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Offline first, then TokenReview when the bound object's liveness matters. */
class CallerVerifierTest {

  final FakeKubernetesApiServer server = FakeKubernetesApiServer.start();
  final ApiClient admin = new ClientBuilder().setBasePath(server.url()).setAuthentication(new AccessTokenAuthentication(server.adminToken())).build();

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void boundTokens_areReviewed_andRefusedOnceTheirPodIsGone() {
    server.createServiceAccount("default", "api");
    String podUid = server.createPod("default", "api-1", "api", null);
    ServiceAccount sa = server.serviceAccount("default", "api").orElseThrow();
    String bound = server.issuer().projected(sa).audience("payments").boundToPod("api-1", podUid).mint();
    String unbound = server.issuer().projected(sa).audience("payments").mint();
    TokenValidator offline = server.issuer().validator().audience("payments").build();
    CallerVerifier v = CallerVerifier.builder(offline,
        TokenReviewer.builder(admin).audience("payments").cache(Duration.ZERO, Duration.ZERO).build()).build();
    assertThat(v.verify(bound).isValid()).isTrue();
    assertThat(v.verify(unbound).isValid()).isTrue();
    assertThat(server.requestCount("POST", "/apis/authentication.k8s.io/v1/tokenreviews")).as("only the bound token is reviewed").isEqualTo(1);
    server.delete("v1", "Pod", "default", "api-1");
    ValidationResult gone = v.verify(bound);
    assertThat(gone.reason()).contains(Reason.REVOKED);
    assertThat(gone.message()).isEqualTo("service account token has been invalidated: valid offline, but TokenReview refuses it for"
        + " system:serviceaccount:default:api");
    assertThat(offline.tryValidate(bound).isValid()).as("offline alone cannot tell").isTrue();
    assertThat(v.verify("garbage").reason()).contains(Reason.MALFORMED);
  }

  @Test
  void failsClosedWhenTheApiServerCannotBeAsked_unlessFailOpen() {
    server.createServiceAccount("default", "api");
    String podUid = server.createPod("default", "api-1", "api", null);
    String bound = server.issuer().projected(server.serviceAccount("default", "api").orElseThrow()).audience("payments")
        .boundToPod("api-1", podUid).mint();
    TokenValidator offline = server.issuer().validator().audience("payments").build();
    TokenReviewer reviewer = TokenReviewer.builder(admin).audience("payments").cache(Duration.ZERO, Duration.ZERO).build();
    server.setFault("POST", "/apis/authentication.k8s.io/v1/tokenreviews", Fault.status(503));
    assertThatThrownBy(() -> CallerVerifier.builder(offline, reviewer).build().verify(bound))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.isRetryable()).isTrue());
    assertThat(CallerVerifier.builder(offline, reviewer).failOpen(true).build().verify(bound).isValid()).isTrue();
    assertThat(CallerVerifier.builder(offline, reviewer).review(CallerVerifier.Review.NEVER).build().verify(bound).isValid()).isTrue();
  }
}
