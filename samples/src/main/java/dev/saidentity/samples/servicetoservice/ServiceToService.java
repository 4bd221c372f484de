package dev.saidentity.samples.servicetoservice;

import com.sun.net.httpserver.HttpServer;
import dev.saidentity.core.KeySource;
import dev.saidentity.core.RemoteKeySource;
import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.ValidationResult;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.FakePodMount;
import dev.saidentity.tokenrequest.CallerVerifier;
import dev.saidentity.tokenrequest.ProjectedTokenFile;
import dev.saidentity.tokenrequest.TokenReviewer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Sample 1: service-to-service authentication. The "checkout" client sends the token of its
 * projected volume for audience {@code orders}; the "orders" server validates it offline (keys by
 * discovery) and, because it is bound to a pod, online with TokenReview. Runs on the embedded fake
 * cluster; exits 0 when both the accepted and the refused calls behave.
 */
public final class ServiceToService {

  private ServiceToService() {}

  public static void main(String[] args) throws Exception {
    System.exit(run() ? 0 : 1);
  }

  static boolean run() throws Exception {
    Path dir = Files.createTempDirectory("sample-s2s-");
    try (FakeKubernetesApiServer cluster = FakeKubernetesApiServer.builder().tls(true).start()) {
      cluster.createNamespace("shop");
      cluster.createServiceAccount("shop", "checkout");
      String podUid = cluster.createPod("shop", "checkout-1", "checkout", null);
      ServiceAccount checkout = cluster.serviceAccount("shop", "checkout").orElseThrow();
      // What the kubelet would mount for a serviceAccountToken projection with audience "orders":
      String projected = cluster.issuer().projected(checkout).audience("orders").boundToPod("checkout-1", podUid).mint();
      try (FakePodMount ordersToken = FakePodMount.projected(dir, "shop", projected, cluster.caCertificatePem())) {

        // --- the orders service: offline first, TokenReview for bound tokens
        TokenValidator validator = TokenValidator.builder()
            .issuer(cluster.issuer().issuer())
            .audience("orders")
            .keys(KeySource.anyOf(RemoteKeySource.discovery(URI.create(cluster.issuer().issuer()))
                .caCertificates(cluster.caCertificatePem()).bearerToken(cluster::adminToken).build()))
            .build();
        ApiClient reviewerClient = new ClientBuilder().setBasePath(cluster.url())
            .setCertificateAuthority(cluster.caCertificatePem().getBytes(StandardCharsets.UTF_8))
            .setAuthentication(new AccessTokenAuthentication(cluster.adminToken())).build(); // needs create tokenreviews
        // Reviews are cached (successes 10 s by default, as the API server caches them); the sample turns that
        // off to show a revocation at once.
        CallerVerifier callers = CallerVerifier.builder(validator, TokenReviewer.builder(reviewerClient)
            .cache(java.time.Duration.ZERO, java.time.Duration.ZERO).build()).build();
        HttpServer orders = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        orders.createContext("/orders", ex -> {
          String auth = ex.getRequestHeaders().getFirst("Authorization");
          ValidationResult r = callers.verify(auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "");
          byte[] body = (r.isValid() ? "hello " + r.token().orElseThrow().username() : "refused: " + r.reason().orElseThrow())
              .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(r.isValid() ? 200 : 401, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
        orders.start();
        try {
          // --- the checkout client: re-reads its token file (the kubelet rotates it)
          ProjectedTokenFile token = ProjectedTokenFile.of(ordersToken.tokenPath());
          HttpClient http = HttpClient.newHttpClient();
          URI url = URI.create("http://127.0.0.1:" + orders.getAddress().getPort() + "/orders");
          HttpResponse<String> ok = http.send(HttpRequest.newBuilder(url).header("Authorization", "Bearer " + token.token()).build(),
              HttpResponse.BodyHandlers.ofString());
          System.out.println("checkout -> orders: " + ok.statusCode() + " " + ok.body());
          cluster.delete("v1", "Pod", "shop", "checkout-1"); // the pod is gone: its token must stop working
          HttpResponse<String> gone = http.send(HttpRequest.newBuilder(url).header("Authorization", "Bearer " + token.token()).build(),
              HttpResponse.BodyHandlers.ofString());
          System.out.println("after the pod is deleted: " + gone.statusCode() + " " + gone.body());
          return ok.statusCode() == 200 && gone.statusCode() == 401;
        } finally {
          orders.stop(0);
        }
      }
    } finally {
      Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
