package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /openapi/v2}, which kubectl up to 1.27 loads (as protobuf) before an apply whose validation is
 * strict, and fails on a 404: JSON by default, protobuf with kube-openapi's content type when asked.
 */
class OpenApiV2Test {

  FakeKubernetesApiServer server;
  Http http;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Http.DEADLINE).build();

  @BeforeEach
  void start() {
    server = FakeKubernetesApiServer.builder().start();
    http = new Http(server);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void json_isASwagger2Document() throws Exception {
    HttpResponse<String> r = client.send(http.request("/openapi/v2").header("Accept", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    JsonObject doc = JsonParser.parseString(r.body()).getAsJsonObject();
    assertThat(doc.get("swagger").getAsString()).isEqualTo("2.0");
    assertThat(doc.getAsJsonObject("info").get("title").getAsString()).isEqualTo("Kubernetes");
  }

  @Test
  void protobuf_asKubectlAsksForIt_hasAValidMediaTypeAndEncodesSwaggerAndInfo() throws Exception {
    HttpResponse<byte[]> r = client.send(http.request("/openapi/v2")
        .header("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    // Go's mime.ParseMediaType refuses '@': kube-openapi answers with a '.' in its place.
    assertThat(r.headers().firstValue("Content-Type")).contains("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
    byte[] b = r.body();
    // Document{swagger(1) = "2.0", info(2) = Info{title(1) = "Kubernetes", version(2) = ...}}
    assertThat(b[0]).isEqualTo((byte) 0x0a);
    assertThat(new String(b, 2, b[1], StandardCharsets.UTF_8)).isEqualTo("2.0");
    int info = 2 + b[1];
    assertThat(b[info]).isEqualTo((byte) 0x12);
    assertThat(b.length).isEqualTo(info + 2 + b[info + 1]);
    assertThat(b[info + 2]).isEqualTo((byte) 0x0a);
    assertThat(new String(b, info + 4, b[info + 3], StandardCharsets.UTF_8)).isEqualTo("Kubernetes");
  }
}
