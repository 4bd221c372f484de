package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Mistyped bodies answer as upstream's JSON decoding into Go structs does: 400 BadRequest with
 * {@code KIND in version "v1" cannot be handled as a KIND: json: cannot unmarshal WHAT into Go
 * struct field STRUCT.PATH of type TYPE} (apiserver's transformDecodeError around sigs.k8s.io/json's
 * UnmarshalTypeError), never a 500 or a 201 that stores the wrong type.
 */
class BodyDecodingTest {

  private static FakeKubernetesApiServer server;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() {
    server = FakeKubernetesApiServer.start();
    server.createServiceAccount("default", "api");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + server.adminToken()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertBadRequest(HttpResponse<String> r, String message) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("\"reason\":\"BadRequest\"").contains("\"message\":\"" + message.replace("\"", "\\\"") + "\"");
  }

  private static final String TOKEN = "/api/v1/namespaces/default/serviceaccounts/api/token";
  private static final String TR = "TokenRequest in version \"v1\" cannot be handled as a TokenRequest: json: cannot unmarshal ";

  @ParameterizedTest(name = "TokenRequest {0}")
  @CsvSource(delimiter = '|', value = {
    "{\"spec\":{\"expirationSeconds\":\"abc\"}}                 | string into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64",
    "{\"spec\":{\"expirationSeconds\":3600.5}}                  | number 3600.5 into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64",
    "{\"spec\":{\"expirationSeconds\":1e4}}                     | number 1e4 into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64",
    "{\"spec\":{\"expirationSeconds\":99999999999999999999}}    | number 99999999999999999999 into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64",
    "{\"spec\":{\"audiences\":[5]}}                             | number into Go struct field TokenRequestSpec.spec.audiences of type string",
    "{\"spec\":{\"audiences\":\"x\"}}                           | string into Go struct field TokenRequestSpec.spec.audiences of type []string",
    "{\"spec\":{\"boundObjectRef\":5}}                          | number into Go struct field TokenRequestSpec.spec.boundObjectRef of type v1.BoundObjectReference",
    "{\"spec\":{\"boundObjectRef\":{\"name\":true}}}            | bool into Go struct field BoundObjectReference.spec.boundObjectRef.name of type string",
    "{\"spec\":[]}                                              | array into Go struct field TokenRequest.spec of type v1.TokenRequestSpec",
    "{\"metadata\":{\"name\":5}}                                | number into Go struct field ObjectMeta.metadata.name of type string",
  })
  void mistypedTokenRequest_is400(String body, String error) throws Exception {
    assertBadRequest(post(TOKEN, body), TR + error);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
    "tokenreviews            | TokenReview             | {\"spec\":{\"token\":5}}                                  | number into Go struct field TokenReviewSpec.spec.token of type string",
    "tokenreviews            | TokenReview             | {\"spec\":{\"token\":\"t\",\"audiences\":\"x\"}}          | string into Go struct field TokenReviewSpec.spec.audiences of type []string",
    "subjectaccessreviews    | SubjectAccessReview     | {\"spec\":{\"user\":\"u\",\"resourceAttributes\":{\"verb\":1}}} | number into Go struct field ResourceAttributes.spec.resourceAttributes.verb of type string",
    "subjectaccessreviews    | SubjectAccessReview     | {\"spec\":{\"groups\":\"g\"}}                             | string into Go struct field SubjectAccessReviewSpec.spec.groups of type []string",
    "subjectaccessreviews    | SubjectAccessReview     | {\"spec\":{\"resourceAttributes\":\"pods\"}}              | string into Go struct field SubjectAccessReviewSpec.spec.resourceAttributes of type v1.ResourceAttributes",
    "selfsubjectaccessreviews| SelfSubjectAccessReview | {\"spec\":{\"nonResourceAttributes\":{\"path\":[]}}}      | array into Go struct field NonResourceAttributes.spec.nonResourceAttributes.path of type string",
  })
  void mistypedReview_is400(String plural, String kind, String body, String error) throws Exception {
    String group = plural.endsWith("tokenreviews") ? "authentication.k8s.io" : "authorization.k8s.io";
    assertBadRequest(post("/apis/" + group + "/v1/" + plural, body),
        kind + " in version \"v1\" cannot be handled as a " + kind + ": json: cannot unmarshal " + error);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
    "/api/v1/namespaces/default/serviceaccounts | ServiceAccount | {\"metadata\":{\"name\":5}}                   | number into Go struct field ObjectMeta.metadata.name of type string",
    "/api/v1/namespaces/default/configmaps      | ConfigMap      | {\"metadata\":{\"generateName\":[\"x\"]}}     | array into Go struct field ObjectMeta.metadata.generateName of type string",
    "/api/v1/namespaces/default/secrets         | Secret         | {\"metadata\":{\"name\":\"s\",\"namespace\":1}} | number into Go struct field ObjectMeta.metadata.namespace of type string",
    "/api/v1/namespaces                         | Namespace      | {\"metadata\":{\"name\":\"n\",\"uid\":{}}}      | object into Go struct field ObjectMeta.metadata.uid of type types.UID",
    "/api/v1/namespaces/default/pods            | Pod            | {\"metadata\":{\"name\":\"p\",\"resourceVersion\":7}} | number into Go struct field ObjectMeta.metadata.resourceVersion of type string",
    "/api/v1/namespaces/default/serviceaccounts | ServiceAccount | {\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":5}}} | number into Go struct field ObjectMeta.metadata.labels of type string",
    "/api/v1/namespaces/default/serviceaccounts | ServiceAccount | {\"metadata\":{\"name\":\"a\",\"labels\":\"app\"}}   | string into Go struct field ObjectMeta.metadata.labels of type map[string]string",
    "/api/v1/namespaces/default/serviceaccounts | ServiceAccount | {\"metadata\":{\"name\":\"a\",\"annotations\":[]}}   | array into Go struct field ObjectMeta.metadata.annotations of type map[string]string",
    "/api/v1/namespaces/default/serviceaccounts | ServiceAccount | {\"metadata\":{\"name\":\"a\",\"finalizers\":\"f\"}} | string into Go struct field ObjectMeta.metadata.finalizers of type []string",
    "/api/v1/namespaces/default/serviceaccounts | ServiceAccount | {\"metadata\":{\"name\":\"a\",\"finalizers\":[1]}}   | number into Go struct field ObjectMeta.metadata.finalizers of type string",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles | ClusterRole | {\"metadata\":5}                             | number into Go struct field ClusterRole.metadata of type v1.ObjectMeta",
  })
  void mistypedObjectMeta_is400_forEveryKind(String path, String kind, String body, String error) throws Exception {
    assertBadRequest(post(path, body), kind + " in version \"v1\" cannot be handled as a " + kind + ": json: cannot unmarshal " + error);
  }

  @Test
  void wellTypedBodies_stillWork_andNullIsTheZeroValue() throws Exception {
    HttpResponse<String> r = post(TOKEN, "{\"metadata\":{\"name\":null},\"spec\":{\"expirationSeconds\":3600,\"audiences\":[\"a\"],"
        + "\"boundObjectRef\":null}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(r.body()).contains("\"audiences\":[\"a\"]").contains("\"expirationSeconds\":3600");
    assertThat(post("/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"c\",\"labels\":{\"a\":\"b\"},\"finalizers\":[]}}")
        .statusCode()).isEqualTo(201);
  }

  @Test
  void seeding_refusesAMistypedManifest_withTheSameWords() {
    assertThatThrownBy(() -> server.create("{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":5}}"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("ServiceAccount in version \"v1\" cannot be handled as a ServiceAccount: json: cannot unmarshal number into Go struct "
            + "field ObjectMeta.metadata.name of type string");
  }
}
