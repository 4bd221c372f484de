package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A mistyped RBAC object is refused with upstream's 400, and one that got into the store anyway
 * (by a merge patch, which is not type-checked) cannot turn every later request into a 500.
 */
class MistypedRbacObjectsTest {

  private final FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().start();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> send(String token, String method, String path, String contentType, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static final String CRB = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";

  @Test
  void aMistypedRoleRefOrSubject_is400_asUpstreamDecodesIt() throws Exception {
    String admin = server.adminToken();
    HttpResponse<String> r = send(admin, "POST", CRB, "application/json",
        "{\"metadata\":{\"name\":\"bad\"},\"roleRef\":\"view\",\"subjects\":[{\"kind\":\"Group\",\"name\":\"system:authenticated\"}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("cannot unmarshal string into Go struct field ClusterRoleBinding.roleRef of type v1.RoleRef");
    r = send(admin, "POST", CRB, "application/json",
        "{\"metadata\":{\"name\":\"bad\"},\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"view\"},\"subjects\":[5]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("cannot unmarshal number into Go struct field ClusterRoleBinding.subjects of type v1.Subject");
    r = send(admin, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", "application/json",
        "{\"metadata\":{\"name\":\"bad\"},\"rules\":[{\"verbs\":\"get\"}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string");
  }

  @Test
  void aPatchedInMistypedBinding_doesNotBreakAuthorizationForEveryone() throws Exception {
    String admin = server.adminToken();
    assertThat(send(admin, "POST", CRB, "application/json", "{\"metadata\":{\"name\":\"b\"},\"roleRef\":{\"apiGroup\":"
        + "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"view\"},\"subjects\":[{\"kind\":\"Group\","
        + "\"name\":\"system:authenticated\"}]}").statusCode()).isEqualTo(201);
    assertThat(send(admin, "PATCH", CRB + "/b", "application/merge-patch+json", "{\"roleRef\":{\"kind\":{\"x\":1},\"name\":null}}")
        .statusCode()).isEqualTo(200);
    server.createServiceAccount("default", "app");
    String token = server.issuer().projected(server.serviceAccount("default", "app").orElseThrow()).audience(server.apiAudiences().get(0))
        .mint();
    HttpResponse<String> r = send(token, "GET", "/api/v1/namespaces/default/configmaps", null, null);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(send(admin, "PATCH", CRB + "/b", "application/merge-patch+json", "{\"roleRef\":\"x\"}").statusCode()).isEqualTo(200);
    assertThat(send(token, "GET", "/api/v1/namespaces/default/configmaps", null, null).statusCode()).isEqualTo(403);
  }
}
