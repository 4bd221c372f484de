package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import dev.saidentity.core.testsupport.OutputCapture;

/**
 * Runs last: no JWT text in any log line or output of the whole suite, nor in any exception
 * message, {@code toString()} or result message that any vector or hostile token produces.
 */
@Order(Integer.MAX_VALUE)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecretLeakTest {

  static List<String> corpus() throws IOException {
    List<String> tokens = new ArrayList<>();
    for (String f : List.of("bound-node.jwt", "neg-tampered-payload.jwt", "bound-unbound-aud12.jwt", "bound-pod-warnafter.jwt",
        "legacy-rs256-iss-bar.jwt", "neg-unknown-kid.jwt", "legacy-es256.jwt", "neg-alg-none.jwt",
        "bound-pod-warnafter-es256.jwt", "bound-pod-noaud.jwt", "legacy-rs256.jwt", "edge-no-kid.jwt", "bound-pod-node.jwt",
        "legacy-rs256-iss-foo.jwt", "bound-secret-aud1.jwt", "legacy-es256-malformed-iss.json")) {
      tokens.add(Vectors.token("tokens/" + f));
    }
    String good = Vectors.token("tokens/bound-pod-warnafter.jwt");
    String[] p = good.split("\\.");
    tokens.add(p[0] + "." + p[1]);
    tokens.add(good + ".x.y");
    tokens.add(p[0] + "=." + p[1] + "." + p[2]);
    tokens.add(p[0] + "." + p[1] + "." + p[2].substring(0, 40));
    tokens.add(p[1] + "." + p[0] + "." + p[2]);
    tokens.add(good.replace('.', ' '));
    tokens.add(good.repeat(60));
    return tokens;
  }

  @Test
  @Order(1)
  void everyMessageAndToString_ofEveryPath_holdsNoTokenText() throws IOException {
    TokenValidator strict = Vectors.bound(Vectors.NOW).build();
    TokenValidator legacyToo = Vectors.bound(Vectors.NOW).allowLegacyTokens(true).audience("elsewhere").build();
    TokenValidator remote = TokenValidator.builder().issuer(Vectors.ISSUER)
        .keys(RemoteKeySource.jwks(URI.create("http://127.0.0.1:9/jwks")).timeout(java.time.Duration.ofMillis(300)).build())
        .build();
    int checked = 0;
    for (String token : corpus()) {
      for (TokenValidator v : List.of(strict, legacyToo, remote)) {
        ValidationResult r = v.tryValidate(token);
        LeakCheck.assertNoTokenText(r.message(), token);
        LeakCheck.assertNoTokenText(r.toString(), token);
        r.token().ifPresent(t -> LeakCheck.assertNoTokenText(t.toString(), token));
        try {
          LeakCheck.assertNoTokenText(v.validate(token).toString(), token);
        } catch (TokenValidationException e) {
          LeakCheck.assertNoTokenText(e.getMessage(), token);
          LeakCheck.assertNoTokenText(e.toString(), token);
        }
        checked++;
      }
      try {
        LeakCheck.assertNoTokenText(UnverifiedToken.decode(token).toString(), token);
      } catch (TokenValidationException e) {
        LeakCheck.assertNoTokenText(e.getMessage(), token);
      }
      LeakCheck.assertNoTokenText(StoredObject.of("u").withToken(token).toString(), token);
    }
    assertThat(checked).isEqualTo(corpus().size() * 3);
  }

  @Test
  @Order(2)
  void noLogLineOrOutputOfTheWholeSuite_holdsAJwt() {
    assertThat(OutputCapture.installed()).as("OutputCapture is registered as a LauncherSessionListener").isTrue();
    String all = OutputCapture.captured();
    assertThat(all).as("the suite logged something (debug level is on), so the capture works").isNotEmpty();
    java.util.regex.Matcher m = LeakCheck.JWT.matcher(all);
    assertThat(m.find()).as("JWT text in the suite's output near: %s",
        m.find(0) ? all.substring(Math.max(0, m.start() - 80), Math.min(all.length(), m.start())) : "").isFalse();
  }

  @Test
  @Order(3)
  void theVectorsHere_areTheSharedOnes_whenTheSharedFolderIsPresent() throws IOException {
    Path shared = Path.of(System.getProperty("user.dir")).resolve("../../shared/conformance/k8s").normalize();
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shared), "no ../shared beside the checkout");
    int compared = 0;
    try (Stream<Path> files = Files.walk(shared)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        String rel = shared.relativize(f).toString();
        try (InputStream in = SecretLeakTest.class.getResourceAsStream("/conformance/k8s/" + rel)) {
          assertThat(in).as("copy of " + rel).isNotNull();
          assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).as(rel).isEqualTo(Files.readString(f));
        }
        compared++;
      }
    }
    assertThat(compared).isGreaterThan(30);
  }
}
