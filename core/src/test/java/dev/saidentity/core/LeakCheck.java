package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;

/** Assertions that text holds no token material. */
final class LeakCheck {

  /** Two base64url JSON segments starting like a JWS ("eyJ" is base64 of "{\""). */
  static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{6,}\\.[A-Za-z0-9_-]{6,}");

  private LeakCheck() {}

  static void assertNoTokenText(String text, String token) {
    if (text == null) {
      return;
    }
    assertThat(JWT.matcher(text).find()).as("JWT text in: %s", text).isFalse();
    for (String segment : token.strip().split("\\.")) {
      if (segment.length() >= 16) {
        assertThat(text).as("token segment in message").doesNotContain(segment.substring(0, 16));
      }
    }
  }
}
