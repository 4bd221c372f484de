package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.core.KeySource;
import dev.saidentity.core.ObjectRef;
import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.TokenKind;
import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.core.ValidatedToken;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class FakeTokenIssuerTest {

  static final Instant T = Instant.ofEpochSecond(1514764800L);
  final SettableClock clock = SettableClock.at(T);

  FakeTokenIssuer upstreamKey() {
    return FakeTokenIssuer.builder().issuer("https://issuer.example.com").clock(clock)
        .privateKeyPem(Vectors.text("keys/rsa-private.pem")).build();
  }

  @Test
  void legacyToken_isByteIdenticalToTheApiServers() {
    FakeTokenIssuer issuer = upstreamKey();
    assertThat(issuer.keyId()).isEqualTo("JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU");
    assertThat(issuer.legacy(ServiceAccount.of("test", "my-service-account", "12345"), "my-rsa-secret"))
        .isEqualTo(Vectors.text("tokens/legacy-rs256.jwt"));
  }

  @TestFactory
  Stream<DynamicTest> claimsTestCases_mintTheSameClaims_andRs256TokensByteForByte() {
    JsonObject v = Vectors.json("claims/claims-test-cases.json").getAsJsonObject();
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement e : v.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
        JsonObject in = c.getAsJsonObject("input");
        JsonObject sa = in.getAsJsonObject("sa");
        FakeTokenIssuer.ProjectedToken t = upstreamKey()
            .projected(ServiceAccount.of(sa.get("namespace").getAsString(), sa.get("name").getAsString(), sa.get("uid").getAsString()))
            .expiresIn(Duration.ofSeconds(in.get("expirationSeconds").getAsLong()));
        if (!c.get("name").getAsString().equals("ensure JTI is set")) {
          t.tokenId("fixed");
        }
        if (in.get("warnafter").getAsLong() != 0) {
          t.warnAfter(Duration.ofSeconds(in.get("warnafter").getAsLong()));
        }
        if (in.get("audience").isJsonArray()) {
          in.getAsJsonArray("audience").forEach(a -> t.audience(a.getAsString()));
        }
        if (in.get("pod").isJsonObject()) {
          t.boundToPod(in.getAsJsonObject("pod").get("name").getAsString(), in.getAsJsonObject("pod").get("uid").getAsString());
        }
        if (in.get("secret").isJsonObject()) {
          t.boundToSecret(in.getAsJsonObject("secret").get("name").getAsString(), in.getAsJsonObject("secret").get("uid").getAsString());
        }
        if (in.get("node").isJsonObject()) {
          t.node(in.getAsJsonObject("node").get("name").getAsString(), in.getAsJsonObject("node").get("uid").getAsString());
        }
        if (!c.get("expect_error").isJsonNull()) {
          assertThatThrownBy(t::mint).isInstanceOf(IllegalStateException.class).hasMessage(c.get("expect_error").getAsString());
          return;
        }
        String token = t.mint();
        JsonObject payload = JsonParser.parseString(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]))).getAsJsonObject();
        JsonObject std = JsonParser.parseString(c.get("expect_standard_claims_json").getAsString()).getAsJsonObject();
        JsonObject priv = JsonParser.parseString(c.get("expect_private_claims_json").getAsString()).getAsJsonObject();
        if (c.get("name").getAsString().equals("ensure JTI is set")) {
          assertThat(payload.get("jti").getAsString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
          payload.remove("jti");
          std.remove("jti");
        }
        for (String k : std.keySet()) {
          assertThat(payload.get(k)).as(k).isEqualTo(std.get(k));
        }
        assertThat(payload.get("kubernetes.io")).isEqualTo(priv.get("kubernetes.io"));
        assertThat(payload.get("iss").getAsString()).isEqualTo("https://issuer.example.com");
        if (c.has("signed_token_file")) {
          assertThat(token).isEqualTo(Vectors.text(c.get("signed_token_file").getAsString()));
        }
      }));
    }
    return tests.stream();
  }

  @Test
  void mintedTokens_validateWithCore_andCarryTheBindings() {
    FakeTokenIssuer issuer = FakeTokenIssuer.builder().clock(clock).build();
    String token = issuer.projected(ServiceAccount.of("payments", "api", "sa-uid"))
        .audience("vault").boundToPod("api-1", "pod-uid").node("n1", "node-uid").kubeletExtended().mint();
    ValidatedToken t = issuer.validator().audience("vault").build().validate(token);
    assertThat(t.kind()).isEqualTo(TokenKind.PROJECTED);
    assertThat(t.pod()).contains(ObjectRef.of("api-1", "pod-uid"));
    assertThat(t.node()).contains(ObjectRef.of("n1", "node-uid"));
    assertThat(t.expiresAt()).contains(T.plusSeconds(31536000));
    assertThat(t.warnAfter()).contains(T.plusSeconds(3607));
    clock.advance(Duration.ofSeconds(3608));
    assertThat(issuer.validator().audience("vault").build().validate(token).isStale()).isTrue();
  }

  @Test
  void ecKeys_mintEs256AndEs384() {
    for (FakeTokenIssuer issuer : List.of(FakeTokenIssuer.builder().ecP256().clock(clock).build(),
        FakeTokenIssuer.builder().ecP384().clock(clock).build())) {
      String token = issuer.projected(ServiceAccount.of("a", "b", "u")).mint();
      assertThat(UnverifiedToken.decode(token).algorithm()).isEqualTo(issuer.algorithm());
      assertThat(issuer.validator().build().tryValidate(token).isValid()).isTrue();
      assertThat(TokenValidator.builder().issuer(issuer.issuer()).clock(clock).keys(KeySource.fromJwks(issuer.jwks())).build()
          .tryValidate(token).isValid()).isTrue();
      assertThat(TokenValidator.builder().issuer(issuer.issuer()).clock(clock).keys(KeySource.fromPem(issuer.publicKeyPem())).build()
          .tryValidate(token).isValid()).isTrue();
    }
    assertThat(FakeTokenIssuer.builder().ecP256().build().algorithm()).isEqualTo("ES256");
    assertThat(FakeTokenIssuer.builder().ecP384().build().algorithm()).isEqualTo("ES384");
  }

  @Test
  void oddities_areRefusedForTheirReason() {
    FakeTokenIssuer issuer = FakeTokenIssuer.builder().clock(clock).build();
    TokenValidator v = issuer.validator().build();
    ServiceAccount sa = ServiceAccount.of("a", "b", "u");
    assertThat(v.tryValidate(issuer.projected(sa).issuedAt(T.minus(Duration.ofHours(3))).mint()).reason()).contains(Reason.EXPIRED);
    assertThat(v.tryValidate(issuer.projected(sa).issuedAt(T.plus(Duration.ofHours(3))).mint()).reason()).contains(Reason.NOT_YET_VALID);
    assertThat(v.tryValidate(issuer.projected(sa).issuer("https://elsewhere").mint()).reason()).contains(Reason.ISSUER_MISMATCH);
    assertThat(v.tryValidate(issuer.projected(sa).audience("other").mint()).reason()).contains(Reason.AUDIENCE_MISMATCH);
    assertThat(v.tryValidate(issuer.projected(sa).without("exp").mint()).reason()).contains(Reason.MISSING_CLAIM);
    assertThat(v.tryValidate(issuer.projected(sa).without("kubernetes.io.namespace").mint()).reason()).contains(Reason.MISSING_CLAIM);
    assertThat(v.tryValidate(issuer.projected(sa).claim("exp", "tomorrow").mint()).reason()).contains(Reason.MALFORMED);
    assertThat(v.tryValidate(issuer.projected(sa).claim("extra", List.of(1, 2)).mint()).isValid()).isTrue();
    assertThat(v.tryValidate(issuer.legacy(sa, "b-token-abcde")).reason()).contains(Reason.LEGACY_TOKEN_NOT_ALLOWED);
    assertThat(FakeTokenIssuer.builder().build().validator().clock(clock).build()
        .tryValidate(issuer.projected(sa).mint()).reason()).contains(Reason.UNKNOWN_KEY);
  }

  @Test
  void discoveryDocuments_andToString() {
    FakeTokenIssuer issuer = upstreamKey();
    assertThat(issuer.openIdConfiguration("https://issuer.example.com/openid/v1/jwks"))
        .isEqualTo("{\"issuer\":\"https://issuer.example.com\",\"jwks_uri\":\"https://issuer.example.com/openid/v1/jwks\","
            + "\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"],"
            + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
    assertThat(issuer.toString()).isEqualTo("FakeTokenIssuer[https://issuer.example.com, RS256 kid JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU]");
  }

  @Test
  void jwks_isByteCompatibleWithTheOidcVectors() {
    String vector = Vectors.text("oidc/jwks.rsa-ecdsa.json");
    int split = vector.indexOf("},{");
    String rsaKey = vector.substring("{\"keys\":[".length(), split + 1);
    String ecKey = vector.substring(split + 2, vector.length() - 2);
    assertThat(upstreamKey().jwks()).isEqualTo("{\"keys\":[" + rsaKey + "]}");
    FakeTokenIssuer ec = FakeTokenIssuer.builder().issuer("https://issuer.example.com").clock(clock)
        .privateKeyPem(Vectors.text("keys/ecdsa-p256-private.pem")).build();
    assertThat(ec.keyId()).isEqualTo("SoABiieYuNx4UdqYvZRVeuC6SihxgLrhLy9peHMHpTc");
    assertThat(ec.jwks()).isEqualTo("{\"keys\":[" + ecKey + "]}");
    assertThat(ec.publicKeyPem().replace("\n", "")).isEqualTo(Vectors.text("keys/ecdsa-p256-public.pem").replace("\n", ""));
  }

  @Test
  void settableClock_advancesForEveryone() {
    SettableClock c = SettableClock.at(T);
    assertThat(c.advance(Duration.ofMinutes(50))).isEqualTo(T.plusSeconds(3000));
    assertThat(c.withZone(java.time.ZoneId.of("Europe/Paris")).instant()).isEqualTo(T.plusSeconds(3000));
    c.set(T);
    assertThat(c.instant()).isEqualTo(T);
  }
}
