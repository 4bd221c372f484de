package dev.saidentity.core;

import static dev.saidentity.core.TestJwt.header;
import static dev.saidentity.core.TestJwt.projectedClaims;
import static dev.saidentity.core.TestJwt.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saidentity.core.TokenValidationException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TokenValidatorTest {

  static final long T = 1_700_000_000L;
  static final String KID = KeySource.keyId(TestJwt.RSA.getPublic());
  final MutableClock clock = new MutableClock(Instant.ofEpochSecond(T));

  TokenValidator.Builder base() {
    return TokenValidator.builder().issuer(Vectors.ISSUER).keys(TestJwt.RSA.getPublic()).clock(clock);
  }

  static String projected(String claims) {
    return sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID), claims);
  }

  static String legacy(String iss, String sub, String exp) {
    return sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID),
        "{" + exp + "\"iss\":\"" + iss + "\",\"kubernetes.io/serviceaccount/namespace\":\"ns\","
            + "\"kubernetes.io/serviceaccount/secret.name\":\"sa-token-abcde\","
            + "\"kubernetes.io/serviceaccount/service-account.name\":\"sa\","
            + "\"kubernetes.io/serviceaccount/service-account.uid\":\"u1\",\"sub\":\"" + sub + "\"}");
  }

  @Test
  void legacyTokens_areRefusedByDefault_beforeTheIssuerCheck() {
    TokenValidator v = base().build();
    assertThat(v.tryValidate(legacy("kubernetes/serviceaccount", "system:serviceaccount:ns:sa", "")).reason())
        .contains(Reason.LEGACY_TOKEN_NOT_ALLOWED);
    assertThat(v.tryValidate(legacy("foo", "system:serviceaccount:ns:sa", "")).reason())
        .contains(Reason.LEGACY_TOKEN_NOT_ALLOWED);
    assertThatThrownBy(() -> v.validate(legacy("kubernetes/serviceaccount", "system:serviceaccount:ns:sa", "")))
        .isInstanceOf(TokenValidationException.class)
        .hasMessage("legacy ServiceAccount tokens are not allowed: a Secret-based token for system:serviceaccount:ns:sa;"
            + " use a projected token from the TokenRequest API, or allow legacy tokens explicitly");
  }

  @Test
  void legacyTokens_whenAllowed_acceptTheLegacyIssuer_withNoTimeChecks() {
    TokenValidator v = base().allowLegacyTokens(true).build();
    ValidatedToken t = v.validate(legacy("kubernetes/serviceaccount", "system:serviceaccount:ns:sa", "\"exp\":1,"));
    assertThat(t.kind()).isEqualTo(TokenKind.LEGACY);
    assertThat(t.serviceAccount()).isEqualTo(ServiceAccount.of("ns", "sa", "u1"));
    assertThat(t.secret()).contains(ObjectRef.of("sa-token-abcde", null));
    assertThat(t.audiences()).containsExactly(Vectors.ISSUER);
    assertThat(t.tokenAudiences()).isEmpty();
    assertThat(v.tryValidate(legacy("foo", "system:serviceaccount:ns:sa", "")).reason()).contains(Reason.ISSUER_MISMATCH);
  }

  @Test
  void legacyTokens_subMustAgreeWithTheClaims() {
    TokenValidator v = base().allowLegacyTokens(true).build();
    ValidationResult r = v.tryValidate(legacy("kubernetes/serviceaccount", "system:serviceaccount:ns:other", ""));
    assertThat(r.reason()).contains(Reason.INVALID_CLAIM);
    assertThat(r.message()).isEqualTo("sub claim is invalid: sub names system:serviceaccount:ns:other"
        + " but the claims name system:serviceaccount:ns:sa");
    assertThat(v.tryValidate(legacy("kubernetes/serviceaccount", "", "")).upstreamMessage()).isEqualTo("sub claim is missing");
  }

  @Test
  void legacyTokens_missingSecretName_isStillRefusedByTheValidator() {
    String noSecret = sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", KID),
        "{\"iss\":\"kubernetes/serviceaccount\",\"kubernetes.io/serviceaccount/namespace\":\"ns\","
            + "\"kubernetes.io/serviceaccount/service-account.name\":\"sa\","
            + "\"kubernetes.io/serviceaccount/service-account.uid\":\"u1\",\"sub\":\"system:serviceaccount:ns:sa\"}");
    ValidationResult r = base().allowLegacyTokens(true).build().tryValidate(noSecret);
    assertThat(r.reason()).contains(Reason.MISSING_CLAIM);
    assertThat(r.upstreamMessage()).isEqualTo("secretName claim is missing");
    assertThat(UnverifiedToken.decode(noSecret).secret()).isEmpty();
  }

  @Test
  void projectedTokenUnderTheLegacyIssuer_isClassifiedByShape() {
    String claims = projectedClaims(T, "kubernetes/serviceaccount").replace("\"iss\":\"" + Vectors.ISSUER + "\"",
        "\"iss\":\"kubernetes/serviceaccount\"");
    String token = projected(claims);
    assertThat(UnverifiedToken.decode(token).kind()).isEqualTo(TokenKind.PROJECTED);
    assertThat(base().build().tryValidate(token).reason()).contains(Reason.ISSUER_MISMATCH);
    ValidatedToken t = TokenValidator.builder().issuer("kubernetes/serviceaccount").keys(TestJwt.RSA.getPublic())
        .clock(clock).build().validate(token);
    assertThat(t.kind()).isEqualTo(TokenKind.PROJECTED);
  }

  @Test
  void issuer_isAnExactMatch_andMessageStatesBothSides() {
    String token = projected(projectedClaims(T, Vectors.ISSUER).replace(Vectors.ISSUER + "\",\"jti", Vectors.ISSUER + "/\",\"jti"));
    ValidationResult r = base().build().tryValidate(token);
    assertThat(r.reason()).contains(Reason.ISSUER_MISMATCH);
    assertThat(r.message()).isEqualTo("token issuer \"https://issuer.example.com/\" is invalid: expected one of [\"https://issuer.example.com\"]");
    assertThat(base().issuer(Vectors.ISSUER + "/").build().tryValidate(token).isValid()).isTrue();
  }

  @Test
  void audiences_anyOfTheRequired_inRequestedOrder() {
    String token = projected(projectedClaims(T, "vault").replace("[\"vault\"]", "[\"vault\",\"aws\"]"));
    assertThat(base().audience("x").audience("aws").audience("vault").build().validate(token).audiences())
        .containsExactly("aws", "vault");
    ValidationResult r = base().audience("db").build().tryValidate(token);
    assertThat(r.reason()).contains(Reason.AUDIENCE_MISMATCH);
    assertThat(r.message()).isEqualTo("token audiences [\"vault\" \"aws\"] is invalid for the target audiences [\"db\"]");
    // Without configured audiences the issuers stand in, as the API server's API audiences do.
    assertThat(base().build().tryValidate(token).message())
        .isEqualTo("token audiences [\"vault\" \"aws\"] is invalid for the target audiences [\"https://issuer.example.com\"]");
  }

  @Test
  void apiAudiences_standInForAnAbsentAud() {
    String noAud = projected(projectedClaims(T, "x").replace("\"aud\":[\"x\"],", ""));
    assertThat(base().build().validate(noAud).audiences()).containsExactly(Vectors.ISSUER);
    assertThat(base().apiAudiences(List.of("api")).build().validate(noAud).audiences()).containsExactly("api");
    // A token without aud is for the API server only: requiring another audience refuses it.
    assertThat(base().audience("vault").build().tryValidate(noAud).reason()).contains(Reason.AUDIENCE_MISMATCH);
    // No API audiences at all: the audience check is skipped, as upstream.
    assertThat(base().apiAudiences(List.of()).build().validate(noAud).audiences()).isEmpty();
  }

  @Test
  void time_leewayIsInclusive_andConfigurable() {
    String token = projected(projectedClaims(T, Vectors.ISSUER));
    TokenValidator v = base().cacheSize(0).build();
    clock.set(Instant.ofEpochSecond(T + 3600 + 60));
    assertThat(v.tryValidate(token).isValid()).isTrue();
    clock.set(Instant.ofEpochSecond(T + 3600 + 60).plusNanos(1));
    ValidationResult r = v.tryValidate(token);
    assertThat(r.reason()).contains(Reason.EXPIRED);
    assertThat(r.message()).isEqualTo("service account token has expired: now 2023-11-14T23:14:20.000000001Z"
        + " is after exp 2023-11-14T23:13:20Z plus leeway 60s");
    TokenValidator strict = base().leeway(Duration.ZERO).cacheSize(0).build();
    clock.set(Instant.ofEpochSecond(T + 3601));
    assertThat(strict.tryValidate(token).reason()).contains(Reason.EXPIRED);
    clock.set(Instant.ofEpochSecond(T - 1));
    assertThat(strict.tryValidate(token).reason()).contains(Reason.NOT_YET_VALID);
    String futureIat = projected(projectedClaims(T, Vectors.ISSUER).replace("\"iat\":" + T, "\"iat\":" + (T + 120)));
    clock.set(Instant.ofEpochSecond(T));
    assertThat(v.tryValidate(futureIat).reason()).contains(Reason.ISSUED_IN_FUTURE);
  }

  @Test
  void stale_pastWarnAfter_stillValid() {
    String token = projected(projectedClaims(T, Vectors.ISSUER));
    TokenValidator v = base().build();
    assertThat(v.validate(token).isStale()).isFalse();
    clock.set(Instant.ofEpochSecond(T + 601));
    ValidatedToken t = v.validate(token);
    assertThat(t.isStale()).isTrue();
    assertThat(t.staleFor()).contains(Duration.ofSeconds(1));
    assertThat(t.toString()).endsWith(", stale}");
  }

  @Test
  void cache_rechecksTimeOnEveryHit_andNeverServesPastExp() {
    String token = projected(projectedClaims(T, Vectors.ISSUER));
    TokenValidator v = base().build();
    assertThat(v.validate(token).validatedAt()).isEqualTo(Instant.ofEpochSecond(T));
    clock.advance(Duration.ofMinutes(30));
    assertThat(v.validate(token).validatedAt()).isEqualTo(Instant.ofEpochSecond(T + 1800));
    clock.advance(Duration.ofMinutes(32));
    assertThat(v.tryValidate(token).reason()).contains(Reason.EXPIRED);
    clock.set(Instant.ofEpochSecond(T - 61));
    assertThat(v.tryValidate(token).reason()).contains(Reason.NOT_YET_VALID);
  }

  @Test
  void cache_isBounded() {
    TokenValidator v = base().cacheSize(10).build();
    for (int i = 0; i < 50; i++) {
      String token = projected(projectedClaims(T, Vectors.ISSUER).replace("\"jti\":\"j-1\"", "\"jti\":\"j-" + i + "\""));
      assertThat(v.tryValidate(token).isValid()).isTrue();
      assertThat(v.tryValidate(token).isValid()).isTrue();
      assertThat(v.cachedTokens()).as("entries after %d distinct tokens", i + 1).isBetween(1, 10);
    }
  }

  @Test
  void cache_whitespaceVariantsOfOneToken_takeOneSlot() {
    String token = projected(projectedClaims(T, Vectors.ISSUER));
    TokenValidator v = base().build();
    String[] pads = {"", " ", "\n", "\t", "\r\n", "  ", " \n "};
    for (String before : pads) {
      for (String after : pads) {
        assertThat(v.validate(before + token + after).username()).isEqualTo("system:serviceaccount:ns:sa");
      }
    }
    assertThat(v.cachedTokens()).isEqualTo(1);
  }

  @Test
  void explicitAudience_isEnforced_evenWithNoApiAudiences() {
    String token = projected(projectedClaims(T, "some-other-service"));
    ValidationResult r = base().apiAudiences(List.of()).audience("payments").build().tryValidate(token);
    assertThat(r.reason()).as(r.toString()).contains(Reason.AUDIENCE_MISMATCH);
    assertThat(r.message()).isEqualTo("token audiences [\"some-other-service\"] is invalid for the target audiences [\"payments\"]");
    // A legacy-only validator (no issuer, so no API audiences) with an explicit audience.
    TokenValidator legacyOnly = TokenValidator.builder().allowLegacyTokens(true).audience("payments")
        .keys(TestJwt.RSA.getPublic()).clock(clock).build();
    ValidationResult l = legacyOnly.tryValidate(legacy("kubernetes/serviceaccount", "system:serviceaccount:ns:sa",
        "\"aud\":[\"some-other-service\"],"));
    assertThat(l.reason()).as(l.toString()).contains(Reason.AUDIENCE_MISMATCH);
    assertThat(l.message()).isEqualTo("token audiences [] is invalid for the target audiences [\"payments\"]");
    // Nothing requested and no API audiences: skipped, as upstream.
    assertThat(base().apiAudiences(List.of()).build().validate(token).audiences()).isEmpty();
    assertThat(base().apiAudiences(List.of()).audience("some-other-service").build().validate(token).audiences())
        .containsExactly("some-other-service");
  }

  @Test
  void legacyClaims_underAModernIssuer_areRefused_notSpared_timeChecks() {
    TokenValidator v = base().allowLegacyTokens(true).build();
    String expired = legacy(Vectors.ISSUER, "system:serviceaccount:ns:sa", "\"exp\":1,");
    ValidationResult r = v.tryValidate(expired);
    assertThat(r.reason()).as(r.toString()).contains(Reason.ISSUER_MISMATCH);
    assertThat(r.message()).isEqualTo("token issuer \"https://issuer.example.com\" is invalid:"
        + " a legacy token is accepted only under [\"kubernetes/serviceaccount\"]");
    assertThat(v.tryValidate(legacy(Vectors.ISSUER, "system:serviceaccount:ns:sa", "")).reason()).contains(Reason.ISSUER_MISMATCH);
    // An extra legacy issuer is an explicit choice (upstream's own tests configure one).
    TokenValidator bar = base().allowLegacyTokens(true).legacyIssuer("bar").build();
    assertThat(bar.tryValidate(legacy("bar", "system:serviceaccount:ns:sa", "")).isValid()).isTrue();
    assertThat(bar.tryValidate(legacy(Vectors.ISSUER, "system:serviceaccount:ns:sa", "")).reason()).contains(Reason.ISSUER_MISMATCH);
  }

  @Test
  void unknownKey_details_areBounded_whateverTheSizeOfTheKeySet() {
    List<java.security.PublicKey> many = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      many.add(TestJwt.generateEc("secp256r1").getPublic());
    }
    TokenValidator v = TokenValidator.builder().issuer(Vectors.ISSUER).keys(KeySource.of(many)).clock(clock).build();
    ValidationResult r = v.tryValidate(sign("RS256", TestJwt.RSA.getPrivate(), header("RS256", "nope"), projectedClaims(T, Vectors.ISSUER)));
    assertThat(r.reason()).contains(Reason.UNKNOWN_KEY);
    assertThat(r.upstreamMessage()).isEqualTo("invalid signature, no keys found");
    assertThat(r.message()).startsWith("invalid signature, no keys found: kid \"nope\" matches none of the 300 verification keys");
    assertThat(r.message().length()).isLessThan(400);
  }

  @Test
  void builder_checksEachArgument() {
    assertThatThrownBy(() -> TokenValidator.builder().issuer("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TokenValidator.builder().audience("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TokenValidator.builder().leeway(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("leeway must not be negative: PT-1S");
    assertThatThrownBy(() -> TokenValidator.builder().cacheSize(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TokenValidator.builder().issuer("a").build())
        .isInstanceOf(IllegalStateException.class).hasMessage("keys(..) is required");
    assertThatThrownBy(() -> TokenValidator.builder().keys(TestJwt.RSA.getPublic()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("at least one issuer(..) is required, unless legacy tokens are allowed");
    assertThatThrownBy(() -> base().build().validate(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void validator_isThreadSafe() throws Exception {
    TokenValidator v = base().cacheSize(5).build();
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      tokens.add(projected(projectedClaims(T, Vectors.ISSUER).replace("\"jti\":\"j-1\"", "\"jti\":\"t-" + i + "\"")));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        String token = tokens.get(i % tokens.size());
        results.add(pool.submit(() -> v.tryValidate(token).isValid()));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void nothingPrintsTheToken() {
    String token = projected(projectedClaims(T, Vectors.ISSUER));
    TokenValidator v = base().build();
    ValidatedToken t = v.validate(token);
    for (Object o : new Object[] {t, UnverifiedToken.decode(token), v.tryValidate(token), v}) {
      LeakCheck.assertNoTokenText(o.toString(), token);
    }
    assertThat(t.toString()).isEqualTo("ValidatedToken{PROJECTED, system:serviceaccount:ns:sa, " + Tokens.fingerprint(token) + "}");
    assertThat(Tokens.fingerprint(token)).matches("sha256:[0-9a-f]{16}").isEqualTo(Tokens.fingerprint(" " + token + "\n"));
  }
}
