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
        TokenReviewer.builder(admin).audience("payments").cache(Duration.ZERO, Duration.ZERO).build()).review(CallerVerifier.Review.BOUND_TOKENS)
        .build();
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

  @Test
  void legacyTokens_areReviewedByDefault_andRefusedOnceTheirSecretIsGone() {
    server.createServiceAccount("default", "api");
    String legacy = server.createLegacyTokenSecret("default", "api", "api-token");
    TokenValidator offline = server.issuer().validator().allowLegacyTokens(true).build();
    CallerVerifier v = CallerVerifier.builder(offline, TokenReviewer.builder(admin).cache(Duration.ZERO, Duration.ZERO).build()).build();
    assertThat(v.verify(legacy).isValid()).isTrue();
    assertThat(server.requestCount("POST", "/apis/authentication.k8s.io/v1/tokenreviews")).as("reviewed by default").isEqualTo(1);
    server.delete("v1", "Secret", "default", "api-token");
    ValidationResult gone = v.verify(legacy);
    assertThat(gone.reason()).as("deleting its Secret is a legacy token's only revocation").contains(Reason.REVOKED);
    assertThat(offline.tryValidate(legacy).isValid()).as("offline alone cannot tell").isTrue();
  }

  @Test
  void failOpen_appliesOnlyToAnUnavailableApiServer_forBoundTokens() {
    server.createServiceAccount("default", "api");
    String podUid = server.createPod("default", "api-1", "api", null);
    String bound = server.issuer().projected(server.serviceAccount("default", "api").orElseThrow()).audience("payments")
        .boundToPod("api-1", podUid).mint();
    String legacy = server.createLegacyTokenSecret("default", "api", "api-token");
    TokenValidator offline = server.issuer().validator().audience("payments").build();
    TokenValidator offlineLegacy = server.issuer().validator().allowLegacyTokens(true).build();
    TokenReviewer reviewer = TokenReviewer.builder(admin).cache(Duration.ZERO, Duration.ZERO).build();
    CallerVerifier open = CallerVerifier.builder(offline, reviewer).failOpen(true).build();
    CallerVerifier openLegacy = CallerVerifier.builder(offlineLegacy, reviewer).failOpen(true).build();
    String reviews = "/apis/authentication.k8s.io/v1/tokenreviews";

    server.setFault("POST", reviews, Fault.status(503));
    assertThat(open.verify(bound).isValid()).as("503: unavailable, a bound token valid offline stands").isTrue();
    assertThatThrownBy(() -> openLegacy.verify(legacy)).as("never open for a legacy token: it never expires")
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.UNAVAILABLE));
    server.clearFaults();
    server.setFault("POST", reviews, Fault.dropConnection());
    assertThat(open.verify(bound).isValid()).as("no answer: unavailable").isTrue();
    server.clearFaults();
    server.setFault("POST", reviews, Fault.status(403));
    assertThatThrownBy(() -> open.verify(bound)).as("403: the reviewer's own permissions are wrong, never open")
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.FORBIDDEN));
    server.clearFaults();
    server.delete("v1", "Pod", "default", "api-1");
    assertThat(open.verify(bound).reason()).as("a definitive \"not authenticated\" is never opened").contains(Reason.REVOKED);
  }

  @Test
  void anUnexpectedFailure_failsClosed_withATypedError_evenWithFailOpen() {
    server.createServiceAccount("default", "api");
    String podUid = server.createPod("default", "api-1", "api", null);
    String bound = server.issuer().projected(server.serviceAccount("default", "api").orElseThrow()).audience("payments")
        .boundToPod("api-1", podUid).mint();
    TokenValidator offline = server.issuer().validator().audience("payments").build();
    ApiClient broken = new ApiClient();
    broken.setBasePath("not-a-url"); // OkHttp refuses the URL with an IllegalArgumentException
    TokenReviewer reviewer = TokenReviewer.builder(broken).build();
    for (boolean failOpen : new boolean[] {false, true}) {
      assertThatThrownBy(() -> CallerVerifier.builder(offline, reviewer).failOpen(failOpen).build().verify(bound))
          .isInstanceOfSatisfying(TokenRequestException.class, e -> {
            assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.UNEXPECTED);
            assertThat(e.isRetryable()).isFalse();
          })
          .hasMessage("TokenReview failed unexpectedly (java.lang.IllegalArgumentException): the token is refused")
          .hasRootCauseInstanceOf(RuntimeException.class);
    }
  }

  @Test
  void reviewAudiences_areDerivedFromTheValidator() {
    server.createServiceAccount("default", "api");
    String podUid = server.createPod("default", "api-1", "api", null);
    String bound = server.issuer().projected(server.serviceAccount("default", "api").orElseThrow()).audience("payments").audience("other")
        .boundToPod("api-1", podUid).mint();
    TokenValidator offline = server.issuer().validator().audience("payments").build();
    for (TokenReviewer reviewer : java.util.List.of(TokenReviewer.builder(admin).cache(Duration.ZERO, Duration.ZERO).build(),
        TokenReviewer.builder(admin).audience("elsewhere").cache(Duration.ZERO, Duration.ZERO).build())) {
      server.clearRequests();
      ValidationResult r = CallerVerifier.builder(offline, reviewer).build().verify(bound);
      assertThat(r.isValid()).as(r.message()).isTrue();
      com.google.gson.JsonObject sent = com.google.gson.JsonParser.parseString(server.requests().get(0).bodyText()).getAsJsonObject();
      assertThat(sent.getAsJsonObject("spec").getAsJsonArray("audiences").toString())
          .as("reviewed for what the validator accepted the token for").isEqualTo("[\"payments\"]");
    }
  }
}
