package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Impersonation headers, as upstream's impersonation filter reads them. */
class ImpersonationTest {

  private static HttpResponse<String> get(FakeKubernetesApiServer server, String path, String impersonate) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + path))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + server.adminToken())
        .header("Impersonate-User", impersonate)
        .build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aMalformedServiceAccountName_isImpersonatedAsAPlainUser_notAClosedConnection() throws Exception {
    // Found by FakeServerFuzzTest: before, SplitUsername's refusal escaped and the exchange was closed
    // without a status line. Upstream falls back to a User when SplitUsername fails.
    try (FakeKubernetesApiServer server = FakeKubernetesApiServer.start()) {
      HttpResponse<String> r = get(server, "/apis/authentication.k8s.io/v1/selfsubjectreviews", "system:serviceaccount:a:b:c");
      assertThat(r.statusCode()).isBetween(200, 499);
      HttpResponse<String> ok = get(server, "/api/v1/namespaces/default/serviceaccounts", "system:serviceaccount:ns:");
      assertThat(ok.statusCode()).isBetween(200, 499);
    }
  }

  @Test
  void aServiceAccountName_isImpersonatedWithItsGroups() throws Exception {
    try (FakeKubernetesApiServer server = FakeKubernetesApiServer.start()) {
      HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + "/apis/authentication.k8s.io/v1/selfsubjectreviews"))
          .timeout(Duration.ofSeconds(10))
          .header("Authorization", "Bearer " + server.adminToken())
          .header("Impersonate-User", "system:serviceaccount:shop:checkout")
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}"))
          .build();
      HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(r.body()).contains("\"username\":\"system:serviceaccount:shop:checkout\"")
          .contains("system:serviceaccounts:shop");
    }
  }

  @Test
  void impersonatedGroupsWithoutAUser_are400_notIgnored() throws Exception {
    // Before: the group was ignored and the admin was served as itself (200 on kube-system's secrets).
    try (FakeKubernetesApiServer server = FakeKubernetesApiServer.start()) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/namespaces/kube-system/secrets"))
          .timeout(Duration.ofSeconds(10))
          .header("Authorization", "Bearer " + server.adminToken())
          .header("Impersonate-Group", "nobody")
          .build();
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("\"reason\":\"BadRequest\"")
          .contains("requested [{Group  nobody  authentication.k8s.io/v1  }] without impersonating a user");
    }
  }
}
