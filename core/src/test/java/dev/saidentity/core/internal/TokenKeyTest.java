package dev.saidentity.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenKeyTest {

  static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9." + "a".repeat(900) + ".c2lnbmF0dXJlLXRoYXQtZW5kcy1oZXJlLTAxMjM0NTY3ODk";

  @Test
  void equalTokens_asDistinctStrings_areEqualKeys() {
    TokenKey a = new TokenKey(TOKEN);
    TokenKey b = new TokenKey(new String(TOKEN.toCharArray()));
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
  }

  @Test
  void tokensThatShareTheirEnd_butDifferElsewhere_shareAHash_yetAreNotEqual() {
    // The hash covers the last 32 characters only; equality covers the whole token.
    String other = TOKEN.replace("eyJhbGciOiJSUzI1NiJ9", "eyJhbGciOiJSUzM4NCJ9");
    TokenKey a = new TokenKey(TOKEN);
    TokenKey b = new TokenKey(other);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a).isNotEqualTo(b);
    assertThat(new TokenKey(TOKEN.substring(0, TOKEN.length() - 1) + "x")).isNotEqualTo(a);
  }

  @Test
  void short_andEmptyTokens_areKeysToo() {
    assertThat(new TokenKey("")).isEqualTo(new TokenKey("")).isNotEqualTo(new TokenKey("a"));
    assertThat(new TokenKey("abc").hashCode()).isNotEqualTo(new TokenKey("abd").hashCode());
  }

  @Test
  void toString_neverShowsTheToken() {
    assertThat(new TokenKey(TOKEN).toString()).doesNotContain("eyJ").doesNotContain("aaaa").doesNotContain("c2lnbmF0");
  }
}
