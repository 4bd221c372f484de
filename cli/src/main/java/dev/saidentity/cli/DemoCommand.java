package dev.saidentity.cli;

import dev.saidentity.audit.AuditFinding;
import dev.saidentity.audit.Auditor;
import dev.saidentity.audit.ClusterInventory;
import dev.saidentity.core.Finding;
import dev.saidentity.core.KeySource;
import dev.saidentity.core.RemoteKeySource;
import dev.saidentity.core.SelfCheck;
import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.ValidatedToken;
import dev.saidentity.core.ValidationResult;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.FakePodMount;
import dev.saidentity.testing.SettableClock;
import dev.saidentity.tokenrequest.BoundObject;
import dev.saidentity.tokenrequest.CachingTokenProvider;
import dev.saidentity.tokenrequest.CallerVerifier;
import dev.saidentity.tokenrequest.IssuedToken;
import dev.saidentity.tokenrequest.OnlineSelfCheck;
import dev.saidentity.tokenrequest.ProjectedTokenFile;
import dev.saidentity.tokenrequest.TokenAuthentication;
import dev.saidentity.tokenrequest.TokenRequestClient;
import dev.saidentity.tokenrequest.TokenRequestSpec;
import dev.saidentity.tokenrequest.TokenReviewer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sa-identity demo}: the whole library at work on an embedded fake cluster. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Walk through sa-identity on an embedded fake cluster (no cluster needed): a ServiceAccount with a least-privilege Role,",
      "an audience-scoped bound token through the cache, offline validation via discovery and online via TokenReview, a rotating",
      "pod mount followed by the file provider, the self-check and an audit. Tokens are shown by fingerprint only. Exit 0."
    })
final class DemoCommand implements Callable<Integer> {

  @Spec
  @Nullable CommandSpec spec;

  private PrintWriter out = new PrintWriter(System.out);
  private int step;

  private void step(String title, String why) {
    out.println();
    out.println("== " + (++step) + ". " + title);
    out.println("   " + why);
  }

  private void say(String line) {
    out.println("   " + line);
  }

  @Override
  public Integer call() throws Exception {
    out = Objects.requireNonNull(spec).commandLine().getOut();
    SettableClock clock = SettableClock.startingNow();
    Path dir = Files.createTempDirectory("sa-identity-demo-");
    try (FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().tls(true).clock(clock).start()) {
      step("Start a fake cluster", "A real HTTPS API server on 127.0.0.1 with its own CA; kubectl and client-java talk to it unmodified.");
      say("API server " + server.url() + ", issuer " + server.issuer().issuer());
      ApiClient admin = new ClientBuilder().setBasePath(server.url()).setAuthentication(new AccessTokenAuthentication(server.adminToken()))
          .setCertificateAuthority(server.caCertificatePem().getBytes(StandardCharsets.UTF_8)).build();

      step("Create a ServiceAccount and a least-privilege Role", "Workloads get their own ServiceAccount, never 'default', and only what they need.");
      server.createNamespace("shop");
      server.createServiceAccount("shop", "checkout");
      server.create("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: read-orders-config, namespace: shop}\n"
          + "rules: [{apiGroups: [\"\"], resources: [configmaps], resourceNames: [orders], verbs: [get]}]\n---\n"
          + "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: checkout-reads-orders-config, namespace: shop}\n"
          + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-orders-config}\n"
          + "subjects: [{kind: ServiceAccount, name: checkout, namespace: shop}]\n");
      String podUid = server.createPod("shop", "checkout-1", "checkout", null);
      ServiceAccount sa = server.serviceAccount("shop", "checkout").orElseThrow();
      say("ServiceAccount " + sa + "; Role read-orders-config (get configmaps/orders); Pod checkout-1");

      step("Request an audience-scoped, pod-bound token through the cache", "Like the kubelet: cached, refreshed at 80 % of its lifetime, one request per key.");
      TokenRequestSpec orders = TokenRequestSpec.builder("shop", "checkout").audience("orders").expiration(Duration.ofMinutes(30))
          .boundTo(BoundObject.pod("checkout-1", podUid)).build();
      String token;
      try (CachingTokenProvider tokens = CachingTokenProvider.builder(TokenRequestClient.create(admin)).clock(clock).build()) {
        IssuedToken t = tokens.get(orders);
        IssuedToken again = tokens.get(orders);
        token = t.token();
        say("token " + t.fingerprint() + " for " + t.audiences() + ", expires " + t.expiresAt() + "; second get served from the cache: "
            + (again == t));
        say("TokenRequests sent: " + server.requestCount("POST", "/api/v1/namespaces/shop/serviceaccounts/checkout/token"));
      }

      step("Validate it offline, with keys found by OIDC discovery", "No API call per request: issuer, signature, audience and time, as the API server checks them.");
      TokenValidator validator = TokenValidator.builder().issuer(server.issuer().issuer()).audience("orders").clock(clock)
          .keys(KeySource.anyOf(RemoteKeySource.discovery(URI.create(server.issuer().issuer())).caCertificates(server.caCertificatePem())
              .bearerToken(server::adminToken).build()))
          .build();
      ValidatedToken v = validator.validate(token);
      say("valid: " + v.username() + ", pod " + v.pod().map(p -> p.name()).orElse("-") + ", audiences " + v.audiences());
      ValidationResult wrongAudience = TokenValidator.builder().issuer(server.issuer().issuer()).audience("payments").clock(clock)
          .keys(server.issuer().keySource()).build().tryValidate(token);
      say("the same token for audience 'payments': " + wrongAudience.reason().orElseThrow() + " (" + wrongAudience.message() + ")");

      step("Ask the API server too (TokenReview), because the token is bound to a pod", "Offline validation cannot know that the pod is gone.");
      CallerVerifier callers = CallerVerifier.builder(validator,
          TokenReviewer.builder(admin).clock(clock).cache(Duration.ZERO, Duration.ZERO).build()).build();
      say("while checkout-1 runs: " + (callers.verify(token).isValid() ? "accepted" : "refused"));
      server.delete("v1", "Pod", "shop", "checkout-1");
      ValidationResult afterDelete = callers.verify(token);
      say("after checkout-1 is deleted: " + afterDelete.reason().map(Object::toString).orElse("accepted") + " (" + afterDelete.message() + ")");

      step("Rotate a pod mount and watch the file provider follow", "The kubelet swaps a ..data symlink; the provider re-reads the path every 50 s.");
      String podUid2 = server.createPod("shop", "checkout-2", "checkout", null);
      String mounted = server.issuer().projected(sa).boundToPod("checkout-2", podUid2).kubeletExtended().mint();
      try (FakePodMount mount = FakePodMount.projected(dir, "shop", mounted, server.caCertificatePem(), clock)) {
        ProjectedTokenFile file = ProjectedTokenFile.of(mount.tokenPath(), clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
        say("read " + dev.saidentity.core.Tokens.fingerprint(file.token()));
        clock.advance(Duration.ofMinutes(48));
        String rotated = server.issuer().projected(sa).boundToPod("checkout-2", podUid2).kubeletExtended().mint();
        mount.rotate(rotated);
        say("48 minutes later the kubelet rotates the file; the provider now reads " + dev.saidentity.core.Tokens.fingerprint(file.token()));

        step("Self-check the pod's identity", "What `sa-identity whoami` reports inside a pod: the mount, the token, the API server's view.");
        Map<String, String> env = Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1", "KUBERNETES_SERVICE_PORT", Integer.toString(server.port()));
        SelfCheck.Report report = SelfCheck.run(mount.path(), env, clock);
        ApiClient asPod = new ClientBuilder().setBasePath(server.url())
            .setCertificateAuthority(server.caCertificatePem().getBytes(StandardCharsets.UTF_8)).build();
        new TokenAuthentication(file).provide(asPod);
        List<Finding> findings = new ArrayList<>(report.findings());
        findings.addAll(OnlineSelfCheck.run(asPod, report.token().orElseThrow()));
        findings.sort(Comparator.comparing(Finding::id));
        say("identity " + report.token().orElseThrow().serviceAccount() + ": " + (findings.isEmpty() ? "no findings" : findings.size() + " findings"));
        findings.forEach(f -> say(f.id() + " " + f.severity().label() + ": " + f.message()));
      }

      step("Audit the cluster", "Default ServiceAccounts with tokens, automount left to default, legacy token Secrets, risky bindings.");
      server.createPod("shop", "legacy-app", "default", null);
      server.createLegacyTokenSecret("shop", "checkout", "checkout-token-x7k2p");
      List<AuditFinding> audit = Auditor.audit(ClusterInventory.load(admin, "shop"));
      for (AuditFinding f : audit) {
        say(f.id() + " " + f.severity().label() + " " + f.resource().kind() + " " + f.resource().name() + ": " + f.message());
      }

      out.println();
      out.println("Done. Try it yourself: sa-identity fake-cluster --tls --kubeconfig-out /tmp/kc, then kubectl with KUBECONFIG=/tmp/kc.");
      out.flush();
      return 0;
    } finally {
      try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
