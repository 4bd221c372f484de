package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.saidentity.core.TokenValidationException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs tokens/authenticate-cases.json through the offline validator.
 *
 * <p>Deliberate differences, also listed in the README: upstream <em>declines</em> (ok=false, no
 * error) a token that is not a JWT or has another issuer, so that the next authenticator may try;
 * a validator has no next authenticator and refuses it with MALFORMED or ISSUER_MISMATCH. Cases
 * whose outcome depends on objects in the cluster (Secret, Pod, ServiceAccount lookups) are checked
 * here for their offline part (the signature and claims verify) and their lookup part by {@link
 * BoundObjectVectorsTest}.
 */
class AuthenticateVectorsTest {

  /** Cases whose expected failure comes from an object lookup, not from the token. */
  private static final Set<String> LOOKUP_CASES = Set.of(
      "invalid secret lookup", "invalid serviceaccount lookup", "secret is marked as invalid",
      "pod-bound, pod deleted (UID differs)", "pod-bound, pod missing", "SA recreated");

  @TestFactory
  Stream<DynamicTest> legacyCases() {
    JsonObject all = Vectors.json("tokens/authenticate-cases.json").getAsJsonObject();
    JsonArray cases = all.getAsJsonArray("legacy_cases");
    assertThat(cases).hasSize(15);
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement e : cases) {
      JsonObject c = e.getAsJsonObject();
      String name = c.get("name").getAsString();
      tests.add(DynamicTest.dynamicTest(name, () -> {
        StringBuilder pem = new StringBuilder();
        for (JsonElement k : c.getAsJsonArray("keys")) {
          pem.append(Vectors.text(k.getAsString()));
        }
        KeySource keys = pem.length() == 0 ? KeySource.of(List.of()) : KeySource.fromPem(pem.toString());
        // jwt_test builds the legacy authenticator with the issuers [kubernetes/serviceaccount, bar]
        // (the API server builds it with kubernetes/serviceaccount only): "bar" is a legacy issuer here.
        TokenValidator v = TokenValidator.builder()
            .issuer("kubernetes/serviceaccount").issuer("bar")
            .apiAudiences(List.of("api")).audience("api")
            .allowLegacyTokens(true).legacyIssuer("bar")
            .keys(keys)
            .build();
        String tokenRef = c.get("token").getAsString();
        String token = tokenRef.startsWith("literal") ? "invalid token" : Vectors.token(tokenRef);
        ValidationResult r = v.tryValidate(token);
        boolean expectOk = c.get("expect_ok").getAsBoolean();
        if (LOOKUP_CASES.contains(name)) {
          assertThat(r.isValid()).as("offline part of " + name + ": " + r).isTrue();
          return;
        }
        if (expectOk) {
          assertThat(r.isValid()).as(r.toString()).isTrue();
          ValidatedToken t = r.token().orElseThrow();
          JsonObject user = c.getAsJsonObject("expect_user");
          assertThat(t.username()).isEqualTo(user.get("username").getAsString());
          assertThat(t.serviceAccount().uid()).contains(user.get("uid").getAsString());
          assertThat(t.groups()).containsExactlyElementsOf(strings(user.getAsJsonArray("groups")));
          assertThat(t.kind()).isEqualTo(TokenKind.LEGACY);
          assertThat(t.audiences()).containsExactly("api");
          assertThat(t.extra()).isEmpty();
        } else {
          assertThat(r.isValid()).isFalse();
          Reason want;
          switch (name) {
            case "invalid token":
            case "malformed iss":
              want = Reason.MALFORMED; // upstream: declined without error
              break;
            case "valid key, invalid issuer (rsa)":
              want = Reason.ISSUER_MISMATCH; // upstream: declined without error
              break;
            case "no keys":
            case "invalid keys (rsa)":
            case "invalid keys (ecdsa)":
              want = Reason.UNKNOWN_KEY; // >= 1.31: invalid signature, no keys found
              assertThat(r.upstreamMessage()).isEqualTo("invalid signature, no keys found");
              break;
            default:
              throw new AssertionError("unmapped case " + name);
          }
          assertThat(r.reason()).as(r.message()).contains(want);
        }
      }));
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> boundCases() {
    JsonObject all = Vectors.json("tokens/authenticate-cases.json").getAsJsonObject();
    JsonArray cases = all.getAsJsonArray("bound_cases");
    assertThat(cases).hasSize(20);
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement e : cases) {
      JsonObject c = e.getAsJsonObject();
      String name = c.get("name").getAsString();
      tests.add(DynamicTest.dynamicTest(name, () -> {
        TokenValidator.Builder b = Vectors.bound(c.get("now_unix").getAsLong());
        if (c.has("requested_audiences") && c.get("requested_audiences").isJsonArray()) {
          b.audiences(strings(c.getAsJsonArray("requested_audiences")));
        }
        TokenValidator v = b.build();
        ValidationResult r = v.tryValidate(Vectors.token(c.get("token").getAsString()));
        if (name.equals("wrong issuer for this authenticator")) {
          // Upstream: declined by the bound authenticator (legacy issuer); here refused, legacy not allowed.
          assertThat(r.reason()).contains(Reason.LEGACY_TOKEN_NOT_ALLOWED);
          return;
        }
        if (LOOKUP_CASES.contains(name)) {
          assertThat(r.isValid()).as("offline part of " + name + ": " + r).isTrue();
          return;
        }
        if (c.get("expect_ok").getAsBoolean()) {
          assertThat(r.isValid()).as(r.toString()).isTrue();
          ValidatedToken t = r.token().orElseThrow();
          JsonObject user = c.getAsJsonObject("expect_user");
          assertThat(t.username()).isEqualTo(user.get("username").getAsString());
          assertThat(t.serviceAccount().uid()).contains(user.get("uid").getAsString());
          assertThat(t.groups()).containsExactlyElementsOf(strings(user.getAsJsonArray("groups")));
          Map<String, List<String>> extra = new java.util.LinkedHashMap<>();
          if (user.has("extra") && user.get("extra").isJsonObject()) {
            for (Map.Entry<String, JsonElement> x : user.getAsJsonObject("extra").entrySet()) {
              extra.put(x.getKey(), strings(x.getValue().getAsJsonArray()));
            }
          }
          assertThat(t.extra()).isEqualTo(extra);
          assertThat(t.audiences()).containsExactlyElementsOf(strings(c.getAsJsonArray("expect_response_audiences")));
          assertThat(t.kind()).isEqualTo(TokenKind.PROJECTED);
        } else {
          assertThat(r.isValid()).isFalse();
          assertThat(r.upstreamMessage()).as(r.message()).isEqualTo(c.get("expect_error").getAsString());
          assertThat(r.message()).startsWith(r.upstreamMessage());
        }
      }));
    }
    return tests.stream();
  }

  static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    a.forEach(x -> out.add(x.getAsString()));
    return out;
  }
}
