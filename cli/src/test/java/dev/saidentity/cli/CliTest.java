package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The CLI contract: JSON keys, exit codes 0/1/2, no stack traces, no token text in errors. */
class CliTest extends CliRunner {

  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  static final Path VECTORS = ROOT.resolve("core/src/test/resources/conformance/k8s");
  static final String ISSUER = "https://issuer.example.com";

  final InputStream stdin = System.in;

  @AfterEach
  void restore() {
    System.setIn(stdin);
  }

  static String vector(String p) throws Exception {
    return Files.readString(VECTORS.resolve(p));
  }


  int runWithStdin(String stdinText, String... args) {
    System.setIn(new ByteArrayInputStream(stdinText.getBytes(StandardCharsets.UTF_8)));
    return run(args);
  }

  @Test
  void decode_legacyToken_printsEveryKeyInOrder() throws Exception {
    assertThat(runWithStdin(vector("tokens/legacy-rs256.jwt"), "decode")).isZero();
    assertThat(out.strip()).isEqualTo("{\"kind\":\"legacy\",\"username\":\"system:serviceaccount:test:my-service-account\","
        + "\"namespace\":\"test\",\"serviceAccount\":{\"name\":\"my-service-account\",\"uid\":\"12345\"},\"pod\":null,"
        + "\"secret\":{\"name\":\"my-rsa-secret\",\"uid\":null},\"node\":null,\"issuer\":\"kubernetes/serviceaccount\","
        + "\"subject\":\"system:serviceaccount:test:my-service-account\",\"audiences\":[],\"issuedAt\":null,\"notBefore\":null,"
        + "\"expiresAt\":null,\"warnAfter\":null,\"tokenId\":null,\"keyId\":\"JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU\","
        + "\"algorithm\":\"RS256\"}");
  }

  @Test
  void decode_legacyTokenWithoutSecretName_showsWhatIsThere() throws Exception {
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String payload = "{\"iss\":\"kubernetes/serviceaccount\",\"kubernetes.io/serviceaccount/namespace\":\"test\","
        + "\"kubernetes.io/serviceaccount/service-account.name\":\"sa\",\"sub\":\"system:serviceaccount:test:sa\"}";
    String token = b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    assertThat(runWithStdin(token, "decode")).isZero();
    JsonObject j = JsonParser.parseString(out).getAsJsonObject();
    assertThat(j.get("kind").getAsString()).isEqualTo("legacy");
    assertThat(j.get("username").getAsString()).isEqualTo("system:serviceaccount:test:sa");
    assertThat(j.get("secret").isJsonNull()).isTrue();
    assertThat(j.getAsJsonObject("serviceAccount").get("uid").isJsonNull()).isTrue();
  }

  @Test
  void validate_withA1024BitRsaKey_exits2WithOneLine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    Path pem = Files.writeString(dir.resolve("weak.pem"), "-----BEGIN PUBLIC KEY-----\n"
        + java.util.Base64.getMimeEncoder().encodeToString(g.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
    String token = vector("tokens/bound-pod-warnafter.jwt");
    assertThat(run("validate", token, "--public-key", pem.toString(), "--issuer", ISSUER)).isEqualTo(2);
    assertThat(out).isEmpty();
    assertThat(err.lines().findFirst().orElseThrow()).isEqualTo("sa-identity validate: cannot read keys from PEM file " + pem
        + ": PEM block 1 is a 1024-bit RSA key, shorter than the minimum of 2048 bits (RFC 7518 section 3.3)");
    assertThat(err.lines().skip(1)).allMatch(l -> l.startsWith("Try '"));
  }

  @Test
  void decode_projectedToken_fromArgumentOrDash() throws Exception {
    String token = vector("tokens/bound-pod-warnafter.jwt");
    assertThat(run("decode", token)).isZero();
    JsonObject j = JsonParser.parseString(out).getAsJsonObject();
    assertThat(j.get("kind").getAsString()).isEqualTo("projected");
    assertThat(j.getAsJsonObject("pod").get("uid").getAsString()).isEqualTo("mypod-uid");
    assertThat(j.get("warnAfter").getAsString()).isEqualTo("2018-01-01T01:00:00Z");
    assertThat(j.get("expiresAt").getAsString()).isEqualTo("2018-01-02T00:00:00Z");
    assertThat(j.get("tokenId").getAsString()).isEqualTo("fixed");
    assertThat(runWithStdin(token + "\n", "decode", "-")).isZero();
    assertThat(JsonParser.parseString(out)).isEqualTo(j);
  }

  @Test
  void decode_notAServiceAccountJwt_exits1WithMalformed() throws Exception {
    assertThat(run("decode", "not-a-token")).isEqualTo(1);
    JsonObject j = JsonParser.parseString(out).getAsJsonObject();
    assertThat(j.keySet()).containsExactly("error", "message");
    assertThat(j.get("error").getAsString()).isEqualTo("MALFORMED");
    String tampered = vector("tokens/legacy-rs256.jwt").replace('.', '!');
    assertThat(runWithStdin(tampered, "decode")).isEqualTo(1);
    assertThat(out).doesNotContain(tampered.substring(0, 20));
  }

  @Test
  void validate_valid_exit0_withTheDecodeKeys() throws Exception {
    assertThat(runWithStdin(vector("tokens/bound-pod-warnafter.jwt"), "validate",
        "--public-key", VECTORS.resolve("keys/rsa-public.pem").toString(), "--issuer", ISSUER,
        "--at", "2018-01-01T00:00:00Z")).isZero();
    JsonObject j = JsonParser.parseString(out).getAsJsonObject();
    assertThat(j.keySet()).containsExactly("valid", "kind", "username", "namespace", "serviceAccount", "pod", "secret",
        "node", "issuer", "subject", "audiences", "issuedAt", "notBefore", "expiresAt", "warnAfter", "tokenId", "keyId",
        "algorithm");
    assertThat(j.get("valid").getAsBoolean()).isTrue();
    assertThat(j.get("username").getAsString()).isEqualTo("system:serviceaccount:myns:mysvcacct");
  }

  @Test
  void validate_refused_exit1_withReasonAndMessage() throws Exception {
    String pem = VECTORS.resolve("keys/rsa-public.pem").toString();
    assertThat(runWithStdin(vector("tokens/bound-pod-warnafter.jwt"), "validate", "--public-key", pem,
        "--issuer", ISSUER, "--at", "2018-01-02T00:01:01Z")).isEqualTo(1);
    JsonObject j = JsonParser.parseString(out).getAsJsonObject();
    assertThat(j.keySet()).containsExactly("valid", "reason", "message");
    assertThat(j.get("valid").getAsBoolean()).isFalse();
    assertThat(j.get("reason").getAsString()).isEqualTo("EXPIRED");
    assertThat(j.get("message").getAsString()).isEqualTo(
        "service account token has expired: now 2018-01-02T00:01:01Z is after exp 2018-01-02T00:00:00Z plus leeway 60s");

    assertThat(runWithStdin(vector("tokens/bound-pod-warnafter.jwt"), "validate", "--public-key", pem,
        "--issuer", ISSUER, "--at", "2018-01-02T00:01:01Z", "--leeway", "120")).isZero();
    assertThat(runWithStdin(vector("tokens/bound-secret-aud1.jwt"), "validate", "--public-key", pem,
        "--issuer", ISSUER, "--at", "2018-01-01T00:00:00Z", "--audience", "2", "--audience", "1")).isZero();
    assertThat(runWithStdin(vector("tokens/legacy-rs256.jwt"), "validate", "--public-key", pem, "--issuer", ISSUER)).isEqualTo(1);
    assertThat(JsonParser.parseString(out).getAsJsonObject().get("reason").getAsString()).isEqualTo("LEGACY_TOKEN_NOT_ALLOWED");
    assertThat(runWithStdin(vector("tokens/legacy-rs256.jwt"), "validate", "--public-key", pem, "--allow-legacy")).isZero();
    assertThat(runWithStdin(vector("tokens/neg-alg-none.jwt"), "validate", "--jwks",
        VECTORS.resolve("oidc/jwks.rsa-ecdsa.json").toString(), "--issuer", ISSUER)).isEqualTo(1);
    assertThat(JsonParser.parseString(out).getAsJsonObject().get("reason").getAsString()).isEqualTo("UNSUPPORTED_ALGORITHM");
  }

  @Test
  void validate_withJwksUrlAndDiscovery_overLoopbackHttp() throws Exception {
    String jwks = vector("oidc/jwks.rsa-ecdsa.json");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    server.createContext("/", ex -> {
      String body = ex.getRequestURI().getPath().equals("/openid/v1/jwks") ? jwks
          : "{\"issuer\":\"" + base + "\",\"jwks_uri\":\"" + base + "/openid/v1/jwks\"}";
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    server.start();
    try {
      assertThat(runWithStdin(vector("tokens/bound-pod-warnafter-es256.jwt"), "validate", "--jwks", base + "/openid/v1/jwks",
          "--issuer", ISSUER, "--at", "2018-01-01T00:00:00Z")).as(out + err).isZero();
      // Discovery: the discovery URL is the accepted issuer, so this token (another issuer) is refused for that.
      assertThat(runWithStdin(vector("tokens/bound-pod-warnafter.jwt"), "validate", "--discovery", base,
          "--at", "2018-01-01T00:00:00Z")).isEqualTo(1);
      assertThat(JsonParser.parseString(out).getAsJsonObject().get("reason").getAsString()).isEqualTo("ISSUER_MISMATCH");
      assertThat(runWithStdin(vector("tokens/bound-pod-warnafter.jwt"), "validate", "--discovery", base, "--issuer", ISSUER,
          "--audience", ISSUER, "--at", "2018-01-01T00:00:00Z")).as(out + err).isZero();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void usageErrors_exit2_withAMessageAndNoStackTrace() throws Exception {
    String token = vector("tokens/bound-pod-warnafter.jwt");
    String pem = VECTORS.resolve("keys/rsa-public.pem").toString();
    assertThat(run("validate", token, "--issuer", ISSUER)).isEqualTo(2);
    assertThat(err).startsWith("sa-identity validate: one of --jwks, --public-key or --discovery is required");
    assertThat(run("validate", token, "--public-key", pem)).isEqualTo(2);
    assertThat(err).contains("--issuer is required");
    assertThat(run("validate", token, "--public-key", pem, "--issuer", ISSUER, "--at", "yesterday")).isEqualTo(2);
    assertThat(err).contains("--at must be an RFC 3339 date-time");
    assertThat(run("validate", token, "--public-key", pem, "--issuer", ISSUER, "--leeway", "-1")).isEqualTo(2);
    assertThat(run("validate", token, "--public-key", pem, "--issuer", ISSUER, "--leeway", "abc")).isEqualTo(2);
    assertThat(run("validate", token, "--public-key", "/no/such.pem", "--issuer", ISSUER)).isEqualTo(2);
    assertThat(err).contains("cannot read /no/such.pem: NoSuchFileException");
    assertThat(run("validate", token, "--jwks", "http://example.com/jwks", "--issuer", ISSUER)).isEqualTo(2);
    assertThat(run("decode", "--bogus")).isEqualTo(2);
    assertThat(run("nosuchcommand")).isEqualTo(2);
    assertThat(run("decode", "a", "b")).isEqualTo(2);
    for (String e : new String[] {err, out}) {
      assertThat(e).doesNotContain(token.substring(0, 30));
    }
  }

  @Test
  void help_onEveryCommand() {
    assertThat(run("--help")).isZero();
    assertThat(out).contains("decode").contains("validate");
    assertThat(run("decode", "--help")).isZero();
    assertThat(out).contains("WITHOUT verifying");
    assertThat(run("validate", "--help")).isZero();
    assertThat(out).contains("--public-key").contains("--discovery").contains("--at");
    assertThat(run("--version")).isZero();
  }
}
