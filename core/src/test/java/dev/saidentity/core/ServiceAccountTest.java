package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class ServiceAccountTest {

  @Test
  void usernames_vectors_makeSplitAndMatch_asUpstream() {
    JsonObject v = Vectors.json("api/usernames.json").getAsJsonObject();
    int n = 0;
    for (JsonElement e : v.getAsJsonArray("make_split_cases")) {
      JsonObject c = e.getAsJsonObject();
      String ns = c.get("namespace").getAsString();
      String name = c.get("sa_name").getAsString();
      String username = c.get("username").getAsString();
      assertThat(ServiceAccount.makeUsername(ns, name)).as(c.get("name").getAsString()).isEqualTo(username);
      assertThat(ServiceAccount.matchesUsername(ns, name, username)).isEqualTo(c.get("matches_username").getAsBoolean());
      if (c.get("split_expect_error").getAsBoolean()) {
        assertThatThrownBy(() -> ServiceAccount.fromUsername(username))
            .as(c.get("name").getAsString())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("Username must be in the form system:serviceaccount:namespace:name");
      } else {
        JsonObject want = c.getAsJsonObject("split_expect");
        ServiceAccount sa = ServiceAccount.fromUsername(username);
        assertThat(sa.namespace()).isEqualTo(want.get("namespace").getAsString());
        assertThat(sa.name()).isEqualTo(want.get("name").getAsString());
      }
      n++;
    }
    for (JsonElement e : v.getAsJsonArray("matches_username_cases")) {
      JsonObject c = e.getAsJsonObject();
      assertThat(ServiceAccount.matchesUsername(
              c.get("namespace").getAsString(), c.get("name").getAsString(), c.get("username").getAsString()))
          .as(c.toString())
          .isEqualTo(c.get("expect").getAsBoolean());
      n++;
    }
    assertThat(n).isEqualTo(7 + 14);
  }

  @Test
  void groups_areAllServiceAccountsThenNamespace() {
    assertThat(ServiceAccount.of("payments", "api").groups())
        .containsExactly("system:serviceaccounts", "system:serviceaccounts:payments");
  }

  @Test
  void isDefault_onlyForTheDefaultServiceAccount() {
    assertThat(ServiceAccount.of("a", "default").isDefault()).isTrue();
    assertThat(ServiceAccount.of("a", "defaults").isDefault()).isFalse();
  }

  @Test
  void fromUsername_enforcesDnsRules() {
    assertThat(ServiceAccount.fromUsername("system:serviceaccount:ns:a.b-c").name()).isEqualTo("a.b-c");
    assertThatThrownBy(() -> ServiceAccount.fromUsername("system:serviceaccount:Ns:a"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServiceAccount.fromUsername("system:serviceaccount:" + "n".repeat(64) + ":a"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServiceAccount.fromUsername("system:serviceaccount:ns:a_b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServiceAccount.fromUsername("system:serviceaccounts:ns:a"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void uid_isOptional_andPartOfEquality() {
    assertThat(ServiceAccount.of("a", "b").uid()).isEmpty();
    assertThat(ServiceAccount.of("a", "b", "").uid()).isEmpty();
    assertThat(ServiceAccount.of("a", "b", "u1").uid()).contains("u1");
    assertThat(ServiceAccount.of("a", "b", "u1")).isNotEqualTo(ServiceAccount.of("a", "b"));
    assertThat(ServiceAccount.of("a", "b", "u1")).isEqualTo(ServiceAccount.of("a", "b").withUid("u1"));
  }
}
