package dev.saidentity.core;

import static dev.saidentity.core.TestJwt.b64;
import static dev.saidentity.core.TestJwt.header;
import static dev.saidentity.core.TestJwt.projectedClaims;
import static dev.saidentity.core.TestJwt.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.saidentity.core.TokenValidationException.Reason;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Every hostile input gets its Reason and no other exception; messages never echo token text. */
class HostileInputTest {

  static final long T = 1_700_000_000L;
  static final String KID = KeySource.keyId(TestJwt.RSA.getPublic());
  static final String CLAIMS = projectedClaims(T, Vectors.ISSUER);

  final TokenValidator validator = TokenValidator.builder()
      .issuer(Vectors.ISSUER)
      .keys(TestJwt.RSA.getPublic(), TestJwt.EC256.getPublic())
      .clock(Vectors.at(T + 10))
      .build();

  void assertRefused(String token, Reason reason) {
    ValidationResult r = validator.tryValidate(token);
    assertThat(r.reason()).as(r.message()).contains(reason);
    assertThatThrownBy(() -> validator.validate(token))
        .isInstanceOfSatisfying(TokenValidationException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          LeakCheck.assertNoTokenText(e.getMessage(), token);
          LeakCheck.assertNoTokenText(e.toString(), token);
        });
    LeakCheck.assertNoTokenText(r.message(), token);
    LeakCheck.assertNoTokenText(r.toString(), token);
  }

  @Test
  void theGoodToken_isValid() {
    assertThat(validator.validate(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), CLAIMS)).username())
        .isEqualTo("system:serviceaccount:ns:sa");
  }

  @Test
  void algNone_isUnsupported() {
    assertRefused(b64("{\"alg\":\"none\"}") + "." + b64(CLAIMS) + ".", Reason.UNSUPPORTED_ALGORITHM);
    assertRefused(b64("{\"alg\":\"None\",\"kid\":\"" + KID + "\"}") + "." + b64(CLAIMS) + ".", Reason.UNSUPPORTED_ALGORITHM);
  }

  @Test
  void hmacWithThePublicKeyAsSecret_keyConfusion_isUnsupported() throws Exception {
    String input = b64("{\"alg\":\"HS256\",\"kid\":\"" + KID + "\"}") + "." + b64(CLAIMS);
    Mac mac = Mac.getInstance("HmacSHA256");
    String pem = "-----BEGIN PUBLIC KEY-----\n"
        + java.util.Base64.getMimeEncoder().encodeToString(TestJwt.RSA.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    mac.init(new SecretKeySpec(pem.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
    String token = input + "." + b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    assertRefused(token, Reason.UNSUPPORTED_ALGORITHM);
  }

  @Test
  void ecdsaZeroSignature_cve202221449_isInvalid() {
    String ecKid = KeySource.keyId(TestJwt.EC256.getPublic());
    String token = b64(header("ES256", ecKid)) + "." + b64(CLAIMS) + "." + b64(new byte[64]);
    assertRefused(token, Reason.INVALID_SIGNATURE);
    // r = s = n (the group order) is as bad as zero.
    byte[] n = ((java.security.interfaces.ECPublicKey) TestJwt.EC256.getPublic()).getParams().getOrder().toByteArray();
    byte[] rs = new byte[64];
    System.arraycopy(n, n.length - 32, rs, 0, 32);
    System.arraycopy(n, n.length - 32, rs, 32, 32);
    assertRefused(b64(header("ES256", ecKid)) + "." + b64(CLAIMS) + "." + b64(rs), Reason.INVALID_SIGNATURE);
  }

  @Test
  void ecdsaDerSignature_orWrongCurve_isInvalid() throws Exception {
    String ecKid = KeySource.keyId(TestJwt.EC256.getPublic());
    String input = b64(header("ES256", ecKid)) + "." + b64(CLAIMS);
    java.security.Signature der = java.security.Signature.getInstance("SHA256withECDSA");
    der.initSign(TestJwt.EC256.getPrivate());
    der.update(input.getBytes(StandardCharsets.US_ASCII));
    assertRefused(input + "." + b64(der.sign()), Reason.INVALID_SIGNATURE);
    // ES384 claimed for a P-256 key.
    assertRefused(sign("ES384", TestJwt.EC384.getPrivate(), header("ES384", ecKid), CLAIMS), Reason.INVALID_SIGNATURE);
  }

  @Test
  void wrongKeyWithTheRightKid_isInvalid() {
    assertRefused(sign("RS256", TestJwt.OTHER_RSA.getPrivate(), header("RS256", KID), CLAIMS), Reason.INVALID_SIGNATURE);
  }

  @Test
  void unknownKid_isUnknownKey() {
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", "nope"), CLAIMS), Reason.UNKNOWN_KEY);
  }

  @Test
  void tamperedPayload_isInvalid() {
    String good = sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), CLAIMS);
    String[] p = good.split("\\.");
    String tampered = p[0] + "." + b64(CLAIMS.replace("\"name\":\"sa\"", "\"name\":\"admin\"")) + "." + p[2];
    assertRefused(tampered, Reason.INVALID_SIGNATURE);
  }

  @Test
  void truncatedOrNonBase64urlSegments_areMalformed() {
    String good = sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), CLAIMS);
    assertRefused(good.substring(0, good.length() - 10), Reason.INVALID_SIGNATURE);
    assertRefused(good.substring(0, good.length() - 1 - 342) + "." + "A", Reason.MALFORMED);
    assertRefused(good.replace('-', '+').replace('_', '/') + "+/", Reason.MALFORMED);
    String[] p = good.split("\\.");
    assertRefused(p[0] + "=." + p[1] + "." + p[2], Reason.MALFORMED);
    assertRefused(p[0] + "." + p[1] + "." + p[2] + "==", Reason.MALFORMED);
    assertRefused(p[0] + ".@@@." + p[2], Reason.MALFORMED);
  }

  @Test
  void twoOrFiveSegments_areMalformed() {
    String good = sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), CLAIMS);
    String[] p = good.split("\\.");
    assertRefused(p[0] + "." + p[1], Reason.MALFORMED);
    assertRefused(good + ".a.b", Reason.MALFORMED);
    assertRefused("", Reason.MALFORMED);
    assertRefused("   \n", Reason.MALFORMED);
    assertRefused("..", Reason.MALFORMED);
    assertRefused("{\"payload\":\"x\",\"signatures\":[]}", Reason.MALFORMED);
  }

  @Test
  void jsonThatIsNotAnObject_isMalformed() {
    for (String payload : new String[] {"[1]", "\"x\"", "1", "null", "{", "{}x", "{\"a\":1,}", "{'a':1}"}) {
      assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), payload), Reason.MALFORMED);
    }
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), "[\"RS256\"]", CLAIMS), Reason.MALFORMED);
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), "{\"kid\":\"" + KID + "\"}", CLAIMS), Reason.MALFORMED);
  }

  @Test
  void wrongClaimTypes_areMalformed() {
    String[][] swaps = {
      {"\"exp\":" + (T + 3600), "\"exp\":\"" + (T + 3600) + "\""},
      {"\"iat\":" + T, "\"iat\":true"},
      {"\"aud\":[\"" + Vectors.ISSUER + "\"]", "\"aud\":5"},
      {"\"aud\":[\"" + Vectors.ISSUER + "\"]", "\"aud\":[1]"},
      {"\"iss\":\"" + Vectors.ISSUER + "\"", "\"iss\":[\"" + Vectors.ISSUER + "\"]"},
      {"\"namespace\":\"ns\"", "\"namespace\":1"},
      {"\"serviceaccount\":{\"name\":\"sa\",\"uid\":\"su\"}", "\"serviceaccount\":\"sa\""},
      {"\"warnafter\":" + (T + 600), "\"warnafter\":{}"},
      {"\"exp\":" + (T + 3600), "\"exp\":1e400"},
    };
    for (String[] s : swaps) {
      assertThat(CLAIMS).contains(s[0]);
      assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), CLAIMS.replace(s[0], s[1])), Reason.MALFORMED);
    }
    String kubeNotObject = "{\"iss\":\"" + Vectors.ISSUER + "\",\"kubernetes.io\":\"x\"}";
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), kubeNotObject), Reason.MALFORMED);
  }

  @Test
  void fractionalDates_truncateTowardZero_likeGoJose() {
    String claims = CLAIMS.replace("\"exp\":" + (T + 3600), "\"exp\":" + (T + 3600) + ".9");
    ValidatedToken t = validator.validate(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), claims));
    assertThat(t.expiresAt()).contains(java.time.Instant.ofEpochSecond(T + 3600));
  }

  @Test
  void missingClaims_areMissingClaim() {
    String noExp = CLAIMS.replace("\"exp\":" + (T + 3600) + ",", "");
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), noExp), Reason.MISSING_CLAIM);
    String noNs = CLAIMS.replace("\"namespace\":\"ns\",", "");
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), noNs), Reason.MISSING_CLAIM);
    String noSa = CLAIMS.replace("\"serviceaccount\":{\"name\":\"sa\",\"uid\":\"su\"},", "");
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), noSa), Reason.MISSING_CLAIM);
    String neither = "{\"iss\":\"" + Vectors.ISSUER + "\",\"sub\":\"system:serviceaccount:ns:sa\",\"exp\":" + (T + 60) + "}";
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), neither), Reason.MALFORMED);
  }

  @Test
  void deepNesting_isMalformed_notAStackOverflow() {
    String deep = "[".repeat(5000) + "]".repeat(5000);
    String claims = CLAIMS.replace("\"jti\":\"j-1\"", "\"junk\":" + deep);
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), claims), Reason.MALFORMED);
    String deepHeader = "{\"alg\":\"RS256\",\"x\":" + "{\"a\":".repeat(100) + "1" + "}".repeat(100) + "}";
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), deepHeader, CLAIMS), Reason.MALFORMED);
  }

  @Test
  void oversizedToken_isMalformed_beforeParsing() {
    String big = "a".repeat(64 * 1024) + ".b.c";
    assertRefused(big, Reason.MALFORMED);
    assertThat(validator.tryValidate(big).message()).contains("over the limit of 65536");
    String bigClaims = CLAIMS.replace("\"jti\":\"j-1\"", "\"pad\":\"" + "x".repeat(50_000) + "\"");
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), bigClaims), Reason.MALFORMED);
  }

  @Test
  void critHeader_isMalformed() {
    String h = "{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"kid\":\"" + KID + "\"}";
    assertRefused(sign("RS256", TestJwt.RSA.getPrivate(), h, CLAIMS), Reason.MALFORMED);
  }

  @Test
  void headerUrlsAndKeys_areNeverUsedOrFetched() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger hits = new AtomicInteger();
    server.createContext("/", ex -> {
      hits.incrementAndGet();
      ex.sendResponseHeaders(500, -1);
      ex.close();
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/keys";
      String attackerJwk = "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}";
      String h = "{\"alg\":\"RS256\",\"jku\":\"" + url + "\",\"x5u\":\"" + url + "\",\"jwk\":" + attackerJwk
          + ",\"x5c\":[\"MIIB\"],\"kid\":\"attacker\"}";
      // Signed by a key the validator does not know: the header's key material must not help.
      assertRefused(sign("RS256", TestJwt.OTHER_RSA.getPrivate(), h, CLAIMS), Reason.UNKNOWN_KEY);
      String h2 = h.replace("\"kid\":\"attacker\"", "\"kid\":\"" + KID + "\"");
      assertRefused(sign("RS256", TestJwt.OTHER_RSA.getPrivate(), h2, CLAIMS), Reason.INVALID_SIGNATURE);
      // Signed by the right key, the URLs are simply ignored.
      assertThat(validator.tryValidate(sign("RS256", TestJwt.RSA.getPrivate(), h2, CLAIMS)).isValid()).isTrue();
      assertThat(hits).hasValue(0);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void otherAlgorithms_verify_asGoJoseAccepts() {
    for (String alg : new String[] {"RS384", "RS512", "PS256", "PS384", "PS512"}) {
      assertThat(validator.tryValidate(sign(alg, TestJwt.RSA.getPrivate(), header(alg, KID), CLAIMS)).isValid()).as(alg).isTrue();
    }
    String ecKid = KeySource.keyId(TestJwt.EC256.getPublic());
    assertThat(validator.tryValidate(sign("ES256", TestJwt.EC256.getPrivate(), header("ES256", ecKid), CLAIMS)).isValid()).isTrue();
    TokenValidator es384 = TokenValidator.builder().issuer(Vectors.ISSUER).keys(TestJwt.EC384.getPublic())
        .clock(Vectors.at(T)).build();
    String kid384 = KeySource.keyId(TestJwt.EC384.getPublic());
    assertThat(es384.tryValidate(sign("ES384", TestJwt.EC384.getPrivate(), header("ES384", kid384), CLAIMS)).isValid()).isTrue();
  }
}
