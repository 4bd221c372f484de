package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of key loading (Jazzer): JWK sets and PEM text, seeded with the
 * conformance keys. Invariants: loading ends in keys or a {@link KeySourceException}, nothing else,
 * within the timeout; loaded keys have a key id and a validator built on them answers every token
 * with a result, never an exception.
 */
class KeySourceFuzzTest {

  static final String TOKEN = Vectors.token("tokens/bound-pod-warnafter.jwt").strip();

  @FuzzTest(maxDuration = "2m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void jwks(byte[] input) {
    String json = new String(input, StandardCharsets.UTF_8);
    KeySource keys;
    try {
      keys = KeySource.fromJwks(json);
    } catch (KeySourceException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    answersWithAResult(keys);
  }

  @FuzzTest(maxDuration = "2m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void pem(byte[] input) {
    String pem = new String(input, StandardCharsets.UTF_8);
    List<PublicKey> keys;
    try {
      keys = KeySource.publicKeysFromPem(pem);
    } catch (KeySourceException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(keys).isNotEmpty();
    keys.forEach(k -> assertThat(KeySource.keyId(k)).isNotEmpty());
    answersWithAResult(KeySource.of(keys));
  }

  private static void answersWithAResult(KeySource keys) {
    TokenValidator v = TokenValidator.builder().issuer(Vectors.ISSUER).keys(keys).clock(Vectors.at(Vectors.NOW)).build();
    ValidationResult r = v.tryValidate(TOKEN);
    assertThat(r.isValid()).isNotEqualTo(r.reason().isPresent());
  }
}
