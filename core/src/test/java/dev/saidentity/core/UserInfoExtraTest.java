package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * api/userinfo-extra.json (upstream TestUserInfo): which extra keys a ServiceAccount user gets. Each
 * case's ServiceAccountInfo is turned into the claims of a projected token, signed, validated, and
 * {@link ValidatedToken#extra()} compared. Cases for the unreleased webhook binding are skipped
 * (no release issues such tokens).
 */
class UserInfoExtraTest {

  static final String KID = KeySource.keyId(TestJwt.RSA.getPublic());

  @TestFactory
  Stream<DynamicTest> userInfoCases() {
    JsonObject v = Vectors.json("api/userinfo-extra.json").getAsJsonObject();
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement e : v.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      JsonObject info = c.getAsJsonObject("info");
      if (info.keySet().stream().anyMatch(k -> k.toLowerCase(java.util.Locale.ROOT).contains("webhook"))) {
        continue;
      }
      tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
        StringBuilder k8s = new StringBuilder("{\"namespace\":\"").append(s(info, "Namespace")).append("\"");
        k8s.append(",\"serviceaccount\":{\"name\":\"").append(s(info, "Name")).append("\",\"uid\":\"").append(s(info, "UID")).append("\"}");
        if (!s(info, "PodName").isEmpty() || !s(info, "PodUID").isEmpty()) {
          k8s.append(",\"pod\":{\"name\":\"").append(s(info, "PodName")).append("\",\"uid\":\"").append(s(info, "PodUID")).append("\"}");
        }
        if (!s(info, "NodeName").isEmpty() || !s(info, "NodeUID").isEmpty()) {
          k8s.append(",\"node\":{\"name\":\"").append(s(info, "NodeName")).append("\",\"uid\":\"").append(s(info, "NodeUID")).append("\"}");
        }
        k8s.append("}");
        String credential = s(info, "CredentialID");
        String jti = credential.startsWith("JTI=") ? credential.substring(4) : "";
        String claims = "{\"exp\":" + (Vectors.NOW + 600) + ",\"iss\":\"" + Vectors.ISSUER + "\"" + (jti.isEmpty() ? "" : ",\"jti\":\"" + jti + "\"")
            + ",\"kubernetes.io\":" + k8s + "}";
        ValidatedToken t = Vectors.bound(Vectors.NOW).keys(TestJwt.RSA.getPublic()).build()
            .validate(TestJwt.sign("RS256", TestJwt.RSA.getPrivate(), TestJwt.header("RS256", KID), claims));
        JsonObject want = c.getAsJsonObject("expect");
        assertThat(t.username()).isEqualTo(want.get("username").getAsString());
        assertThat(t.serviceAccount().uid().orElse("")).isEqualTo(want.get("uid").getAsString());
        assertThat(t.groups()).containsExactlyElementsOf(AuthenticateVectorsTest.strings(want.getAsJsonArray("groups")));
        Map<String, List<String>> extra = new LinkedHashMap<>();
        if (want.has("extra") && want.get("extra").isJsonObject()) {
          want.getAsJsonObject("extra").entrySet().forEach(x -> extra.put(x.getKey(), AuthenticateVectorsTest.strings(x.getValue().getAsJsonArray())));
        }
        assertThat(t.extra()).isEqualTo(extra);
      }));
    }
    assertThat(tests).isNotEmpty();
    return tests.stream();
  }

  private static String s(JsonObject o, String k) {
    return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsString() : "";
  }
}
