package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.gson.JsonPrimitive;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of token decoding and validation (Jazzer). Without {@code JAZZER_FUZZ} each
 * method runs once per file of its seed corpus in {@code TokenFuzzTestInputs/<method>/}, as an ordinary
 * test; with {@code JAZZER_FUZZ=1} libFuzzer mutates those seeds. The seeds are real signed tokens, so
 * mutations reach the signature and claim checks, not only the parser.
 *
 * <p>Invariants: decoding and validation end in a result or a {@link TokenValidationException},
 * nothing else; a refusal names a reason and never echoes token text; a mutated token never
 * validates unless it carries the original's signed bytes and signature; a freshly signed token
 * that validates satisfies every claim check; one input never takes longer than the timeout.
 */
class TokenFuzzTest {

  /** The clock of the conformance vectors, at which their bound tokens are valid. */
  static final TokenValidator VECTORS = Vectors.bound(Vectors.NOW).build();
  /** The conformance tokens that validate at {@link Vectors#NOW}: the only ones a mutation may equal. */
  static final List<String> VALID_VECTORS = validVectors();

  static final String ISSUER = Vectors.ISSUER;
  static final String AUDIENCE = "fuzz-aud";
  static final long NOW = 1_750_000_000L;
  static final long LEEWAY = TokenValidator.DEFAULT_LEEWAY.getSeconds();
  static final TokenValidator SIGNED = TokenValidator.builder()
      .issuer(ISSUER)
      .audience(AUDIENCE)
      .keys(TestJwt.RSA.getPublic(), TestJwt.EC256.getPublic(), TestJwt.EC384.getPublic())
      .clock(Vectors.at(NOW))
      .build();
  static final String[] ALGS = {"RS256", "ES256", "PS256", "ES384", "RS512", "PS384", "none", "HS256", "RS256 ", ""};

  private static List<String> validVectors() {
    List<String> out = new ArrayList<>();
    for (String f : List.of("bound-pod-warnafter.jwt", "bound-pod-warnafter-es256.jwt", "bound-pod-node.jwt",
        "bound-node.jwt", "bound-secret-aud1.jwt", "bound-unbound-aud12.jwt", "bound-pod-noaud.jwt", "edge-no-kid.jwt",
        "legacy-rs256.jwt", "legacy-es256.jwt")) {
      String t = Vectors.token("tokens/" + f).strip();
      if (VECTORS.tryValidate(t).isValid()) {
        out.add(t);
      }
    }
    return List.copyOf(out);
  }

  /**
   * The raw compact token, mutated byte by byte from the conformance tokens. A mutation that still
   * validates must decode to the same header, payload and signature bytes as a valid original
   * (base64url's unused low bits of a segment's last character are not signed: see the report).
   */
  @FuzzTest(maxDuration = "2m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void compactToken(byte[] input) {
    String token = new String(input, StandardCharsets.UTF_8);
    ValidationResult r = VECTORS.tryValidate(token);
    assertThat(r.isValid()).isNotEqualTo(r.reason().isPresent());
    if (r.isValid()) {
      assertThat(VALID_VECTORS.stream().anyMatch(v -> sameSignedContent(v, token.strip())))
          .as("a mutated token validated: it is not one of the valid originals").isTrue();
    } else {
      assertNoTokenText(r.message(), token);
    }
    decodeOnlyThrowsTheTypedRefusal(token);
  }

  /**
   * Header and claims built from the input and signed with a test key the validator trusts, so that
   * every claim check is reached. An input of zeroes builds a valid token, which must validate.
   */
  @FuzzTest(maxDuration = "2m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void signedClaims(FuzzedDataProvider data) {
    boolean[] allDefault = {true};
    String alg = ALGS[data.consumeInt(0, ALGS.length - 1)];
    if (!alg.equals("RS256")) {
      allDefault[0] = false;
    }
    KeyPair key = alg.startsWith("ES384") ? TestJwt.EC384 : alg.startsWith("ES") ? TestJwt.EC256 : TestJwt.RSA;
    String header = data.consumeBoolean() ? rawText(data, allDefault)
        : "{\"alg\":" + quote(alg) + kidMember(data, key, allDefault) + "}";
    String claims = data.consumeBoolean() ? rawText(data, allDefault) : claims(data, allDefault);
    String signingAlg = alg.matches("(RS|PS|ES)(256|384|512)") ? alg : "RS256";
    String token = TestJwt.sign(signingAlg, key.getPrivate(), header, claims);
    if (data.consumeBoolean()) {
      allDefault[0] = false;
      token = TestJwt.b64(header) + "." + TestJwt.b64(claims) + "." + TestJwt.b64(data.consumeBytes(600));
    }

    ValidationResult r = SIGNED.tryValidate(token);
    assertThat(r.isValid()).isNotEqualTo(r.reason().isPresent());
    if (allDefault[0]) {
      assertThat(r.isValid()).as("a well-formed token signed by a trusted key is refused: %s", r.message()).isTrue();
    }
    if (r.isValid()) {
      ValidatedToken v = r.token().orElseThrow();
      Instant now = Instant.ofEpochSecond(NOW);
      assertThat(alg).as("algorithm").matches("(RS|PS|ES)(256|384|512)");
      assertThat(v.issuer()).isEqualTo(ISSUER);
      assertThat(v.tokenAudiences()).contains(AUDIENCE);
      assertThat(v.expiresAt()).as("exp").isPresent();
      assertThat(v.expiresAt().orElseThrow()).isAfter(now.minusSeconds(LEEWAY + 1));
      v.notBefore().ifPresent(nbf -> assertThat(nbf).isBefore(now.plusSeconds(LEEWAY + 1)));
      v.issuedAt().ifPresent(iat -> assertThat(iat).isBefore(now.plusSeconds(LEEWAY + 1)));
      assertThat(v.username()).isEqualTo(ServiceAccount.USERNAME_PREFIX + v.serviceAccount().namespace() + ":"
          + v.serviceAccount().name());
    } else {
      assertNoTokenText(r.message(), token);
    }
    decodeOnlyThrowsTheTypedRefusal(token);
  }

  private static void decodeOnlyThrowsTheTypedRefusal(String token) {
    try {
      UnverifiedToken t = UnverifiedToken.decode(token);
      assertThat(t.toString()).doesNotContain(token.strip());
    } catch (TokenValidationException e) {
      assertThat(e.reason()).isNotNull();
      assertNoTokenText(e.getMessage(), token);
    }
  }

  /**
   * {@link LeakCheck}'s rule, for inputs the fuzzer wrote: only the pure base64url segments of the
   * input count as token text (a fuzzer soon copies words of the messages themselves into its input).
   */
  static void assertNoTokenText(String message, String token) {
    assertThat(LeakCheck.JWT.matcher(message).find()).as("JWT text in: %s", message).isFalse();
    for (String segment : token.strip().split("\\.")) {
      if (segment.length() >= 16 && segment.matches("[A-Za-z0-9_-]+")) {
        assertThat(message).as("token segment in message").doesNotContain(segment.substring(0, 16));
      }
    }
  }

  /** The same decoded header, payload and signature bytes. */
  static boolean sameSignedContent(String original, String candidate) {
    String[] a = original.split("\\.", -1);
    String[] b = candidate.split("\\.", -1);
    if (a.length != 3 || b.length != 3) {
      return false;
    }
    try {
      for (int i = 0; i < 3; i++) {
        if (!Arrays.equals(Base64.getUrlDecoder().decode(a[i]), Base64.getUrlDecoder().decode(b[i]))) {
          return false;
        }
      }
      return true;
    } catch (IllegalArgumentException e) {
      fail("a token that validated is not base64url: " + e.getMessage());
      return false;
    }
  }

  private static String kidMember(FuzzedDataProvider data, KeyPair key, boolean[] allDefault) {
    switch (data.consumeInt(0, 3)) {
      case 0:
        return ",\"kid\":" + quote(KeySource.keyId(key.getPublic()));
      case 1:
        return "";
      case 2:
        allDefault[0] = false;
        return ",\"kid\":" + quote(data.consumeString(64));
      default:
        allDefault[0] = false;
        return "," + data.consumeString(200);
    }
  }

  private static String rawText(FuzzedDataProvider data, boolean[] allDefault) {
    allDefault[0] = false;
    return data.consumeString(4000);
  }

  /** A projected token's claims; each member is valid, absent, a fuzzed value, or fuzzed raw JSON text. */
  private static String claims(FuzzedDataProvider data, boolean[] allDefault) {
    StringBuilder sb = new StringBuilder("{");
    member(sb, data, allDefault, "aud", "[" + quote(AUDIENCE) + "]", () -> quote(data.consumeString(40)));
    member(sb, data, allDefault, "exp", Long.toString(NOW + 3600), () -> Long.toString(NOW + data.consumeInt(-100_000, 100_000)));
    member(sb, data, allDefault, "iat", Long.toString(NOW - 60), () -> Long.toString(NOW + data.consumeInt(-100_000, 100_000)));
    member(sb, data, allDefault, "nbf", Long.toString(NOW - 60), () -> Long.toString(NOW + data.consumeInt(-100_000, 100_000)));
    member(sb, data, allDefault, "iss", quote(ISSUER), () -> quote(data.consumeString(40)));
    member(sb, data, allDefault, "jti", quote("j-1"), () -> quote(data.consumeString(40)));
    member(sb, data, allDefault, "sub", quote("system:serviceaccount:ns:sa"), () -> quote(data.consumeString(60)));
    StringBuilder k8s = new StringBuilder("{");
    member(k8s, data, allDefault, "namespace", quote("ns"), () -> quote(data.consumeString(70)));
    member(k8s, data, allDefault, "pod", "{\"name\":\"p\",\"uid\":\"pu\"}",
        () -> "{\"name\":" + quote(data.consumeString(40)) + ",\"uid\":" + quote(data.consumeString(40)) + "}");
    member(k8s, data, allDefault, "serviceaccount", "{\"name\":\"sa\",\"uid\":\"su\"}",
        () -> "{\"name\":" + quote(data.consumeString(40)) + ",\"uid\":" + quote(data.consumeString(40)) + "}");
    member(k8s, data, allDefault, "warnafter", Long.toString(NOW + 600), () -> Long.toString(data.consumeLong()));
    k8s.append('}');
    member(sb, data, allDefault, "kubernetes.io", k8s.toString(), () -> "{" + data.consumeString(200) + "}");
    sb.append('}');
    return sb.toString();
  }

  private static void member(StringBuilder sb, FuzzedDataProvider data, boolean[] allDefault, String name, String valid,
      java.util.function.Supplier<String> fuzzed) {
    int mode = data.consumeInt(0, 3);
    if (mode != 0) {
      allDefault[0] = false;
    }
    if (mode == 1) {
      return;
    }
    String value = mode == 0 ? valid : mode == 2 ? fuzzed.get() : data.consumeString(30);
    sb.append(sb.length() > 1 ? "," : "").append(quote(name)).append(':').append(value);
  }

  private static String quote(String s) {
    return new JsonPrimitive(s).toString();
  }
}
