package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Faults, scripted sequences, recorded requests and the unknown-fields switch, over plain HTTP. */
class FaultsAndRecordingTest {

  final FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().start();
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    server.close();
  }

  HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + server.adminToken());
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void scriptedFaults_thenTheRealAnswer() throws Exception {
    server.createServiceAccount("default", "api");
    String path = "/api/v1/namespaces/default/serviceaccounts/api/token";
    server.enqueueFault("POST", "/api/v1/namespaces/*/serviceaccounts/*/token", Fault.tooManyRequests(Duration.ofSeconds(3)));
    server.enqueueFault("POST", "/api/v1/namespaces/*/serviceaccounts/*/token", Fault.status(503));
    String body = "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{}}";
    HttpResponse<String> first = send("POST", path, body);
    assertThat(first.statusCode()).isEqualTo(429);
    assertThat(first.headers().firstValue("Retry-After")).contains("3");
    assertThat(first.body()).contains("\"kind\":\"Status\"").contains("\"reason\":\"TooManyRequests\"").contains("\"code\":429");
    assertThat(send("POST", path, body).statusCode()).isEqualTo(503);
    HttpResponse<String> third = send("POST", path, body);
    assertThat(third.statusCode()).isEqualTo(201);
    assertThat(server.requestCount("POST", "/api/v1/namespaces/*/serviceaccounts/*/token")).isEqualTo(3);
    RecordedRequest r = server.requests().get(server.requests().size() - 1);
    assertThat(r.user()).isEqualTo("kubernetes-admin");
    assertThat(r.toString()).isEqualTo("POST " + path + " as kubernetes-admin").doesNotContain(server.adminToken());
    assertThat(r.header("content-type")).contains("application/json");
  }

  @Test
  void persistentFault_andDroppedConnection() throws Exception {
    server.setFault("GET", "/api/v1/namespaces/**", Fault.status(500));
    assertThat(send("GET", "/api/v1/namespaces/default", null).statusCode()).isEqualTo(500);
    assertThat(send("GET", "/api/v1/namespaces/default/serviceaccounts", null).statusCode()).isEqualTo(500);
    server.clearFaults();
    assertThat(send("GET", "/api/v1/namespaces/default", null).statusCode()).isEqualTo(200);
    // Persistent: java.net.http retries an idempotent GET once on a closed connection.
    server.setFault("GET", "/version", Fault.dropConnection());
    org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> send("GET", "/version", null));
    assertThat(server.requestCount("GET", "/version")).isGreaterThanOrEqualTo(1);
    server.clearFaults();
    assertThat(send("GET", "/version", null).statusCode()).isEqualTo(200);
  }

  @Test
  void unknownFields_areAddedToEveryAnswer() throws Exception {
    server.unknownFields(true);
    String body = send("GET", "/api/v1/namespaces/default/serviceaccounts/default", null).body();
    assertThat(body).contains("\"saIdentityUnknownField\"");
    com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(body).getAsJsonObject();
    assertThat(o.getAsJsonObject("metadata").has("saIdentityUnknownField")).isTrue();
    server.unknownFields(false);
    assertThat(send("GET", "/api/v1/namespaces/default/serviceaccounts/default", null).body()).doesNotContain("saIdentityUnknownField");
  }

  @Test
  void errors_areStatusBodies_withUpstreamReasons() throws Exception {
    HttpResponse<String> nf = send("GET", "/api/v1/namespaces/default/serviceaccounts/nope", null);
    assertThat(nf.statusCode()).isEqualTo(404);
    assertThat(nf.body()).isEqualTo("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":\"serviceaccounts \\\"nope\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"nope\",\"kind\":\"serviceaccounts\"},\"code\":404}");
    HttpResponse<String> anon = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/namespaces")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(anon.statusCode()).isEqualTo(403);
    assertThat(anon.body()).contains("namespaces is forbidden: User \\\"system:anonymous\\\" cannot list resource \\\"namespaces\\\" in API group \\\"\\\" at the cluster scope");
    assertThat(http.send(HttpRequest.newBuilder(URI.create(server.url() + "/version")).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(200);
    HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/namespaces"))
        .header("Authorization", "Bearer nope").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(401);
  }

  @Test
  void tokenRequest_capAndExtension_asUpstream() throws Exception {
    try (FakeKubernetesApiServer capped = FakeKubernetesApiServer.builder().maxTokenExpiration(Duration.ofHours(1)).start()) {
      capped.createServiceAccount("default", "api");
      HttpRequest req = HttpRequest.newBuilder(URI.create(capped.url() + "/api/v1/namespaces/default/serviceaccounts/api/token"))
          .header("Authorization", "Bearer " + capped.adminToken()).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"spec\":{\"expirationSeconds\":7200}}")).build();
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(r.headers().firstValue("Warning")).contains("299 - \"requested expiration of 7200 seconds shortened to 3600 seconds\"");
      assertThat(r.body()).contains("\"expirationSeconds\":3600");
    }
    server.createServiceAccount("default", "api");
    String podUid = server.createPod("default", "p", "api", null);
    HttpResponse<String> ext = send("POST", "/api/v1/namespaces/default/serviceaccounts/api/token",
        "{\"spec\":{\"expirationSeconds\":3607,\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"p\",\"uid\":\"" + podUid + "\"}}}");
    com.google.gson.JsonObject status = com.google.gson.JsonParser.parseString(ext.body()).getAsJsonObject().getAsJsonObject("status");
    dev.saidentity.core.UnverifiedToken t = dev.saidentity.core.UnverifiedToken.decode(status.get("token").getAsString());
    long iat = t.issuedAt().orElseThrow().getEpochSecond();
    assertThat(t.expiresAt().orElseThrow().getEpochSecond() - iat).isEqualTo(31536000L);
    assertThat(t.warnAfter().orElseThrow().getEpochSecond() - iat).isEqualTo(3607L);
    assertThat(java.time.Instant.parse(status.get("expirationTimestamp").getAsString()).getEpochSecond() - iat).isEqualTo(3607L);
    HttpResponse<String> wrongSa = send("POST", "/api/v1/namespaces/default/serviceaccounts/default/token",
        "{\"spec\":{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"p\"}}}");
    assertThat(wrongSa.statusCode()).isEqualTo(400);
    assertThat(wrongSa.body()).contains("cannot bind token for serviceaccount \\\"default\\\" to pod running with different serviceaccount name.");
    HttpResponse<String> tooLong = send("POST", "/api/v1/namespaces/default/serviceaccounts/api/token", "{\"spec\":{\"expirationSeconds\":4294967297}}");
    assertThat(tooLong.statusCode()).isEqualTo(422);
    assertThat(tooLong.body()).contains("may not specify a duration larger than 2^32 seconds");
  }
}
