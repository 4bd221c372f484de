package dev.saidentity.audit;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.saidentity.core.Severity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Audit findings as text, JSON or SARIF 2.1.0, each as one string (JSON and SARIF compact, on one
 * line). Stateless; thread-safe.
 */
public final class Reports {

  /** One line per rule: id, severity, short description (the SARIF rules). */
  static final Map<String, String[]> RULES = new LinkedHashMap<>();

  static {
    rule("SAI-001", "warning", "Workload runs as the default ServiceAccount with a token automounted");
    rule("SAI-002", "info", "Token automounted only by default");
    rule("SAI-003", "warning", "A legacy token Secret exists");
    rule("SAI-004", "error", "A workload mounts a legacy token Secret");
    rule("SAI-005", "warning", "A legacy token Secret names a ServiceAccount that does not exist");
    rule("SAI-006", "error", "A binding grants a role to a default ServiceAccount");
    rule("SAI-007", "error", "A binding grants to all ServiceAccounts (system:serviceaccounts)");
    rule("SAI-008", "warning", "A projected ServiceAccount token asks for more than 24 h");
    rule("SAI-009", "error", "A workload names a ServiceAccount that does not exist");
    rule("SAI-010", "info", "A ServiceAccount leaves automountServiceAccountToken unset");
    rule("SAI-011", "error", "cluster-admin is bound to a ServiceAccount");
    rule("SAI-012", "info", "A pod uses the deprecated serviceAccount field");
  }

  private static void rule(String id, String severity, String text) {
    RULES.put(id, new String[] {severity, text});
  }

  private Reports() {}

  /** {@code {"findings":[{"id","severity","resource":{"kind","namespace","name"},"message","remedy"}]}}, compact JSON. */
  public static String json(List<AuditFinding> findings) {
    return jsonTree(findings).toString();
  }

  private static JsonObject jsonTree(List<AuditFinding> findings) {
    JsonArray a = new JsonArray();
    for (AuditFinding f : findings) {
      JsonObject o = new JsonObject();
      o.addProperty("id", f.id());
      o.addProperty("severity", f.severity().label());
      JsonObject r = new JsonObject();
      r.addProperty("kind", f.resource().kind());
      r.addProperty("namespace", f.resource().namespace());
      r.addProperty("name", f.resource().name());
      o.add("resource", r);
      o.addProperty("message", f.message());
      o.addProperty("remedy", f.remedy());
      a.add(o);
    }
    JsonObject out = new JsonObject();
    out.add("findings", a);
    return out;
  }

  /** SARIF 2.1.0, compact JSON: one run, one rule per id, one result per finding (location: the resource as a logical location). */
  public static String sarif(List<AuditFinding> findings) {
    return sarifTree(findings).toString();
  }

  private static JsonObject sarifTree(List<AuditFinding> findings) {
    JsonArray rules = new JsonArray();
    for (Map.Entry<String, String[]> e : RULES.entrySet()) {
      JsonObject r = new JsonObject();
      r.addProperty("id", e.getKey());
      r.addProperty("name", e.getKey());
      JsonObject sd = new JsonObject();
      sd.addProperty("text", e.getValue()[1]);
      r.add("shortDescription", sd);
      JsonObject conf = new JsonObject();
      conf.addProperty("level", level(Severity.of(e.getValue()[0])));
      r.add("defaultConfiguration", conf);
      rules.add(r);
    }
    JsonArray results = new JsonArray();
    for (AuditFinding f : findings) {
      JsonObject res = new JsonObject();
      res.addProperty("ruleId", f.id());
      res.addProperty("level", level(f.severity()));
      JsonObject msg = new JsonObject();
      msg.addProperty("text", f.message() + " Remedy: " + f.remedy());
      res.add("message", msg);
      JsonObject logical = new JsonObject();
      String fq = f.resource().kind() + "/" + (f.resource().namespace().isEmpty() ? "" : f.resource().namespace() + "/") + f.resource().name();
      logical.addProperty("fullyQualifiedName", fq);
      logical.addProperty("kind", "resource");
      JsonArray logicals = new JsonArray();
      logicals.add(logical);
      JsonObject loc = new JsonObject();
      loc.add("logicalLocations", logicals);
      JsonArray locs = new JsonArray();
      locs.add(loc);
      res.add("locations", locs);
      results.add(res);
    }
    JsonObject driver = new JsonObject();
    driver.addProperty("name", "sa-identity");
    driver.addProperty("informationUri", "https://github.com/sa-identity/sa-identity");
    driver.add("rules", rules);
    JsonObject tool = new JsonObject();
    tool.add("driver", driver);
    JsonObject run = new JsonObject();
    run.add("tool", tool);
    run.add("results", results);
    JsonArray runs = new JsonArray();
    runs.add(run);
    JsonObject out = new JsonObject();
    out.addProperty("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    out.addProperty("version", "2.1.0");
    out.add("runs", runs);
    return out;
  }

  private static String level(Severity s) {
    return s == Severity.ERROR ? "error" : s == Severity.WARNING ? "warning" : "note";
  }

  /** One line per finding, then a summary line. */
  public static String text(List<AuditFinding> findings) {
    StringBuilder sb = new StringBuilder();
    for (AuditFinding f : findings) {
      sb.append(f.id()).append(' ').append(String.format("%-7s", f.severity().label())).append(' ')
          .append(f.resource().kind()).append(' ').append(f.resource().namespace().isEmpty() ? "" : f.resource().namespace() + "/")
          .append(f.resource().name()).append(": ").append(f.message()).append("\n    remedy: ").append(f.remedy()).append('\n');
    }
    long e = findings.stream().filter(f -> f.severity() == Severity.ERROR).count();
    long w = findings.stream().filter(f -> f.severity() == Severity.WARNING).count();
    long i = findings.size() - e - w;
    sb.append(findings.size()).append(" findings: ").append(e).append(" error, ").append(w).append(" warning, ").append(i).append(" info\n");
    return sb.toString();
  }
}
