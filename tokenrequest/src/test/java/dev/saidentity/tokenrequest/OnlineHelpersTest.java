package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.FakePodMount;
import dev.saidentity.testing.SettableClock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Projected token files, the client-java authentication, the in-cluster client, TokenReview and self-subject reviews. */
class OnlineHelpersTest {

  @TempDir
  Path tmp;
  final SettableClock clock = SettableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
  final FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().tls(true).clock(clock).start();

  @AfterEach
  void stop() {
    server.close();
  }

  ApiClient admin() {
    return new ClientBuilder().setBasePath(server.url()).setAuthentication(new AccessTokenAuthentication(server.adminToken()))
        .setCertificateAuthority(server.caCertificatePem().getBytes(StandardCharsets.UTF_8)).build();
  }

  String saToken(String name) {
    return server.issuer().projected(server.serviceAccount("default", name).orElseThrow()).audience(server.issuer().issuer())
        .expiresIn(Duration.ofHours(1)).mint();
  }

  @Test
  void projectedTokenFile_followsRotation_every50s_andKeepsTheLastGood() throws Exception {
    server.createServiceAccount("default", "api");
    String t1 = saToken("api");
    try (FakePodMount mount = FakePodMount.projected(tmp, "default", t1, server.caCertificatePem(), clock)) {
      ProjectedTokenFile file = ProjectedTokenFile.of(mount.tokenPath(), clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
      assertThat(file.token()).isEqualTo(t1);
      clock.advance(Duration.ofSeconds(10));
      String t2 = saToken("api");
      mount.rotate(t2);
      assertThat(file.token()).as("cached for 50 s").isEqualTo(t1);
      clock.advance(Duration.ofSeconds(40));
      assertThat(file.token()).isEqualTo(t2);
      mount.rotate("");
      clock.advance(Duration.ofSeconds(51));
      assertThat(file.token()).as("an empty file keeps the last good").isEqualTo(t2);
      mount.remove("token");
      clock.advance(Duration.ofSeconds(51));
      assertThat(file.token()).as("a missing file keeps the last good").isEqualTo(t2);
      assertThat(file.toString()).doesNotContain(t2.substring(0, 20));
    }
    ProjectedTokenFile missing = ProjectedTokenFile.of(tmp.resolve("nope"));
    assertThatThrownBy(missing::token).isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("no token yet at");
  }

  @Test
  void projectedTokenFile_rereadsSoonerNearExpiry_andOnInvalidate() throws Exception {
    server.createServiceAccount("default", "api");
    String t1 = server.issuer().projected(server.serviceAccount("default", "api").orElseThrow()).expiresIn(Duration.ofMinutes(10)).mint();
    try (FakePodMount mount = FakePodMount.projected(tmp, "default", t1, "", clock)) {
      ProjectedTokenFile file = ProjectedTokenFile.of(mount.tokenPath(), clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
      assertThat(file.token()).isEqualTo(t1);
      String t2 = saToken("api");
      mount.rotate(t2);
      file.invalidate();
      assertThat(file.token()).isEqualTo(t2);
      String t3 = server.issuer().projected(server.serviceAccount("default", "api").orElseThrow()).expiresIn(Duration.ofMinutes(10))
          .issuedAt(clock.instant().minus(Duration.ofSeconds(560))).mint(); // 40 s left
      mount.rotate(t3);
      clock.advance(Duration.ofSeconds(2));
      file.invalidate();
      assertThat(file.token()).isEqualTo(t3);
      String t4 = saToken("api");
      mount.rotate(t4);
      clock.advance(Duration.ofSeconds(2));
      assertThat(file.token()).as("within 50 s of exp: re-read at once").isEqualTo(t4);
    }
  }

  @Test
  void tokenAuthentication_retriesOnceAfterA401_withAFreshToken() throws Exception {
    server.createServiceAccount("default", "api");
    server.create("{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"api-view\","
        + "\"namespace\":\"default\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"view\"},"
        + "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"api\",\"namespace\":\"default\"}]}");
    String good = saToken("api");
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger invalidations = new AtomicInteger();
    TokenSource source = new TokenSource() {
      @Override
      public String token() {
        return calls.incrementAndGet() == 1 ? "stale-token" : good;
      }

      @Override
      public void invalidate() {
        invalidations.incrementAndGet();
      }
    };
    ApiClient c = new ClientBuilder().setBasePath(server.url()).setCertificateAuthority(server.caCertificatePem().getBytes(StandardCharsets.UTF_8))
        .setAuthentication(new TokenAuthentication(source)).build();
    assertThat(new CoreV1Api(c).listNamespacedPod("default").execute().getItems()).isEmpty();
    assertThat(invalidations).hasValue(1);
    assertThat(calls).hasValue(2);
    assertThat(server.requestCount("GET", "/api/v1/namespaces/default/pods")).isEqualTo(2);
  }

  @Test
  void inClusterClient_startsBeforeTheTokenFileExists() throws Exception {
    server.createServiceAccount("default", "api");
    Path mount = Files.createDirectories(tmp.resolve("sa"));
    Files.writeString(mount.resolve("ca.crt"), server.caCertificatePem());
    ApiClient c = InClusterClient.builder().mount(mount)
        .environment(Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1", "KUBERNETES_SERVICE_PORT", Integer.toString(server.port()))).build();
    Files.writeString(mount.resolve("token"), saToken("api") + "\n");
    assertThat(SelfSubjectReviews.whoAmI(c).username()).isEqualTo("system:serviceaccount:default:api");
    assertThatThrownBy(() -> InClusterClient.builder().environment(Map.of()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined");
  }

  @Test
  void tokenReviewer_andSelfSubjectReviews_answerPlainValues() {
    server.createServiceAccount("default", "api");
    String podUid = server.createPod("default", "api-1", "api", null);
    String token = server.issuer().projected(server.serviceAccount("default", "api").orElseThrow()).audience("payments")
        .boundToPod("api-1", podUid).mint();
    TokenReviewer reviewer = TokenReviewer.builder(admin()).audience("payments").clock(clock).build();
    TokenReviewer.Result r = reviewer.review(token);
    assertThat(r.authenticated()).isTrue();
    assertThat(r.user().orElseThrow().serviceAccount()).contains(server.serviceAccount("default", "api").orElseThrow());
    assertThat(r.user().orElseThrow().extra()).containsKey("authentication.kubernetes.io/pod-name");
    assertThat(r.audiences()).containsExactly("payments");
    assertThat(reviewer.review(token)).isEqualTo(r);
    assertThat(server.requestCount("POST", "/apis/authentication.k8s.io/v1/tokenreviews")).as("cached").isEqualTo(1);
    server.delete("v1", "Pod", "default", "api-1");
    clock.advance(Duration.ofSeconds(11));
    TokenReviewer.Result dead = reviewer.review(token);
    assertThat(dead.authenticated()).isFalse();
    assertThat(dead.error()).isEqualTo("service account token has been invalidated");
    TokenReviewer.Result wrongAud = TokenReviewer.builder(admin()).audience("elsewhere").build().review(token);
    assertThat(wrongAud.authenticated()).isFalse();

    ApiClient asApi = new ClientBuilder().setBasePath(server.url()).setCertificateAuthority(server.caCertificatePem().getBytes(StandardCharsets.UTF_8))
        .setAuthentication(new AccessTokenAuthentication(saToken("api"))).build();
    UserInfo me = SelfSubjectReviews.whoAmI(asApi);
    assertThat(me.serviceAccount().map(ServiceAccount::username)).contains("system:serviceaccount:default:api");
    assertThat(me.groups()).contains("system:authenticated");
    assertThat(SelfSubjectReviews.canI(asApi, "list", "", "pods", "default")).isFalse();
    assertThat(SelfSubjectReviews.canI(admin(), "list", "", "pods", "default")).isTrue();
    SelfSubjectReviews.Rules rules = SelfSubjectReviews.rules(admin(), "default");
    assertThat(rules.resourceRules()).anyMatch(SelfSubjectReviews.ResourceRule::hasWildcard);
    assertThatThrownBy(() -> TokenReviewer.builder(asApi).build().review(token))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.FORBIDDEN))
        .hasMessageContaining("grant the caller `create` on `tokenreviews`");
  }

  @Test
  void everyCall_toleratesFieldsUnknownToClientJavasModels() throws Exception {
    server.createServiceAccount("default", "api");
    server.unknownFields(true);
    ApiClient admin = admin();
    // client-java 27's own models refuse unknown fields:
    assertThatThrownBy(() -> new CoreV1Api(admin).readNamespacedServiceAccount("api", "default").execute())
        .hasMessageContaining("is not defined in the");
    IssuedToken t = TokenRequestClient.create(admin).request(TokenRequestSpec.builder("default", "api").audience("payments").build());
    assertThat(t.expiresAt()).isAfter(clock.instant());
    assertThat(TokenReviewer.builder(admin).audience("payments").build().review(t.token()).authenticated()).isTrue();
    assertThat(SelfSubjectReviews.whoAmI(admin).username()).isEqualTo("kubernetes-admin");
    assertThat(SelfSubjectReviews.canI(admin, "get", "", "pods", "default")).isTrue();
    assertThat(SelfSubjectReviews.rules(admin, "default").resourceRules()).isNotEmpty();
  }

  @Test
  void tokenRequestClient_errorsSayWhatToDo() {
    server.createServiceAccount("default", "api");
    ApiClient asApi = new ClientBuilder().setBasePath(server.url()).setCertificateAuthority(server.caCertificatePem().getBytes(StandardCharsets.UTF_8))
        .setAuthentication(new AccessTokenAuthentication(saToken("api"))).build();
    assertThatThrownBy(() -> TokenRequestClient.create(asApi).request(TokenRequestSpec.builder("default", "api").audience("x").build()))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.FORBIDDEN))
        .hasMessageStartingWith("not allowed to request a token for ServiceAccount default/api: grant the caller `create` on `serviceaccounts/token` in namespace default");
    assertThatThrownBy(() -> TokenRequestClient.create(admin()).request(TokenRequestSpec.builder("default", "ghost").audience("x").build()))
        .isInstanceOfSatisfying(TokenRequestException.class, e -> assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.NOT_FOUND));
    assertThatThrownBy(() -> TokenRequestSpec.builder("default", "api").expiration(Duration.ofMinutes(9)).audience("x").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("expiration 540s is under the API server's minimum of 600s (10 minutes)");
    assertThatThrownBy(() -> TokenRequestSpec.builder("default", "api").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("at least one audience is required");
    assertThatThrownBy(() -> TokenRequestSpec.builder("Default", "api").audience("x").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid namespace name");
    IssuedToken api = TokenRequestClient.create(admin()).request(TokenRequestSpec.builder("default", "api").apiAudiences().build());
    assertThat(api.audiences()).containsExactly(server.issuer().issuer());
    assertThat(api.toString()).doesNotContain(api.token().substring(0, 20));
    assertThat(List.of(api.lifetime())).containsExactly(Duration.ofHours(1));
  }
}
