package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.core.KeySource;
import dev.saidentity.core.RemoteKeySource;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.core.ValidatedToken;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AuthenticationV1Api;
import io.kubernetes.client.openapi.apis.AuthorizationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1BoundObjectReference;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1ResourceAttributes;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReview;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReviewSpec;
import io.kubernetes.client.openapi.models.V1SelfSubjectReview;
import io.kubernetes.client.openapi.models.V1SelfSubjectRulesReview;
import io.kubernetes.client.openapi.models.V1SelfSubjectRulesReviewSpec;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1ServiceAccountList;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.kubernetes.client.openapi.models.V1TokenReview;
import io.kubernetes.client.openapi.models.V1TokenReviewSpec;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API contract, through the official client-java 27.0.0, unmodified. Runs against the fake (over
 * HTTP and HTTPS) and, when {@code SA_IDENTITY_CONTRACT_KUBECONFIG} names a kubeconfig, against that
 * real cluster, so that the fake cannot drift from the API server unnoticed.
 */
abstract class ApiContract {

  /** What a contract run needs of a cluster. */
  interface Target extends AutoCloseable {
    ApiClient admin();

    /** A client for the API server URL authenticating with {@code token}. */
    ApiClient as(String token);

    /** The ServiceAccount issuer and a validator builder for its tokens. */
    TokenValidator.Builder validator();

    @Override
    void close();
  }

  abstract Target target();

  Target t;
  ApiClient admin;
  CoreV1Api core;
  String ns;

  @BeforeEach
  void setUp() throws ApiException {
    t = target();
    admin = t.admin();
    core = new CoreV1Api(admin);
    ns = "sai-contract-" + UUID.randomUUID().toString().substring(0, 8);
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
  }

  @AfterEach
  void tearDown() {
    try {
      core.deleteNamespace(ns).execute();
    } catch (ApiException e) {
      // best effort
    }
    t.close();
  }

  V1ServiceAccount createSa(String name) throws ApiException {
    return core.createNamespacedServiceAccount(ns, new V1ServiceAccount().metadata(new V1ObjectMeta().name(name))).execute();
  }

  String token(String sa, List<String> audiences, long seconds) throws ApiException {
    AuthenticationV1TokenRequest tr = new AuthenticationV1TokenRequest()
        .spec(new V1TokenRequestSpec().audiences(audiences).expirationSeconds(seconds));
    return core.createNamespacedServiceAccountToken(sa, ns, tr).execute().getStatus().getToken();
  }

  @Test
  void namespace_getsItsDefaultServiceAccount() throws Exception {
    V1ServiceAccount sa = awaitDefault();
    assertThat(sa.getMetadata().getUid()).isNotBlank();
  }

  V1ServiceAccount awaitDefault() throws ApiException {
    // A real cluster's controller creates it shortly after the namespace.
    return await("the default ServiceAccount of " + ns, () -> {
      try {
        return core.readNamespacedServiceAccount("default", ns).execute();
      } catch (ApiException e) {
        if (e.getCode() != 404) {
          throw e;
        }
        return null;
      }
    });
  }

  /** How long a real cluster may take to converge (controllers, RBAC caches, graceful deletion). */
  static final Duration CONVERGENCE = Duration.ofSeconds(60);
  /** The pause between two polls. */
  static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  /** One poll: the awaited value, or null when it is not there yet. */
  interface Poll<T> {
    @org.jspecify.annotations.Nullable T poll() throws ApiException;
  }

  /**
   * Polls until a value is there, for at most {@link #CONVERGENCE} of wall-clock time (a count of
   * polls would flake against a real cluster, whose latency is not ours), then fails naming what.
   */
  static <T> T await(String what, Poll<T> poll) throws ApiException {
    long deadline = System.nanoTime() + CONVERGENCE.toNanos();
    while (true) {
      T value = poll.poll();
      if (value != null) {
        return value;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(what + ": not within " + CONVERGENCE.toSeconds() + " s");
      }
      try {
        TimeUnit.NANOSECONDS.sleep(POLL_INTERVAL.toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }

  @Test
  void serviceAccounts_crud_withUidResourceVersionAndTimestamps() throws Exception {
    V1ServiceAccount created = createSa("api");
    assertThat(created.getMetadata().getUid()).isNotBlank();
    assertThat(created.getMetadata().getResourceVersion()).isNotBlank();
    assertThat(created.getMetadata().getCreationTimestamp()).isNotNull();
    V1ServiceAccount read = core.readNamespacedServiceAccount("api", ns).execute();
    assertThat(read.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
    read.automountServiceAccountToken(false);
    V1ServiceAccount updated = core.replaceNamespacedServiceAccount("api", ns, read).execute();
    assertThat(updated.getAutomountServiceAccountToken()).isFalse();
    assertThat(updated.getMetadata().getResourceVersion()).isNotEqualTo(created.getMetadata().getResourceVersion());
    V1ServiceAccountList list = core.listNamespacedServiceAccount(ns).execute();
    assertThat(list.getItems()).extracting(s -> s.getMetadata().getName()).contains("api");
    ApiException dup = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class, () -> createSa("api"));
    assertThat(dup.getCode()).isEqualTo(409);
    assertThat(dup.getResponseBody()).contains("\"reason\":\"AlreadyExists\"");
    core.deleteNamespacedServiceAccount("api", ns).execute();
    ApiException gone = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
        () -> core.readNamespacedServiceAccount("api", ns).execute());
    assertThat(gone.getCode()).isEqualTo(404);
    assertThat(gone.getResponseBody()).contains("serviceaccounts \\\"api\\\" not found");
  }

  @Test
  void tokenRequest_defaultsAndLimits_asUpstream() throws Exception {
    createSa("api");
    AuthenticationV1TokenRequest resp = core.createNamespacedServiceAccountToken("api", ns,
        new AuthenticationV1TokenRequest().spec(new V1TokenRequestSpec().audiences(List.of("vault")))).execute();
    assertThat(resp.getSpec().getExpirationSeconds()).isEqualTo(3600L);
    OffsetDateTime exp = resp.getStatus().getExpirationTimestamp();
    assertThat(exp).isNotNull();
    UnverifiedToken decoded = UnverifiedToken.decode(resp.getStatus().getToken());
    assertThat(decoded.audiences()).containsExactly("vault");
    assertThat(decoded.serviceAccount().name()).isEqualTo("api");
    assertThat(Duration.between(decoded.issuedAt().orElseThrow(), decoded.expiresAt().orElseThrow())).isEqualTo(Duration.ofHours(1));

    ApiException tooShort = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
        () -> token("api", List.of("vault"), 599));
    assertThat(tooShort.getCode()).isEqualTo(422);
    assertThat(tooShort.getResponseBody()).contains("may not specify a duration less than 10 minutes");

    ApiException missing = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
        () -> token("nobody", List.of("vault"), 3600));
    assertThat(missing.getCode()).isEqualTo(404);
  }

  @Test
  void tokenRequest_boundToAPod_carriesThePod_andDiesWithIt() throws Exception {
    createSa("api");
    V1Pod pod = core.createNamespacedPod(ns, new V1Pod().metadata(new V1ObjectMeta().name("api-1"))
        .spec(new V1PodSpec().serviceAccountName("api").containers(List.of(new V1Container().name("app").image("busybox"))))).execute();
    AuthenticationV1TokenRequest tr = new AuthenticationV1TokenRequest().spec(new V1TokenRequestSpec()
        .audiences(List.of("vault")).expirationSeconds(3600L)
        .boundObjectRef(new V1BoundObjectReference().kind("Pod").apiVersion("v1").name("api-1").uid(pod.getMetadata().getUid())));
    String token = core.createNamespacedServiceAccountToken("api", ns, tr).execute().getStatus().getToken();
    assertThat(UnverifiedToken.decode(token).pod().orElseThrow().name()).isEqualTo("api-1");

    V1TokenReview ok = review(token, List.of("vault"));
    assertThat(ok.getStatus().getAuthenticated()).isTrue();
    assertThat(ok.getStatus().getUser().getUsername()).isEqualTo("system:serviceaccount:" + ns + ":api");
    assertThat(ok.getStatus().getUser().getGroups()).containsExactly("system:serviceaccounts", "system:serviceaccounts:" + ns,
        "system:authenticated");
    assertThat(ok.getStatus().getUser().getExtra()).containsKeys("authentication.kubernetes.io/pod-name",
        "authentication.kubernetes.io/pod-uid", "authentication.kubernetes.io/credential-id");
    assertThat(ok.getStatus().getAudiences()).containsExactly("vault");

    V1TokenReview wrongAud = review(token, List.of("db"));
    assertThat(wrongAud.getStatus().getAuthenticated()).isFalse();
    assertThat(wrongAud.getStatus().getError()).contains("token audiences [\"vault\"] is invalid for the target audiences [\"db\"]");

    ApiException wrongUid = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class, () -> core.createNamespacedServiceAccountToken(
        "api", ns, new AuthenticationV1TokenRequest().spec(new V1TokenRequestSpec().audiences(List.of("vault"))
            .boundObjectRef(new V1BoundObjectReference().kind("Pod").apiVersion("v1").name("api-1").uid("not-the-uid")))).execute());
    assertThat(wrongUid.getCode()).isEqualTo(409);

    core.deleteNamespacedPod("api-1", ns).gracePeriodSeconds(0).execute();
    awaitPodGone("api-1");
    V1TokenReview dead = review(token, List.of("vault"));
    assertThat(dead.getStatus().getAuthenticated()).isFalse();
  }

  void awaitPodGone(String name) throws ApiException {
    await("pod " + name + " gone", () -> {
      try {
        core.readNamespacedPod(name, ns).execute();
        return null;
      } catch (ApiException e) {
        if (e.getCode() == 404) {
          return Boolean.TRUE;
        }
        throw e;
      }
    });
  }

  V1TokenReview review(String token, List<String> audiences) throws ApiException {
    return new AuthenticationV1Api(admin).createTokenReview(new V1TokenReview().spec(new V1TokenReviewSpec().token(token).audiences(audiences)))
        .execute();
  }

  @Test
  void otherKinds_patchAndPaging_throughClientJava() throws Exception {
    io.kubernetes.client.openapi.models.V1Secret secret = core.createNamespacedSecret(ns, new io.kubernetes.client.openapi.models.V1Secret()
        .metadata(new V1ObjectMeta().name("creds")).putStringDataItem("password", "hunter2").type("Opaque")).execute();
    assertThat(secret.getMetadata().getUid()).isNotBlank();
    core.createNamespacedConfigMap(ns, new io.kubernetes.client.openapi.models.V1ConfigMap().metadata(new V1ObjectMeta().name("settings"))
        .putDataItem("k", "v")).execute();
    assertThat(core.readNamespacedConfigMap("settings", ns).execute().getData()).containsEntry("k", "v");
    V1ServiceAccount patched = io.kubernetes.client.util.PatchUtils.patch(V1ServiceAccount.class,
        () -> core.patchNamespacedServiceAccount("default", ns,
            new io.kubernetes.client.custom.V1Patch("{\"metadata\":{\"labels\":{\"team\":\"payments\"}}}")).buildCall(null),
        io.kubernetes.client.custom.V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH, admin);
    assertThat(patched.getMetadata().getLabels()).containsEntry("team", "payments");
    for (int i = 0; i < 5; i++) {
      createSa("paged-" + i);
    }
    io.kubernetes.client.openapi.models.V1ServiceAccountList page1 = core.listNamespacedServiceAccount(ns).limit(2).execute();
    assertThat(page1.getItems()).hasSize(2);
    assertThat(page1.getMetadata().getContinue()).isNotBlank();
    java.util.Set<String> names = new java.util.HashSet<>();
    page1.getItems().forEach(x -> names.add(x.getMetadata().getName()));
    String cont = page1.getMetadata().getContinue();
    while (cont != null && !cont.isEmpty()) {
      io.kubernetes.client.openapi.models.V1ServiceAccountList page = core.listNamespacedServiceAccount(ns).limit(2)._continue(cont).execute();
      page.getItems().forEach(x -> names.add(x.getMetadata().getName()));
      cont = page.getMetadata().getContinue();
    }
    assertThat(names).contains("default", "paged-0", "paged-4");
    assertThat(core.listNamespacedServiceAccount(ns).labelSelector("team=payments").execute().getItems())
        .extracting(x -> x.getMetadata().getName()).containsExactly("default");
    io.kubernetes.client.openapi.models.V1Status deleted = core.deleteNamespacedSecret("creds", ns).execute();
    assertThat(deleted.getStatus()).isEqualTo("Success");

    RbacAuthorizationV1Api rbac = new RbacAuthorizationV1Api(admin);
    String crName = ns + "-reader";
    rbac.createClusterRole(new io.kubernetes.client.openapi.models.V1ClusterRole().metadata(new V1ObjectMeta().name(crName))
        .rules(List.of(new V1PolicyRule().apiGroups(List.of("")).resources(List.of("namespaces")).verbs(List.of("get"))))).execute();
    try {
      rbac.createClusterRoleBinding(new io.kubernetes.client.openapi.models.V1ClusterRoleBinding().metadata(new V1ObjectMeta().name(crName))
          .roleRef(new V1RoleRef().apiGroup("rbac.authorization.k8s.io").kind("ClusterRole").name(crName))
          .subjects(List.of(new RbacV1Subject().kind("ServiceAccount").name("default").namespace(ns)))).execute();
      assertThat(rbac.readClusterRoleBinding(crName).execute().getRoleRef().getName()).isEqualTo(crName);
      rbac.deleteClusterRoleBinding(crName).execute();
    } finally {
      rbac.deleteClusterRole(crName).execute();
    }
  }

  @Test
  void tokenReview_ofGarbage_isNotAuthenticated() throws Exception {
    V1TokenReview r = review("not-a-token", List.of());
    assertThat(r.getStatus().getAuthenticated()).isFalse();
    assertThat(r.getStatus().getError()).isNotBlank();
  }

  @Test
  void selfSubjectReview_andAccessReviews_followRbac() throws Exception {
    createSa("reader");
    String token = token("reader", List.of(), 3600);
    ApiClient asReader = t.as(token);
    V1SelfSubjectReview who = new AuthenticationV1Api(asReader).createSelfSubjectReview(new V1SelfSubjectReview()).execute();
    assertThat(who.getStatus().getUserInfo().getUsername()).isEqualTo("system:serviceaccount:" + ns + ":reader");
    assertThat(who.getStatus().getUserInfo().getGroups()).contains("system:authenticated");

    assertThat(canI(asReader, "list", "pods")).isFalse();
    ApiException forbidden = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
        () -> new CoreV1Api(asReader).listNamespacedPod(ns).execute());
    assertThat(forbidden.getCode()).isEqualTo(403);
    assertThat(forbidden.getResponseBody()).contains("cannot list resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"" + ns + "\\\"");

    RbacAuthorizationV1Api rbac = new RbacAuthorizationV1Api(admin);
    rbac.createNamespacedRole(ns, new V1Role().metadata(new V1ObjectMeta().name("pod-reader"))
        .rules(List.of(new V1PolicyRule().apiGroups(List.of("")).resources(List.of("pods")).verbs(List.of("get", "list"))))).execute();
    rbac.createNamespacedRoleBinding(ns, new V1RoleBinding().metadata(new V1ObjectMeta().name("reader-pods"))
        .roleRef(new V1RoleRef().apiGroup("rbac.authorization.k8s.io").kind("Role").name("pod-reader"))
        .subjects(List.of(new RbacV1Subject().kind("ServiceAccount").name("reader").namespace(ns)))).execute();
    awaitAllowed(asReader, "list", "pods");
    assertThat(new CoreV1Api(asReader).listNamespacedPod(ns).execute().getItems()).isEmpty();
    assertThat(canI(asReader, "delete", "pods")).isFalse();

    V1SelfSubjectRulesReview rules = new AuthorizationV1Api(asReader).createSelfSubjectRulesReview(
        new V1SelfSubjectRulesReview().spec(new V1SelfSubjectRulesReviewSpec().namespace(ns))).execute();
    assertThat(rules.getStatus().getResourceRules())
        .anySatisfy(r -> assertThat(r.getResources()).contains("pods"));
  }

  void awaitAllowed(ApiClient c, String verb, String resource) throws ApiException {
    // RBAC caches in a real API server.
    await(verb + " " + resource + " allowed", () -> canI(c, verb, resource) ? Boolean.TRUE : null);
  }

  boolean canI(ApiClient c, String verb, String resource) throws ApiException {
    V1SelfSubjectAccessReview r = new AuthorizationV1Api(c).createSelfSubjectAccessReview(new V1SelfSubjectAccessReview()
        .spec(new V1SelfSubjectAccessReviewSpec().resourceAttributes(new V1ResourceAttributes().namespace(ns).verb(verb).resource(resource))))
        .execute();
    return Boolean.TRUE.equals(r.getStatus().getAllowed());
  }

  @Test
  void unauthenticatedOrBadTokens_get401() throws Exception {
    ApiException e = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
        () -> new CoreV1Api(t.as("garbage")).listNamespacedServiceAccount(ns).execute());
    assertThat(e.getCode()).isEqualTo(401);
  }

  @Test
  void issuedTokens_validateOffline_withTheServersKeys() throws Exception {
    createSa("api");
    String token = token("api", List.of("payments"), 3600);
    ValidatedToken v = t.validator().audience("payments").build().validate(token);
    assertThat(v.username()).isEqualTo("system:serviceaccount:" + ns + ":api");
  }

  static ApiClient client(String url, String token, byte[] caPem) {
    ClientBuilder b = new ClientBuilder().setBasePath(url).setAuthentication(new AccessTokenAuthentication(token));
    if (caPem != null) {
      b.setCertificateAuthority(caPem);
    }
    return b.build();
  }

  /** The fake as a contract target. */
  static Target fake(boolean tls) {
    FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().tls(tls).start();
    byte[] ca = tls ? server.caCertificatePem().getBytes(StandardCharsets.UTF_8) : null;
    return new Target() {
      @Override
      public ApiClient admin() {
        return client(server.url(), server.adminToken(), ca);
      }

      @Override
      public ApiClient as(String token) {
        return client(server.url(), token, ca);
      }

      @Override
      public TokenValidator.Builder validator() {
        RemoteKeySource.Builder keys = RemoteKeySource.discovery(URI.create(server.issuer().issuer())).bearerToken(server::adminToken);
        if (tls) {
          keys.caCertificates(server.caCertificatePem());
        }
        return TokenValidator.builder().issuer(server.issuer().issuer()).keys(KeySource.anyOf(keys.build())).clock(server.clock());
      }

      @Override
      public void close() {
        server.close();
      }
    };
  }
}
