package dev.saidentity.core;

import static dev.saidentity.core.TestJwt.header;
import static dev.saidentity.core.TestJwt.projectedClaims;
import static dev.saidentity.core.TestJwt.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.saidentity.core.TokenValidationException.Reason;
import java.io.FileInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Remote keys over real HTTP(S) on loopback: caching, refetch limits, last-good keys, discovery. */
class RemoteKeySourceTest {

  static final long T = 1_700_000_000L;
  final MutableClock clock = new MutableClock(Instant.ofEpochSecond(T));
  HttpServer server;
  String base;
  final AtomicReference<String> jwks = new AtomicReference<>();
  final AtomicReference<String> cacheControl = new AtomicReference<>("public, max-age=3600");
  final AtomicInteger status = new AtomicInteger(200);
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    serve(server);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    jwks.set(jwksOf(TestJwt.RSA.getPublic()));
  }

  void serve(HttpServer s) {
    s.createContext("/", this::handle);
  }

  void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null) {
      authorizations.add(auth);
    }
    String body;
    if (path.equals("/openid/v1/jwks")) {
      body = jwks.get();
    } else if (path.equals("/.well-known/openid-configuration")) {
      String self = (s() instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + s().getAddress().getPort();
      body = "{\"issuer\":\"" + self + "\",\"jwks_uri\":\"" + self + "/openid/v1/jwks\",\"response_types_supported\":[\"id_token\"]}";
    } else {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.getResponseHeaders().add("Cache-Control", cacheControl.get());
    ex.sendResponseHeaders(status.get(), status.get() == 200 ? b.length : -1);
    if (status.get() == 200) {
      ex.getResponseBody().write(b);
    }
    ex.close();
  }

  HttpServer httpsServer;

  HttpServer s() {
    return httpsServer != null ? httpsServer : server;
  }

  @AfterEach
  void stop() {
    server.stop(0);
    if (httpsServer != null) {
      httpsServer.stop(0);
    }
  }

  int hits(String path) {
    AtomicInteger n = hits.get(path);
    return n == null ? 0 : n.get();
  }

  static String b64u(BigInteger i) {
    byte[] b = i.toByteArray();
    if (b[0] == 0 && b.length > 1) {
      b = java.util.Arrays.copyOfRange(b, 1, b.length);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String jwksOf(PublicKey... keys) {
    StringBuilder sb = new StringBuilder("{\"keys\":[");
    for (int i = 0; i < keys.length; i++) {
      RSAPublicKey k = (RSAPublicKey) keys[i];
      sb.append(i == 0 ? "" : ",").append("{\"use\":\"sig\",\"kty\":\"RSA\",\"kid\":\"").append(KeySource.keyId(k))
          .append("\",\"alg\":\"RS256\",\"n\":\"").append(b64u(k.getModulus())).append("\",\"e\":\"")
          .append(b64u(k.getPublicExponent())).append("\"}");
    }
    return sb.append("]}").toString();
  }

  static String token(java.security.KeyPair kp) {
    return sign("RS256", kp.getPrivate(), header("RS256", KeySource.keyId(kp.getPublic())), projectedClaims(T, Vectors.ISSUER));
  }

  TokenValidator validator(KeySource keys) {
    return TokenValidator.builder().issuer(Vectors.ISSUER).keys(keys).clock(clock).build();
  }

  @Test
  void keys_areFetchedOnFirstUse_andCachedForMaxAge() {
    TokenValidator v = validator(RemoteKeySource.jwks(URI.create(base + "/openid/v1/jwks")).build());
    assertThat(hits("/openid/v1/jwks")).isZero();
    String token = token(TestJwt.RSA);
    assertThat(v.tryValidate(token).isValid()).isTrue();
    clock.advance(Duration.ofMinutes(59));
    assertThat(v.tryValidate(token).isValid()).isTrue();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
    clock.advance(Duration.ofMinutes(2));
    assertThat(v.tryValidate(token).isValid()).isTrue();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2);
  }

  @Test
  void unknownKid_refetchesAtMostOncePerInterval_thenFindsTheNewKey() {
    TokenValidator v = validator(RemoteKeySource.jwks(URI.create(base + "/openid/v1/jwks")).build());
    assertThat(v.tryValidate(token(TestJwt.RSA)).isValid()).isTrue();
    String rotated = token(TestJwt.OTHER_RSA);
    assertThat(v.tryValidate(rotated).reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1); // the first fetch was just now: no refetch yet
    clock.advance(Duration.ofSeconds(30));
    for (int i = 0; i < 5; i++) {
      assertThat(v.tryValidate(rotated).reason()).contains(Reason.UNKNOWN_KEY);
    }
    assertThat(hits("/openid/v1/jwks")).isEqualTo(2); // one refetch for five unknown-kid tokens
    jwks.set(jwksOf(TestJwt.RSA.getPublic(), TestJwt.OTHER_RSA.getPublic()));
    assertThat(v.tryValidate(rotated).reason()).contains(Reason.UNKNOWN_KEY); // still within 30 s
    clock.advance(Duration.ofSeconds(30));
    assertThat(v.tryValidate(rotated).isValid()).isTrue();
    assertThat(hits("/openid/v1/jwks")).isEqualTo(3);
  }

  @Test
  void cachedToken_isDropped_whenItsKeyLeavesTheKeySet() {
    cacheControl.set("max-age=60");
    TokenValidator v = validator(RemoteKeySource.jwks(URI.create(base + "/openid/v1/jwks")).build());
    String token = token(TestJwt.RSA);
    assertThat(v.tryValidate(token).isValid()).isTrue();
    jwks.set(jwksOf(TestJwt.OTHER_RSA.getPublic()));
    clock.advance(Duration.ofSeconds(61));
    ValidationResult r = v.tryValidate(token);
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
  }

  @Test
  void failedFetch_keepsTheLastGoodKeys_andSaysWhyWhenThereAreNone() {
    cacheControl.set("max-age=60");
    TokenValidator v = validator(RemoteKeySource.jwks(URI.create(base + "/openid/v1/jwks")).build());
    String token = token(TestJwt.RSA);
    assertThat(v.tryValidate(token).isValid()).isTrue();
    status.set(503);
    clock.advance(Duration.ofMinutes(5));
    assertThat(v.tryValidate(token).isValid()).isTrue();
    assertThat(v.tryValidate(new String(token.toCharArray()) + " ").isValid()).isTrue();

    TokenValidator fresh = validator(RemoteKeySource.jwks(URI.create(base + "/openid/v1/jwks")).build());
    ValidationResult r = fresh.tryValidate(token);
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.message()).endsWith("(GET " + base + "/openid/v1/jwks answered HTTP 503)");
  }

  @Test
  void discovery_followsJwksUri_sendsTheBearerToken() {
    RemoteKeySource keys = RemoteKeySource.discovery(URI.create(base)).bearerToken(() -> "secret-bearer\n").build();
    TokenValidator v = validator(keys);
    assertThat(v.tryValidate(token(TestJwt.RSA)).isValid()).isTrue();
    assertThat(hits("/.well-known/openid-configuration")).isEqualTo(1);
    assertThat(hits("/openid/v1/jwks")).isEqualTo(1);
    assertThat(authorizations).containsOnly("Bearer secret-bearer");
  }

  @Test
  void discovery_refusesADocumentForAnotherIssuer() {
    RemoteKeySource keys = RemoteKeySource.discovery(URI.create("http://localhost:" + server.getAddress().getPort())).build();
    ValidationResult r = validator(keys).tryValidate(token(TestJwt.RSA));
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.message()).contains("names issuer \"" + base + "\", expected exactly \"http://localhost:");
    assertThat(hits("/openid/v1/jwks")).isZero();
  }

  @Test
  void plainHttp_isOnlyForLoopback() {
    assertThatThrownBy(() -> RemoteKeySource.jwks(URI.create("http://example.com/jwks")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("JWKS URL must use https (plain http is allowed only for loopback), got http://example.com/jwks");
    assertThatThrownBy(() -> RemoteKeySource.discovery(URI.create("ftp://example.com")))
        .isInstanceOf(IllegalArgumentException.class);
    RemoteKeySource.jwks(URI.create("http://[::1]:1/jwks"));
    RemoteKeySource.jwks(URI.create("http://localhost:1/jwks"));
  }

  @Test
  void https_withACustomCa(@TempDir Path dir) throws Exception {
    Path ks = dir.resolve("server.p12");
    run(dir, "keytool", "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
    Path caPem = dir.resolve("ca.crt");
    run(dir, "keytool", "-exportcert", "-rfc", "-alias", "server", "-keystore", ks.toString(),
        "-storetype", "PKCS12", "-storepass", "changeit", "-file", caPem.toString());
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(ks.toFile())) {
      store.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(ctx));
    https.createContext("/", this::handle);
    https.start();
    httpsServer = https;
    String httpsBase = "https://127.0.0.1:" + https.getAddress().getPort();

    TokenValidator trusted = validator(RemoteKeySource.discovery(URI.create(httpsBase)).caCertificatesFile(caPem).build());
    assertThat(trusted.tryValidate(token(TestJwt.RSA)).isValid()).isTrue();

    TokenValidator untrusted = validator(RemoteKeySource.jwks(URI.create(httpsBase + "/openid/v1/jwks")).build());
    ValidationResult r = untrusted.tryValidate(token(TestJwt.RSA));
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.message()).contains("SSLHandshakeException");
    assertThatThrownBy(() -> RemoteKeySource.jwks(URI.create(httpsBase)).caCertificates("no certs here"))
        .isInstanceOf(KeySourceException.class);
  }

  static void run(Path dir, String... cmd) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", cmd[0]).toString();
    cmd[0] = java;
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(Files.exists(dir)).isTrue();
  }
}
