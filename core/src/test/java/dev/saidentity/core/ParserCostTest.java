package dev.saidentity.core;

import static dev.saidentity.core.TestJwt.b64;
import static dev.saidentity.core.TestJwt.header;
import static dev.saidentity.core.TestJwt.projectedClaims;
import static dev.saidentity.core.TestJwt.sign;
import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.core.TokenValidationException.Reason;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * No input of at most 64 KiB costs more than a few milliseconds to refuse, in every entry point:
 * measured as the thread's CPU time (not wall time, so a busy machine cannot fail it), with a
 * generous bound. Before numbers were range-checked first, {@code "exp":1e10000000} alone cost
 * seconds of BigDecimal arithmetic.
 */
class ParserCostTest {

  static final long T = 1_700_000_000L;
  static final String KID = KeySource.keyId(TestJwt.RSA.getPublic());
  static final String CLAIMS = projectedClaims(T, Vectors.ISSUER);
  /** Generous: a refusal takes well under a millisecond; the defects measured took seconds. */
  static final long BOUND_NANOS = 200_000_000L;

  /** Hostile claim values, each making a payload of at most 64 KiB once encoded. */
  static Map<String, String> hostileNumbers() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("huge exponent", "1e10000000");
    m.put("huge exponent, capital E and sign", "9.99E+99999999");
    m.put("negative huge exponent", "-1e10000000");
    m.put("tiny", "1e-10000000");
    m.put("tiny with digits", "123.456e-99999999");
    m.put("exponent with many digits", "1e" + "9".repeat(30_000));
    m.put("47k-digit integer", "9".repeat(47_000));
    m.put("47k-digit fraction", "1." + "7".repeat(47_000));
    m.put("47k zeros then a digit", "0." + "0".repeat(47_000) + "1");
    m.put("long mantissa, big exponent", "1" + "3".repeat(30_000) + "e-29990");
    return m;
  }

  static String payloadWith(String claim, String value) {
    if (claim.equals("warnafter")) {
      return CLAIMS.replace("\"warnafter\":" + (T + 600), "\"warnafter\":" + value);
    }
    String key = "\"" + claim + "\":";
    int i = CLAIMS.indexOf(key) + key.length();
    int j = CLAIMS.indexOf(',', i);
    return CLAIMS.substring(0, i) + value + CLAIMS.substring(j);
  }

  static Map<String, String> hostileTokens() {
    Map<String, String> tokens = new LinkedHashMap<>();
    for (String claim : new String[] {"exp", "nbf", "iat", "warnafter"}) {
      for (Map.Entry<String, String> e : hostileNumbers().entrySet()) {
        String payload = payloadWith(claim, e.getValue());
        assertThat(payload).contains(e.getValue());
        tokens.put(claim + ": " + e.getKey(), sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), payload));
      }
    }
    String deepArrays = CLAIMS.replace("\"jti\":\"j-1\"", "\"junk\":" + "[".repeat(20_000) + "]".repeat(20_000));
    tokens.put("deep arrays", b64(header("RS256", KID)) + "." + b64(deepArrays) + ".c2ln");
    String deepObjects = CLAIMS.replace("\"jti\":\"j-1\"", "\"junk\":" + "{\"a\":".repeat(7_000) + "1" + "}".repeat(7_000));
    tokens.put("deep objects", b64(header("RS256", KID)) + "." + b64(deepObjects) + ".c2ln");
    StringBuilder many = new StringBuilder("{");
    for (int i = 0; many.length() < 46_000; i++) {
      many.append("\"k").append(i).append("\":[").append(i).append("],");
    }
    tokens.put("many keys", b64(header("RS256", KID)) + "." + b64(many + "\"exp\":1e10000000}") + ".c2ln");
    StringBuilder auds = new StringBuilder("[");
    for (int i = 0; auds.length() < 46_000; i++) {
      auds.append("\"a").append(i).append("\",");
    }
    tokens.put("many audiences", b64(header("RS256", KID)) + "."
        + b64(CLAIMS.replace("[\"" + Vectors.ISSUER + "\"]", auds + "\"x\"]")) + ".c2ln");
    tokens.put("huge number in the header", b64("{\"alg\":\"RS256\",\"x\":1e10000000,\"y\":" + "7".repeat(40_000) + "}")
        + "." + b64(CLAIMS) + ".c2ln");
    for (Map.Entry<String, String> e : tokens.entrySet()) {
      assertThat(e.getValue().length()).as(e.getKey()).isLessThanOrEqualTo(64 * 1024);
    }
    return tokens;
  }

  static long cpu(ThreadMXBean mx, Runnable r) {
    long start = mx.getCurrentThreadCpuTime();
    r.run();
    return mx.getCurrentThreadCpuTime() - start;
  }

  @Test
  void noInputOf64KiB_costsMoreThanAFewMillisecondsToRefuse_inAnyEntryPoint() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    assertThat(mx.isCurrentThreadCpuTimeSupported()).isTrue();
    TokenValidator cached = TokenValidator.builder().issuer(Vectors.ISSUER).keys(TestJwt.RSA.getPublic())
        .clock(Vectors.at(T + 10)).build();
    TokenValidator uncached = TokenValidator.builder().issuer(Vectors.ISSUER).keys(TestJwt.RSA.getPublic())
        .clock(Vectors.at(T + 10)).cacheSize(0).allowLegacyTokens(true).build();
    Map<String, Function<String, Object>> entryPoints = new LinkedHashMap<>();
    entryPoints.put("UnverifiedToken.decode", t -> {
      try {
        return UnverifiedToken.decode(t);
      } catch (TokenValidationException e) {
        return e.reason();
      }
    });
    entryPoints.put("TokenValidator.tryValidate", t -> cached.tryValidate(t));
    entryPoints.put("TokenValidator.validate (no cache, legacy allowed)", t -> {
      try {
        return uncached.validate(t);
      } catch (TokenValidationException e) {
        return e.reason();
      }
    });
    // Warm up class loading and the JIT on a good token, so the bound measures the input.
    String good = sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), CLAIMS);
    for (int i = 0; i < 50; i++) {
      entryPoints.values().forEach(f -> f.apply(good));
    }
    long worst = 0;
    String worstName = "";
    for (Map.Entry<String, String> token : hostileTokens().entrySet()) {
      for (Map.Entry<String, Function<String, Object>> ep : entryPoints.entrySet()) {
        long nanos = cpu(mx, () -> ep.getValue().apply(token.getValue()));
        String name = ep.getKey() + " / " + token.getKey();
        assertThat(nanos).as("%s took %d ms of CPU", name, nanos / 1_000_000).isLessThan(BOUND_NANOS);
        if (nanos > worst) {
          worst = nanos;
          worstName = name;
        }
      }
    }
    System.out.println("ParserCostTest: worst refusal " + worstName + ": " + worst / 1000 + " us of CPU");
  }

  @Test
  void outOfRangeDates_areMalformed_inRangeOnesTruncateTowardZero() {
    TokenValidator v = TokenValidator.builder().issuer(Vectors.ISSUER).keys(TestJwt.RSA.getPublic())
        .clock(Vectors.at(T + 10)).cacheSize(0).build();
    // name -> the iat it decodes to, or the refusal. Gson refuses number literals longer than its
    // 1,024-character buffer as malformed JSON (go would parse them; no real token has one).
    String outOfRange = "malformed token: claim iat is out of range for a NumericDate";
    String tooLong = "malformed token: the payload is not valid JSON";
    Map<String, Object> want = new LinkedHashMap<>();
    want.put("huge exponent", outOfRange);
    want.put("huge exponent, capital E and sign", outOfRange);
    want.put("negative huge exponent", outOfRange);
    want.put("tiny", 0L);
    want.put("tiny with digits", 0L);
    want.put("exponent with many digits", tooLong);
    want.put("47k-digit integer", tooLong);
    want.put("47k-digit fraction", tooLong);
    want.put("47k zeros then a digit", tooLong);
    want.put("long mantissa, big exponent", tooLong);
    assertThat(want.keySet()).containsExactlyElementsOf(hostileNumbers().keySet());
    for (Map.Entry<String, String> e : hostileNumbers().entrySet()) {
      String token = sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), payloadWith("iat", e.getValue()));
      Object expected = want.get(e.getKey());
      if (expected instanceof String) {
        ValidationResult r = v.tryValidate(token);
        assertThat(r.reason()).as(e.getKey()).contains(Reason.MALFORMED);
        assertThat(r.message()).as(e.getKey()).isEqualTo(expected);
      } else {
        assertThat(UnverifiedToken.decode(token).issuedAt()).as(e.getKey()).contains(java.time.Instant.ofEpochSecond((Long) expected));
      }
    }
    String[][] exact = {
      {"1700000000.999", "1700000000"}, {"-1.5", "-1"}, {"17e8", "1700000000"}, {"0.17E10", "1700000000"},
      {"1700000000000000000e-10", "170000000"}, {"-0", "0"}, {"-0.0e5", "0"}, {"1E+3", "1000"},
      {"1." + "0".repeat(500) + "e5", "100000"}, {"1" + "7".repeat(500) + "e-495", "177777"}, {"0." + "0".repeat(400) + "17e411", "17000000000"},
      {"-9223372036854775808", null}, {"9223372036854775808", null}, {"1e19", null}, {"-1e19", null},
    };
    for (String[] e : exact) {
      String token = sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), payloadWith("iat", e[0]));
      if (e[1] == null) {
        assertThat(v.tryValidate(token).reason()).as(e[0]).contains(Reason.MALFORMED);
      } else {
        assertThat(UnverifiedToken.decode(token).issuedAt()).as(e[0]).contains(java.time.Instant.ofEpochSecond(Long.parseLong(e[1])));
      }
    }
  }
}
