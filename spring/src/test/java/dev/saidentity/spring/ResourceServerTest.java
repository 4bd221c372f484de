package dev.saidentity.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.FakePodMount;
import dev.saidentity.testing.FakeTokenIssuer;
import dev.saidentity.testing.SettableClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real Spring Boot application on a random port, real HTTP, against two fake clusters over HTTPS:
 * cluster A is this pod's own ({@code in-cluster}: keys from its API server with the pod's CA and
 * token, TokenReview for bound tokens); cluster B is another, by OIDC discovery, offline.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, classes = ResourceServerTest.App.class,
    properties = "management.endpoints.web.exposure.include=health,prometheus")
class ResourceServerTest {

  static final Instant START = Instant.parse("2026-12-01T10:00:00Z");
  static final SettableClock CLOCK = SettableClock.at(START);
  static final FakeKubernetesApiServer A = FakeKubernetesApiServer.builder().tls(true).clock(CLOCK).start();
  static final FakeKubernetesApiServer B = FakeKubernetesApiServer.builder().tls(true).clock(CLOCK).start();
  static final Path DIR;
  static final FakePodMount ORDERS_MOUNT;
  static final String POD_UID;

  static {
    try {
      DIR = Files.createTempDirectory("sa-spring-");
      for (FakeKubernetesApiServer c : new FakeKubernetesApiServer[] {A, B}) {
        c.createNamespace("shop");
        c.createServiceAccount("shop", "checkout");
        c.createServiceAccount("shop", "orders");
        c.createServiceAccount("shop", "other");
      }
      POD_UID = A.createPod("shop", "checkout-1", "checkout", null);
      String ordersPod = A.createPod("shop", "orders-1", "orders", null);
      // orders reviews its callers' tokens: the auth-delegator role, as a real deployment grants it
      A.create("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: orders-auth-delegator}\n"
          + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: 'system:auth-delegator'}\n"
          + "subjects: [{kind: ServiceAccount, name: orders, namespace: shop}]\n");
      String own = A.issuer().projected(sa(A, "orders")).audience(A.issuer().issuer()).boundToPod("orders-1", ordersPod)
          .expiresIn(Duration.ofDays(2)).mint();
      ORDERS_MOUNT = FakePodMount.projected(DIR, "shop", own, A.caCertificatePem());
      Files.writeString(DIR.resolve("b-ca.crt"), B.caCertificatePem());
      Files.writeString(DIR.resolve("b-token"), B.issuer().projected(sa(B, "orders")).expiresIn(Duration.ofDays(2)).mint());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static ServiceAccount sa(FakeKubernetesApiServer c, String name) {
    return c.serviceAccount("shop", name).orElseThrow();
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry r) {
    r.add("sa-identity.kubernetes.mount", () -> ORDERS_MOUNT.path().toString());
    r.add("sa-identity.kubernetes.api-server", A::url);
    r.add("sa-identity.resource-server.audiences[0]", () -> "orders");
    r.add("sa-identity.resource-server.mode", () -> "offline-then-review");
    r.add("sa-identity.resource-server.issuers[0].in-cluster", () -> "true");
    r.add("sa-identity.resource-server.issuers[1].issuer", B::url);
    r.add("sa-identity.resource-server.issuers[1].discovery", B::url);
    r.add("sa-identity.resource-server.issuers[1].ca-file", () -> DIR.resolve("b-ca.crt").toString());
    r.add("sa-identity.resource-server.issuers[1].bearer-token-file", () -> DIR.resolve("b-token").toString());
    r.add("sa-identity.resource-server.issuers[1].mode", () -> "offline");
    r.add("management.endpoint.health.show-details", () -> "always");
  }

  @AfterAll
  static void stop() throws IOException {
    ORDERS_MOUNT.close();
    A.close();
    B.close();
    try (Stream<Path> s = Files.walk(DIR)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @AfterEach
  void resetClock() {
    CLOCK.set(START);
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @EnableMethodSecurity
  static class App {
    @Bean
    Clock clock() {
      return CLOCK;
    }

    @Bean
    SecurityFilterChain api(HttpSecurity http, ServiceAccountResourceServer serviceAccounts) throws Exception {
      return http
          .authorizeHttpRequests(a -> a.requestMatchers("/actuator/**").permitAll()
              .requestMatchers("/orders").access(ServiceAccounts.allow("shop/checkout", "billing/*"))
              .anyRequest().authenticated())
          .oauth2ResourceServer(serviceAccounts)
          .build();
    }

    @Bean
    Orders orders() {
      return new Orders();
    }
  }

  @RestController
  static class Orders {
    @GetMapping("/orders")
    String orders(@AuthenticationPrincipal ServiceAccountPrincipal caller) {
      return caller.username() + " pod=" + caller.pod().map(p -> p.name() + "/" + p.uid().orElse("")).orElse("-")
          + " aud=" + caller.audiences() + " iss=" + caller.issuer();
    }

    @GetMapping("/reports")
    @PreAuthorize("@serviceAccounts.allow(authentication, 'shop/other', 'billing/*')")
    String reports(@AuthenticationPrincipal ServiceAccountPrincipal caller) {
      return "reports for " + caller.name();
    }
  }

  @LocalServerPort
  int port;

  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> get(String path, @Nullable String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String checkoutToken() {
    return A.issuer().projected(sa(A, "checkout")).audience("orders").boundToPod("checkout-1", POD_UID).mint();
  }

  static void assertRefused(HttpResponse<String> r, String token, String reason) {
    assertThat(r.statusCode()).isEqualTo(401);
    String h = r.headers().firstValue("WWW-Authenticate").orElseThrow();
    assertThat(h).startsWith("Bearer error=\"invalid_token\", error_description=\"" + reason + ": ");
    assertThat(h).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
  }

  @Test
  void aPodBoundTokenOfTheAllowedServiceAccount_gets200_andItsIdentityInTheHandler() throws Exception {
    HttpResponse<String> r = get("/orders", checkoutToken());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("system:serviceaccount:shop:checkout pod=checkout-1/" + POD_UID + " aud=[orders] iss=" + A.url());
  }

  @Test
  void noToken_gets401_withABareBearerChallenge() throws Exception {
    HttpResponse<String> r = get("/orders", null);

    assertThat(r.statusCode()).isEqualTo(401);
    // RFC 6750 section 3: no error code when the request has no token (Spring Security 7 adds RFC 9728's resource_metadata)
    assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer").doesNotContain("error=");
  }

  @Test
  void aTokenForAnotherAudience_isRefused() throws Exception {
    String token = A.issuer().projected(sa(A, "checkout")).audience("payments").boundToPod("checkout-1", POD_UID).mint();

    assertRefused(get("/orders", token), token, "AUDIENCE_MISMATCH");
  }

  @Test
  void aTokenOfAnUnknownIssuer_isRefused() throws Exception {
    FakeTokenIssuer stranger = FakeTokenIssuer.builder().issuer("https://stranger.example").clock(CLOCK).build();
    String token = stranger.projected(ServiceAccount.of("shop", "checkout", "uid-1")).audience("orders").mint();

    assertRefused(get("/orders", token), token, "ISSUER_MISMATCH");
  }

  @Test
  void anExpiredToken_isRefused() throws Exception {
    String token = A.issuer().projected(sa(A, "checkout")).audience("orders").boundToPod("checkout-1", POD_UID)
        .expiresIn(Duration.ofMinutes(10)).mint();
    CLOCK.advance(Duration.ofMinutes(12));

    assertRefused(get("/orders", token), token, "EXPIRED");
  }

  @Test
  void aLegacyToken_isRefused() throws Exception {
    String token = A.issuer().legacy(sa(A, "checkout"), "checkout-token-abcde");

    assertRefused(get("/orders", token), token, "LEGACY_TOKEN_NOT_ALLOWED");
  }

  @Test
  void aValidTokenOfAnotherServiceAccount_gets403_insufficientScope() throws Exception {
    String token = A.issuer().projected(sa(A, "other")).audience("orders").mint();

    HttpResponse<String> r = get("/orders", token);

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer error=\"insufficient_scope\"");
    assertThat(get("/anything-else", token).statusCode()).isEqualTo(404); // authenticated: only /orders is restricted
  }

  @Test
  void methodSecurity_withTheServiceAccountsBean() throws Exception {
    String other = A.issuer().projected(sa(A, "other")).audience("orders").mint();

    assertThat(get("/reports", other).body()).isEqualTo("reports for other");
    assertThat(get("/reports", checkoutToken()).statusCode()).isEqualTo(403);
  }

  @Test
  void offlineThenReview_theSameTokenIsRefused_onceItsPodIsDeleted() throws Exception {
    String uid = A.createPod("shop", "checkout-2", "checkout", null);
    String token = A.issuer().projected(sa(A, "checkout")).audience("orders").boundToPod("checkout-2", uid).mint();
    assertThat(get("/orders", token).statusCode()).isEqualTo(200);

    A.delete("v1", "Pod", "shop", "checkout-2");
    CLOCK.advance(Duration.ofSeconds(11)); // past the reviewer's 10 s cache of successes, as the API server caches

    assertRefused(get("/orders", token), token, "REVOKED");
  }

  @Test
  void tokenReviewUnavailable_isA503_failClosed() throws Exception {
    String uid = A.createPod("shop", "checkout-3", "checkout", null);
    String token = A.issuer().projected(sa(A, "checkout")).audience("orders").boundToPod("checkout-3", uid).mint();
    A.setFault("POST", "/apis/authentication.k8s.io/v1/tokenreviews", dev.saidentity.testing.Fault.status(503));
    try {
      HttpResponse<String> r = get("/orders", token);

      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).doesNotContain(token);
    } finally {
      A.clearFaults();
    }
  }

  @Test
  void twoIssuers_areAcceptedSideBySide_eachWithItsOwnKeys() throws Exception {
    String fromB = B.issuer().projected(sa(B, "checkout")).audience("orders").mint();

    HttpResponse<String> r = get("/orders", fromB);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).endsWith("iss=" + B.url());
    // B's key does not vouch for A's identities: a token claiming A's issuer, signed by B, is refused
    String forged = B.issuer().projected(sa(B, "checkout")).audience("orders").issuer(A.url()).mint();
    assertRefused(get("/orders", forged), forged, "UNKNOWN_KEY");
  }

  @Test
  void prometheus_showsTheValidationsByOutcome_andNoToken() throws Exception {
    String token = checkoutToken();
    assertThat(get("/orders", token).statusCode()).isEqualTo(200);
    String refused = A.issuer().projected(sa(A, "checkout")).audience("payments").mint();
    assertThat(get("/orders", refused).statusCode()).isEqualTo(401);

    HttpResponse<String> r = get("/actuator/prometheus", null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).containsPattern("saidentity_validations_total\\{[^}]*name=\"in-cluster\"[^}]*outcome=\"valid\"[^}]*} [1-9]")
        .containsPattern("saidentity_validations_total\\{[^}]*name=\"in-cluster\"[^}]*outcome=\"audience_mismatch\"[^}]*} [1-9]")
        .contains("saidentity_tokenreview")
        .doesNotContain(token.substring(token.lastIndexOf('.') + 1)).doesNotContain(refused.substring(refused.lastIndexOf('.') + 1));
  }

  @Test
  void health_isUp_withThePodsIdentity_andNeverItsToken() throws Exception {
    HttpResponse<String> r = get("/actuator/health", null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("{\"components\"").contains("\"serviceAccount\":{").contains("system:serviceaccount:shop:orders")
        .contains("\"inCluster\":true").endsWith("\"status\":\"UP\"}")
        .doesNotContain(Files.readString(ORDERS_MOUNT.tokenPath()).strip());
  }
}
