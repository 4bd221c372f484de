package dev.saidentity.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.samples.spring.checkout.CheckoutApplication;
import dev.saidentity.samples.spring.orders.OrdersApplication;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.FakePodMount;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Both services on random ports against the fake cluster over HTTPS, as the README says. */
class SpringServiceToServiceTest {

  @TempDir
  Path dir;

  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> get(String url, @Nullable String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static int port(ConfigurableApplicationContext ctx) {
    return ((WebServerApplicationContext) ctx).getWebServer().getPort();
  }

  @Test
  void checkoutGets200FromOrders_anotherServiceAccountGets403_anotherAudience401() throws Exception {
    try (FakeKubernetesApiServer cluster = FakeKubernetesApiServer.builder().tls(true).start()) {
      cluster.createNamespace("shop");
      for (String sa : new String[] {"checkout", "orders", "cart"}) {
        cluster.createServiceAccount("shop", sa);
      }
      String checkoutPod = cluster.createPod("shop", "checkout-1", "checkout", null);
      String ordersPod = cluster.createPod("shop", "orders-1", "orders", null);
      cluster.create("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: orders-auth-delegator}\n"
          + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: 'system:auth-delegator'}\n"
          + "subjects: [{kind: ServiceAccount, name: orders, namespace: shop}]\n");
      ServiceAccount checkout = cluster.serviceAccount("shop", "checkout").orElseThrow();
      ServiceAccount orders = cluster.serviceAccount("shop", "orders").orElseThrow();
      // What the kubelet mounts: orders' own ServiceAccount volume, and checkout's projected token for audience "orders".
      String ordersOwn = cluster.issuer().projected(orders).audience(cluster.issuer().issuer()).boundToPod("orders-1", ordersPod).mint();
      String forOrders = cluster.issuer().projected(checkout).audience("orders").boundToPod("checkout-1", checkoutPod).mint();
      Files.createDirectories(dir.resolve("orders"));
      Files.createDirectories(dir.resolve("checkout"));
      try (FakePodMount ordersMount = FakePodMount.projected(dir.resolve("orders"), "shop", ordersOwn, cluster.caCertificatePem());
          FakePodMount checkoutToken = FakePodMount.projected(dir.resolve("checkout"), "shop", forOrders, cluster.caCertificatePem());
          ConfigurableApplicationContext ordersApp = new SpringApplicationBuilder(OrdersApplication.class).profiles("orders")
              .run("--server.port=0", "--spring.application.name=orders", "--sa-identity.kubernetes.mount=" + ordersMount.path(),
                  "--sa-identity.kubernetes.api-server=" + cluster.url());
          ConfigurableApplicationContext checkoutApp = new SpringApplicationBuilder(CheckoutApplication.class).profiles("checkout")
              // command-line arguments: they override application-checkout.yaml (the pod's paths and DNS names)
              .run("--server.port=0", "--spring.application.name=checkout",
                  "--sa-identity.client.targets.orders.hosts[0]=127.0.0.1:" + port(ordersApp),
                  "--sa-identity.client.targets.orders.token-file=" + checkoutToken.tokenPath(),
                  "--orders.url=http://127.0.0.1:" + port(ordersApp))) {
        String ordersUrl = "http://127.0.0.1:" + port(ordersApp) + "/orders";

        HttpResponse<String> ok = get("http://127.0.0.1:" + port(checkoutApp) + "/checkout", null);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("checkout -> orders for system:serviceaccount:shop:checkout (pod checkout-1)");

        String cart = cluster.issuer().projected(cluster.serviceAccount("shop", "cart").orElseThrow()).audience("orders").mint();
        HttpResponse<String> forbidden = get(ordersUrl, cart);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer error=\"insufficient_scope\"");

        String otherAudience = cluster.issuer().projected(checkout).audience("payments").mint();
        HttpResponse<String> refused = get(ordersUrl, otherAudience);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow())
            .startsWith("Bearer error=\"invalid_token\", error_description=\"AUDIENCE_MISMATCH: ");
        assertThat(get(ordersUrl, null).statusCode()).isEqualTo(401);
        assertThat(Files.exists(checkoutToken.tokenPath())).isTrue();
      }
    }
  }
}
