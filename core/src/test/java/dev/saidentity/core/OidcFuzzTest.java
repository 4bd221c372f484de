package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of OIDC discovery documents (Jazzer): the documents {@link OidcMetadata}
 * renders from fuzzed inputs, and the discovery documents and JWK sets {@link RemoteKeySource} reads
 * from a loopback server. Invariants: {@code create} refuses with {@link IllegalArgumentException}
 * only, and what it renders is JSON whose issuer is the input and whose key set reads back to the
 * same key ids; a validator on discovered keys answers with a result, never an exception, within
 * the timeout, and validates only when the document names the issuer and the key set that signed.
 */
class OidcFuzzTest {

  static final List<PublicKey> KEYS = List.of(TestJwt.RSA.getPublic(), TestJwt.EC256.getPublic(), TestJwt.EC384.getPublic());
  static final String[] ISSUERS = {"https://issuer.example.com", "https://kubernetes.default.svc.cluster.local",
      "https://10.0.0.1:6443/path", "https://[::1]:443", "http://issuer.example.com", "https://issuer.example.com?q=1"};
  static final String[] ADDRESSES = {"10.0.0.1:443", "", "[::1]:6443", "example.com", "a b:1", "host:99999"};

  static HttpServer server;
  static String base;
  static final AtomicReference<byte[]> DOCUMENT = new AtomicReference<>(new byte[0]);
  static final AtomicReference<byte[]> JWKS = new AtomicReference<>(new byte[0]);

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/.well-known/openid-configuration", ex -> reply(ex, DOCUMENT.get(), "application/json"));
    server.createContext("/openid/v1/jwks", ex -> reply(ex, JWKS.get(), "application/jwk-set+json"));
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  private static void reply(HttpExchange ex, byte[] body, String type) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @FuzzTest(maxDuration = "2m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void create(FuzzedDataProvider data) {
    String issuer = data.consumeBoolean() ? data.consumeString(200) : data.pickValue(ISSUERS);
    String jwksUri = data.consumeBoolean() ? data.consumeString(200) : null;
    String address = data.consumeBoolean() ? data.consumeString(100) : data.pickValue(ADDRESSES);
    List<PublicKey> keys = new ArrayList<>();
    for (PublicKey k : KEYS) {
      if (!data.consumeBoolean()) {
        keys.add(k);
      }
    }
    OidcMetadata m;
    try {
      m = OidcMetadata.create(issuer, jwksUri, address, keys);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    JsonObject config = JsonParser.parseString(m.openIdConfiguration()).getAsJsonObject();
    assertThat(config.get("issuer").getAsString()).isEqualTo(issuer);
    assertThat(URI.create(config.get("jwks_uri").getAsString()).getScheme()).isEqualTo("https");
    List<String> kids = new ArrayList<>();
    keys.forEach(k -> kids.add(KeySource.keyId(k)));
    List<String> read = new ArrayList<>();
    JsonParser.parseString(m.jwks()).getAsJsonObject().getAsJsonArray("keys")
        .forEach(k -> read.add(k.getAsJsonObject().get("kid").getAsString()));
    assertThat(read).isEqualTo(kids);
    KeySource.fromJwks(m.jwks());
  }

  /** A discovery document and a key set served over loopback; a token for the loopback issuer. */
  @FuzzTest(maxDuration = "2m")
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  @SuppressWarnings("try") // the resource only scopes the allowance
  void discovery(FuzzedDataProvider data) {
    String token = TestJwt.sign("RS256", TestJwt.RSA.getPrivate(), TestJwt.header("RS256", KeySource.keyId(TestJwt.RSA.getPublic())),
        TestJwt.projectedClaims(Vectors.NOW - 60, base).replace(Vectors.ISSUER, base));
    String validDocument = OidcMetadata.create(base.replace("http:", "https:"), null, "x:1", KEYS).openIdConfiguration()
        .replace("https://x:1", base).replace(base.replace("http:", "https:"), base);
    String validJwks = OidcMetadata.create("https://x", null, "x:1", KEYS).jwks();
    String document = data.consumeBoolean() ? data.consumeString(8000) : validDocument;
    String jwks = data.consumeBoolean() ? data.consumeRemainingAsString() : validJwks;
    DOCUMENT.set(document.getBytes(StandardCharsets.UTF_8));
    JWKS.set(jwks.getBytes(StandardCharsets.UTF_8));
    RemoteKeySource keys = RemoteKeySource.discovery(URI.create(base)).timeout(Duration.ofSeconds(5)).build();
    TokenValidator v = TokenValidator.builder().issuer(base).keys(keys).clock(Vectors.at(Vectors.NOW)).build();
    ValidationResult r;
    // Jazzer reports any connection as server-side request forgery; the loopback server is ours.
    int port = server.getAddress().getPort();
    try (SilentCloseable loopback = BugDetectors.allowNetworkConnections(
        (host, p) -> ("127.0.0.1".equals(host) || "localhost".equals(host)) && p == port)) {
      r = v.tryValidate(token);
    } catch (UncheckedIOException e) {
      throw new AssertionError("I/O escaped validation", e);
    }
    assertThat(r.isValid()).isNotEqualTo(r.reason().isPresent());
    if (r.isValid()) {
      assertThat(document).contains(base + "/openid/v1/jwks").contains("\"issuer\"");
      assertThat(jwks).contains(KeySource.keyId(TestJwt.RSA.getPublic()));
    } else if (document.equals(validDocument) && jwks.equals(validJwks)) {
      throw new AssertionError("the valid discovery document and key set were refused: " + r.message());
    }
  }
}
