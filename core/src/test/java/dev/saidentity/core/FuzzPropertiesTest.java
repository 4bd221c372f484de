package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever the input, decoding and validation end in a result or a typed refusal: nothing else. */
class FuzzPropertiesTest {

  static final String GOOD = Vectors.token("tokens/bound-pod-warnafter.jwt");
  static final TokenValidator VALIDATOR = Vectors.bound(Vectors.NOW).build();

  @Provide
  Arbitrary<String> mutatedTokens() {
    return Arbitraries.integers().between(0, GOOD.length() - 1).list().ofMinSize(1).ofMaxSize(4)
        .flatMap(positions -> Arbitraries.chars().with('.', '=', '+', '/', '{', '"', 'A', '_', '-', '\u00e9', ' ')
            .list().ofSize(positions.size())
            .map(chars -> {
              StringBuilder sb = new StringBuilder(GOOD);
              for (int i = 0; i < positions.size(); i++) {
                sb.setCharAt(positions.get(i), chars.get(i));
              }
              return sb.toString();
            }));
  }

  @Property(tries = 300)
  void mutatedTokens_areRefusedWithAReason_orStillValid(@ForAll("mutatedTokens") String token) {
    ValidationResult r = VALIDATOR.tryValidate(token);
    assertThat(r.isValid() || r.reason().isPresent()).isTrue();
    if (r.isValid()) {
      // Only a mutation that leaves the signing input and signature intact can still be valid.
      assertThat(r.token().orElseThrow().username()).isEqualTo("system:serviceaccount:myns:mysvcacct");
    }
    LeakCheck.assertNoTokenText(r.message(), token);
  }

  @Property(tries = 300)
  void arbitraryText_neverThrowsAnythingButTheTypedRefusal(@ForAll String text) {
    assertThat(VALIDATOR.tryValidate(text).isValid()).isFalse();
    try {
      UnverifiedToken.decode(text);
    } catch (TokenValidationException e) {
      assertThat(e.reason()).isNotNull();
    }
  }

  @Provide
  Arbitrary<String> jsonishPayloads() {
    return Arbitraries.of("{", "}", "[", "]", "\"kubernetes.io\":", "\"exp\":", "\"aud\":", "1e999", "-0", "null", "\"x\"",
        ",", ":", "true", "{\"namespace\":\"n\"", "\"serviceaccount\":{\"name\":\"s\"}", "\"\\u0000\"")
        .list().ofMaxSize(20).map(parts -> String.join("", parts));
  }

  @Property(tries = 300)
  void arbitraryJsonInsideAWellFormedEnvelope_isRefusedCleanly(@ForAll("jsonishPayloads") String payload) {
    String token = TestJwt.b64("{\"alg\":\"RS256\"}") + "." + TestJwt.b64(payload) + "." + TestJwt.b64("sig");
    ValidationResult r = VALIDATOR.tryValidate(token);
    assertThat(r.isValid()).isFalse();
    assertThat(r.reason()).isPresent();
  }
}
