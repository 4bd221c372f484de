package dev.saidentity.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of manifest reading and auditing (Jazzer), seeded with small YAML and JSON
 * manifests in {@code ManifestsFuzzTestInputs/manifests/}. Invariants: reading ends in objects or a
 * {@link ManifestException} that names the input, nothing else, within the timeout; every object
 * read can be audited without an exception, and every finding has an id.
 */
class ManifestsFuzzTest {

  @FuzzTest(maxDuration = "2m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void manifests(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    var objects = parse(text);
    if (objects == null) {
      return;
    }
    for (AuditFinding f : Auditor.audit(Inventory.fromManifests(objects))) {
      assertThat(f.id()).startsWith("SAI-");
    }
  }

  private static java.util.List<KubeObject> parse(String text) {
    try {
      return Manifests.parse("fuzz.yaml", text);
    } catch (ManifestException e) {
      assertThat(e.getMessage()).contains("fuzz.yaml");
      return null;
    }
  }
}
