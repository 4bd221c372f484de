package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.core.UnverifiedToken;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Callers authenticate with tokens the fake issued, legacy token Secrets, or the static admin token. */
class CallerAuthenticationTest {

  final FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().start();

  @AfterEach
  void stop() {
    server.close();
  }

  JsonObject whoami(String token) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(server.url() + "/apis/authentication.k8s.io/v1/selfsubjectreviews"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("status").getAsJsonObject("userInfo");
  }

  @Test
  void legacyTokenSecret_authenticates_untilTheSecretIsDeleted() throws Exception {
    server.createServiceAccount("default", "old-app");
    String legacy = server.createLegacyTokenSecret("default", "old-app", "old-app-token-x7k2p");
    assertThat(UnverifiedToken.decode(legacy).kind()).isEqualTo(dev.saidentity.core.TokenKind.LEGACY);
    JsonObject who = whoami(legacy);
    assertThat(who.get("username").getAsString()).isEqualTo("system:serviceaccount:default:old-app");
    assertThat(who.has("extra")).isFalse();
    assertThat(server.get("v1", "Secret", "default", "old-app-token-x7k2p").orElseThrow())
        .contains("\"kubernetes.io/service-account.uid\"").contains("\"type\":\"kubernetes.io/service-account-token\"");
    server.delete("v1", "Secret", "default", "old-app-token-x7k2p");
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/namespaces"))
        .header("Authorization", "Bearer " + legacy).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void issuedTokens_andTheAdminToken() throws Exception {
    server.createServiceAccount("default", "api");
    String token = server.issuer().projected(server.serviceAccount("default", "api").orElseThrow()).audience(server.issuer().issuer()).mint();
    JsonObject who = whoami(token);
    assertThat(who.get("username").getAsString()).isEqualTo("system:serviceaccount:default:api");
    assertThat(who.get("groups").toString()).isEqualTo("[\"system:serviceaccounts\",\"system:serviceaccounts:default\",\"system:authenticated\"]");
    assertThat(whoami(server.adminToken()).get("username").getAsString()).isEqualTo("kubernetes-admin");
    String otherAudience = server.issuer().projected(server.serviceAccount("default", "api").orElseThrow()).audience("vault").mint();
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + "/version"))
        .header("Authorization", "Bearer " + otherAudience).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("a token for another audience is not an API credential").isEqualTo(401);
  }
}
