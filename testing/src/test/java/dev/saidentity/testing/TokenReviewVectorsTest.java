package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.core.KeySource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance vectors' tokens through the fake's TokenReview: a server with the vectors' keys
 * (RSA signing, EC verifying), issuer and objects answers every case of authenticate-cases.json as
 * upstream would.
 */
class TokenReviewVectorsTest {

  static final HttpClient HTTP = HttpClient.newHttpClient();

  static JsonObject review(FakeKubernetesApiServer server, String token, List<String> audiences) throws Exception {
    JsonObject spec = new JsonObject();
    spec.addProperty("token", token);
    JsonArray a = new JsonArray();
    audiences.forEach(a::add);
    spec.add("audiences", a);
    JsonObject body = new JsonObject();
    body.addProperty("apiVersion", "authentication.k8s.io/v1");
    body.addProperty("kind", "TokenReview");
    body.add("spec", spec);
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/apis/authentication.k8s.io/v1/tokenreviews"))
        .header("Authorization", "Bearer " + server.adminToken()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(201);
    return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("status");
  }

  static String seedBound(String saUid, String podUid, boolean withPod) {
    return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: myns\n---\n"
        + "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: mysvcacct\n  namespace: myns\n  uid: " + saUid + "\n---\n"
        + (withPod ? "apiVersion: v1\nkind: Pod\nmetadata:\n  name: mypod\n  namespace: myns\n  uid: " + podUid + "\n"
            + "spec:\n  serviceAccountName: mysvcacct\n  containers:\n  - name: c\n    image: i\n---\n" : "")
        + "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysecret\n  namespace: myns\n  uid: mysecret-uid\n---\n"
        + "apiVersion: v1\nkind: Node\nmetadata:\n  name: mynode\n  uid: mynode-uid\n";
  }

  @TestFactory
  Stream<DynamicTest> boundCases() {
    JsonObject all = Vectors.json("tokens/authenticate-cases.json").getAsJsonObject();
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement e : all.getAsJsonArray("bound_cases")) {
      JsonObject c = e.getAsJsonObject();
      String name = c.get("name").getAsString();
      tests.add(DynamicTest.dynamicTest(name, () -> {
        SettableClock clock = SettableClock.at(Instant.ofEpochSecond(c.get("now_unix").getAsLong()));
        try (FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().clock(clock).issuer("https://issuer.example.com")
            .signingKeyPem(Vectors.text("keys/rsa-private.pem"))
            .verificationKeys(KeySource.publicKeysFromPem(Vectors.text("keys/ecdsa-p256-public.pem"))).start()) {
          String saUid = name.equals("SA recreated") ? "new-uid" : "mysvcacct-uid";
          String podUid = name.equals("pod-bound, pod deleted (UID differs)") ? "mypod-uid-2" : "mypod-uid";
          server.create(seedBound(saUid, podUid, !name.equals("pod-bound, pod missing")));
          List<String> auds = new ArrayList<>();
          if (c.get("requested_audiences").isJsonArray()) {
            c.getAsJsonArray("requested_audiences").forEach(a -> auds.add(a.getAsString()));
          }
          JsonObject status = review(server, Vectors.text(c.get("token").getAsString()), auds);
          if (c.get("expect_ok").isJsonNull()) {
            // The legacy token under the bound authenticator alone is declined; the whole server also runs the
            // legacy authenticator, which finds no Secret for it.
            assertThat(status.get("authenticated").getAsBoolean()).isFalse();
            assertThat(status.get("error").getAsString()).isEqualTo("Token has been invalidated");
            return;
          }
          assertThat(status.get("authenticated").getAsBoolean()).as(status.toString()).isEqualTo(c.get("expect_ok").getAsBoolean());
          if (c.get("expect_ok").getAsBoolean()) {
            JsonObject user = status.getAsJsonObject("user");
            JsonObject want = c.getAsJsonObject("expect_user");
            assertThat(user.get("username")).isEqualTo(want.get("username"));
            assertThat(user.get("uid")).isEqualTo(want.get("uid"));
            JsonArray groups = want.getAsJsonArray("groups").deepCopy();
            groups.add("system:authenticated");
            assertThat(user.get("groups")).isEqualTo(groups);
            assertThat(user.has("extra") ? user.get("extra") : new JsonObject()).isEqualTo(
                want.has("extra") && want.get("extra").isJsonObject() ? want.get("extra") : new JsonObject());
            assertThat(status.get("audiences")).isEqualTo(c.get("expect_response_audiences"));
          } else {
            assertThat(status.get("error").getAsString()).isEqualTo(c.get("expect_error").getAsString());
          }
        }
      }));
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> legacyLookupCases() {
    String token = Vectors.text("tokens/legacy-rs256.jwt");
    String b64 = java.util.Base64.getEncoder().encodeToString(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String base = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: test\n";
    String sa = "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: my-service-account\n  namespace: test\n  uid: \"12345\"\n";
    String secret = "---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  name: my-rsa-secret\n"
        + "  namespace: test\n  annotations:\n    kubernetes.io/service-account.name: my-service-account\n%s"
        + "data:\n  token: " + b64 + "\n";
    String invalidLabel = "  labels:\n    kubernetes.io/legacy-token-invalid-since: \"2022-12-20\"\n";
    record Case(String name, String seed, boolean ok, String error) {}
    List<Case> cases = List.of(
        new Case("valid lookup", base + sa + String.format(secret, ""), true, ""),
        new Case("invalid secret lookup", base + sa, false, "Token has been invalidated"),
        new Case("invalid serviceaccount lookup", base + String.format(secret, ""), false, "serviceaccounts \"my-service-account\" not found"),
        new Case("secret is marked as invalid", base + sa + String.format(secret, invalidLabel), false,
            "the token in secret test/my-rsa-secret for service account test/my-service-account has been marked invalid. Use tokens from"
                + " the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since'"
                + " label from the secret to temporarily allow use of this token"));
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
      try (FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().signingKeyPem(Vectors.text("keys/rsa-private.pem")).start()) {
        server.create(c.seed());
        JsonObject status = review(server, token, List.of());
        assertThat(status.get("authenticated").getAsBoolean()).as(status.toString()).isEqualTo(c.ok());
        if (c.ok()) {
          assertThat(status.getAsJsonObject("user").get("username").getAsString()).isEqualTo("system:serviceaccount:test:my-service-account");
          assertThat(status.getAsJsonObject("user").has("extra")).isFalse();
        } else {
          assertThat(status.get("error").getAsString()).isEqualTo(c.error());
        }
      }
    }));
  }
}
