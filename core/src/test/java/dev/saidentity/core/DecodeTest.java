package dev.saidentity.core;

import static dev.saidentity.core.TestJwt.b64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.core.TokenValidationException.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecodeTest {

  @Test
  void docsExamplePayload_decodesToTheDocumentedIdentity() {
    String payload = Vectors.text("claims/docs-example-pod-bound-payload.json");
    String token = b64("{\"alg\":\"RS256\",\"kid\":\"k\"}") + "." + b64(payload) + "." + b64("sig");
    UnverifiedToken t = UnverifiedToken.decode(token);
    assertThat(t.kind()).isEqualTo(TokenKind.PROJECTED);
    assertThat(t.serviceAccount()).isEqualTo(ServiceAccount.of("kube-system", "coredns", "a087d5a0-e1dd-43ec-93ac-f13d89cd13af"));
    assertThat(t.pod()).contains(ObjectRef.of("coredns-69cbfb9798-jv9gn", "778a530c-b3f4-47c0-9cd5-ab018fb64f33"));
    assertThat(t.node()).contains(ObjectRef.of("127.0.0.1", "58456cb0-dd00-45ed-b797-5578fdceaced"));
    assertThat(t.secret()).isEmpty();
    assertThat(t.tokenId()).contains("ea28ed49-2e11-4280-9ec5-bc3d1d84661a");
    assertThat(t.audiences()).containsExactly("https://kubernetes.default.svc");
    assertThat(t.issuer()).contains("https://kubernetes.default.svc");
    long iat = t.issuedAt().orElseThrow().getEpochSecond();
    assertThat(t.expiresAt().orElseThrow().getEpochSecond() - iat).isEqualTo(31536000);
    assertThat(t.warnAfter().orElseThrow().getEpochSecond() - iat).isEqualTo(3607);
    assertThat(t.keyId()).contains("k");
    assertThat(t.algorithm()).isEqualTo("RS256");
  }

  @Test
  void claimsTestCases_signedTokens_carryTheExpectedClaims() {
    JsonObject v = Vectors.json("claims/claims-test-cases.json").getAsJsonObject();
    int checked = 0;
    for (JsonElement e : v.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      if (!c.has("signed_token_file")) {
        continue;
      }
      UnverifiedToken t = UnverifiedToken.decode(Vectors.token(c.get("signed_token_file").getAsString()));
      JsonObject std = JsonParser.parseString(c.get("expect_standard_claims_json").getAsString()).getAsJsonObject();
      JsonObject priv = JsonParser.parseString(c.get("expect_private_claims_json").getAsString()).getAsJsonObject()
          .getAsJsonObject("kubernetes.io");
      assertThat(t.subject()).contains(std.get("sub").getAsString());
      assertThat(t.audiences()).containsExactlyElementsOf(std.has("aud") ? strings(std.get("aud")) : List.of());
      assertThat(t.expiresAt()).contains(Instant.ofEpochSecond(std.get("exp").getAsLong()));
      assertThat(t.issuedAt()).contains(Instant.ofEpochSecond(std.get("iat").getAsLong()));
      assertThat(t.notBefore()).contains(Instant.ofEpochSecond(std.get("nbf").getAsLong()));
      assertThat(t.tokenId()).contains(std.get("jti").getAsString());
      assertThat(t.serviceAccount().namespace()).isEqualTo(priv.get("namespace").getAsString());
      JsonObject sa = priv.getAsJsonObject("serviceaccount");
      assertThat(t.serviceAccount()).isEqualTo(ServiceAccount.of(t.serviceAccount().namespace(),
          sa.get("name").getAsString(), sa.get("uid").getAsString()));
      assertThat(t.pod()).isEqualTo(ref(priv, "pod"));
      assertThat(t.secret()).isEqualTo(ref(priv, "secret"));
      assertThat(t.node()).isEqualTo(ref(priv, "node"));
      assertThat(t.warnAfter()).isEqualTo(priv.has("warnafter")
          ? java.util.Optional.of(Instant.ofEpochSecond(priv.get("warnafter").getAsLong())) : java.util.Optional.empty());
      checked++;
    }
    assertThat(checked).isEqualTo(6);
  }

  private static java.util.Optional<ObjectRef> ref(JsonObject priv, String name) {
    if (!priv.has(name)) {
      return java.util.Optional.empty();
    }
    JsonObject o = priv.getAsJsonObject(name);
    return java.util.Optional.of(ObjectRef.of(o.get("name").getAsString(), o.has("uid") ? o.get("uid").getAsString() : null));
  }

  private static List<String> strings(JsonElement e) {
    List<String> out = new ArrayList<>();
    if (e.isJsonArray()) {
      e.getAsJsonArray().forEach(x -> out.add(x.getAsString()));
    } else {
      out.add(e.getAsString());
    }
    return out;
  }

  @Test
  void legacyToken_identityFromFlatClaims_noAudiences() {
    UnverifiedToken t = UnverifiedToken.decode(Vectors.token("tokens/legacy-rs256.jwt"));
    assertThat(t.kind()).isEqualTo(TokenKind.LEGACY);
    assertThat(t.serviceAccount()).isEqualTo(ServiceAccount.of("test", "my-service-account", "12345"));
    assertThat(t.secret()).contains(ObjectRef.of("my-rsa-secret", null));
    assertThat(t.audiences()).isEmpty();
    assertThat(t.expiresAt()).isEmpty();
    assertThat(t.issuer()).contains("kubernetes/serviceaccount");
  }

  @Test
  void legacyToken_withMissingClaims_stillDecodes_showingWhatIsThere() {
    String payload = "{\"iss\":\"kubernetes/serviceaccount\",\"kubernetes.io/serviceaccount/namespace\":\"test\","
        + "\"kubernetes.io/serviceaccount/service-account.name\":\"my-service-account\"}";
    UnverifiedToken t = UnverifiedToken.decode(b64("{\"alg\":\"RS256\"}") + "." + b64(payload) + ".");
    assertThat(t.kind()).isEqualTo(TokenKind.LEGACY);
    assertThat(t.serviceAccount()).isEqualTo(ServiceAccount.of("test", "my-service-account"));
    assertThat(t.secret()).isEmpty();
    assertThat(t.subject()).isEmpty();
    String otherSub = payload.replace("{", "{\"sub\":\"system:serviceaccount:other:x\",");
    assertThat(UnverifiedToken.decode(b64("{\"alg\":\"RS256\"}") + "." + b64(otherSub) + ".").subject())
        .contains("system:serviceaccount:other:x");
  }

  @Test
  void audience_asAString_isAOneElementList_andUnknownClaimsAreTolerated() {
    String payload = "{\"aud\":\"vault\",\"exp\":2,\"future\":{\"webhook\":[1,{\"a\":null}]},"
        + "\"kubernetes.io\":{\"namespace\":\"n\",\"serviceaccount\":{\"name\":\"s\"},\"validatingwebhookconfiguration\":{\"name\":\"w\"},"
        + "\"node\":{\"name\":\"only-name\"}}}";
    UnverifiedToken t = UnverifiedToken.decode(b64("{\"alg\":\"ES256\"}") + "." + b64(payload) + ".");
    assertThat(t.audiences()).containsExactly("vault");
    assertThat(t.serviceAccount().uid()).isEmpty();
    assertThat(t.node()).contains(ObjectRef.of("only-name", null));
    assertThat(t.keyId()).isEmpty();
  }

  @Test
  void decode_failures_areTyped() {
    assertThatThrownBy(() -> UnverifiedToken.decode("a.b"))
        .isInstanceOfSatisfying(TokenValidationException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED))
        .hasMessage("malformed token: a compact JWS has exactly 3 dot-separated segments, this has 2");
    String noSa = b64("{\"alg\":\"RS256\"}") + "." + b64("{\"kubernetes.io\":{\"namespace\":\"n\"}}") + ".";
    assertThatThrownBy(() -> UnverifiedToken.decode(noSa))
        .isInstanceOfSatisfying(TokenValidationException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MISSING_CLAIM));
    String plainJwt = b64("{\"alg\":\"RS256\"}") + "." + b64("{\"sub\":\"alice\"}") + ".";
    assertThatThrownBy(() -> UnverifiedToken.decode(plainJwt))
        .isInstanceOfSatisfying(TokenValidationException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED))
        .hasMessageContaining("not a ServiceAccount token");
  }
}
