package dev.saidentity.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SARIF that {@link Reports#sarif} writes is valid against OASIS's SARIF 2.1.0 schema (checked
 * by networknt's JSON Schema validator) and meets GitHub code scanning's documented upload
 * requirements: a tool driver name, rules with ids, each result with a ruleId, a message text and at
 * least one location with a physical location (a relative artifact URI and a region's startLine
 * of at least 1), and partialFingerprints as a map of strings.
 */
class SarifSchemaTest {

  private static Schema schema;

  @BeforeAll
  static void loadSchema() throws Exception {
    try (InputStream in = SarifSchemaTest.class.getResourceAsStream("/sarif/sarif-schema-2.1.0.json")) {
      schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(in, InputFormat.JSON);
    }
  }

  private static List<String> schemaErrors(String sarif) {
    List<Error> errors = schema.validate(sarif, InputFormat.JSON);
    return errors.stream().map(Error::toString).collect(Collectors.toList());
  }

  /** GitHub's documented requirements for an upload, as a list of what is missing (empty when all hold). */
  static List<String> githubProblems(String sarif) {
    List<String> problems = new java.util.ArrayList<>();
    JsonObject log = JsonParser.parseString(sarif).getAsJsonObject();
    if (!"2.1.0".equals(log.get("version").getAsString())) {
      problems.add("version");
    }
    for (JsonElement r : log.getAsJsonArray("runs")) {
      JsonObject driver = r.getAsJsonObject().getAsJsonObject("tool").getAsJsonObject("driver");
      if (!driver.has("name")) {
        problems.add("tool.driver.name");
      }
      Set<String> ruleIds = new HashSet<>();
      for (JsonElement rule : driver.getAsJsonArray("rules")) {
        JsonObject o = rule.getAsJsonObject();
        ruleIds.add(o.get("id").getAsString());
        if (!o.has("helpUri") || !o.getAsJsonObject("help").has("text") || !o.getAsJsonObject("shortDescription").has("text")) {
          problems.add("rule " + o.get("id") + " lacks help, helpUri or shortDescription");
        }
      }
      for (JsonElement e : r.getAsJsonObject().getAsJsonArray("results")) {
        JsonObject res = e.getAsJsonObject();
        String id = res.has("ruleId") ? res.get("ruleId").getAsString() : null;
        if (id == null || !ruleIds.contains(id)) {
          problems.add("a result without a known ruleId: " + id);
        }
        if (!res.has("message") || res.getAsJsonObject("message").get("text").getAsString().isBlank()) {
          problems.add(id + ": message.text");
        }
        JsonArray locs = res.getAsJsonArray("locations");
        if (locs == null || locs.isEmpty() || locs.size() > 10) {
          problems.add(id + ": 1 to 10 locations");
          continue;
        }
        JsonObject phys = locs.get(0).getAsJsonObject().getAsJsonObject("physicalLocation");
        if (phys == null) {
          problems.add(id + ": locations[0].physicalLocation");
          continue;
        }
        String uri = phys.getAsJsonObject("artifactLocation").get("uri").getAsString();
        if (uri.startsWith("/") || uri.contains("\\") || uri.startsWith("file:")) {
          problems.add(id + ": the artifact uri must be relative to the checkout: " + uri);
        }
        if (phys.getAsJsonObject("region").get("startLine").getAsInt() < 1) {
          problems.add(id + ": region.startLine");
        }
        if (res.has("partialFingerprints")) {
          for (var fp : res.getAsJsonObject("partialFingerprints").entrySet()) {
            if (!fp.getValue().isJsonPrimitive() || !fp.getValue().getAsJsonPrimitive().isString()) {
              problems.add(id + ": partialFingerprints values are strings");
            }
          }
        }
      }
    }
    return problems;
  }

  @Test
  void theSamplesSarif_isValid_andUploadable() throws Exception {
    // The samples module's manifests, named as a CI job in the repository root names them.
    Path root = Path.of("..");
    List<AuditFinding> findings = Auditor.audit(Inventory.fromManifests(Manifests.read(List.of(Path.of("../samples/manifests")))));
    assertThat(findings).isNotEmpty();
    String sarif = Reports.sarif(findings, root);
    assertThat(schemaErrors(sarif)).isEmpty();
    assertThat(githubProblems(sarif)).isEmpty();
    JsonObject result = JsonParser.parseString(sarif).getAsJsonObject().getAsJsonArray("runs").get(0).getAsJsonObject()
        .getAsJsonArray("results").get(0).getAsJsonObject();
    JsonObject phys = result.getAsJsonArray("locations").get(0).getAsJsonObject().getAsJsonObject("physicalLocation");
    assertThat(phys.getAsJsonObject("artifactLocation").get("uri").getAsString()).isEqualTo("samples/manifests/reports.yaml");
    assertThat(phys.getAsJsonObject("artifactLocation").get("uriBaseId").getAsString()).isEqualTo("%SRCROOT%");
    assertThat(phys.getAsJsonObject("region").get("startLine").getAsInt()).isEqualTo(3);
  }

  @Test
  void everyRule_andOddNames_stayValid(@TempDir Path dir) throws Exception {
    Path odd = Files.createDirectories(dir.resolve("a dir/ünï #1"));
    Files.writeString(odd.resolve("all: rules.yaml"), RbacChecksTest.ALL_CHECKS);
    List<AuditFinding> findings = Auditor.audit(Inventory.fromManifests(Manifests.read(List.of(odd))));
    assertThat(findings.stream().map(AuditFinding::id).collect(Collectors.toSet())).hasSizeGreaterThanOrEqualTo(10);
    String sarif = Reports.sarif(findings, dir);
    assertThat(schemaErrors(sarif)).isEmpty();
    assertThat(githubProblems(sarif)).isEmpty();
    assertThat(sarif).contains("\"uri\":\"a%20dir/%C3%BCn%C3%AF%20%231/all%3A%20rules.yaml\"");
    // Outside the working directory: an absolute file URI, still valid SARIF (GitHub would not place it).
    String outside = Reports.sarif(findings, dir.resolve("elsewhere"));
    assertThat(schemaErrors(outside)).isEmpty();
    // No findings: still a valid log with every rule.
    assertThat(schemaErrors(Reports.sarif(List.of(), dir))).isEmpty();
  }

  @Test
  void theValidatorRejects_whatGitHubWouldReject() {
    // The checks above can fail: a result without a location and a bad level are caught.
    String bad = "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"x\",\"rules\":[{\"id\":\"R\",\"helpUri\":\"https://x\","
        + "\"help\":{\"text\":\"h\"},\"shortDescription\":{\"text\":\"s\"}}]}},\"results\":[{\"ruleId\":\"R\",\"level\":\"fatal\","
        + "\"message\":{\"text\":\"m\"}}]}]}";
    assertThat(schemaErrors(bad)).isNotEmpty();
    assertThat(githubProblems(bad)).containsExactly("R: 1 to 10 locations");
  }
}
