package dev.saidentity.audit;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.saidentity.core.Severity;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Audit findings as text, JSON or SARIF 2.1.0, each as one string (JSON and SARIF compact, on one
 * line). Each finding names where its resource was read, when it was read from a file: text as
 * {@code file:line}, JSON as {@code file} and {@code line}, SARIF as a physical location in the form
 * GitHub code scanning accepts. Stateless; thread-safe.
 */
public final class Reports {

  /** Where each rule is documented. */
  static final String HELP_URI = "https://github.com/sa-identity/sa-identity/blob/main/README.md#audit-checks";

  /** One rule per id: severity, short description, remedy (the SARIF rules). */
  static final Map<String, String[]> RULES = new LinkedHashMap<>();

  static {
    rule("SAI-001", "warning", "Workload runs as the default ServiceAccount with a token automounted",
        "Give the workload its own ServiceAccount, or set automountServiceAccountToken: false.");
    rule("SAI-002", "info", "Token automounted only by default (its ServiceAccount is not in the input)",
        "Set automountServiceAccountToken explicitly on the pod or on its ServiceAccount: false unless the workload calls the API.");
    rule("SAI-003", "warning", "A legacy token Secret exists", "Move its users to projected tokens (TokenRequest) and delete the Secret.");
    rule("SAI-004", "error", "A workload mounts a legacy token Secret", "Mount a projected serviceAccountToken instead and delete the Secret.");
    rule("SAI-005", "warning", "A legacy token Secret names a ServiceAccount that does not exist", "Delete the orphaned token Secret.");
    rule("SAI-006", "error", "A binding grants a role to a default ServiceAccount", "Bind the role to a dedicated ServiceAccount instead.");
    rule("SAI-007", "error", "A binding grants to all ServiceAccounts (system:serviceaccounts)", "Bind the role to the ServiceAccounts that need it.");
    rule("SAI-008", "warning", "A projected ServiceAccount token asks for more than 24 h", "Ask for at most 86400 s; the kubelet refreshes it.");
    rule("SAI-009", "error", "A workload names a ServiceAccount that does not exist", "Create the ServiceAccount or fix spec.serviceAccountName.");
    rule("SAI-010", "info", "A ServiceAccount leaves automountServiceAccountToken unset",
        "Set automountServiceAccountToken: false on the ServiceAccount and true only on pods that call the API.");
    rule("SAI-011", "error", "cluster-admin, or a role granting what it grants, is bound to ServiceAccounts",
        "Grant a least-privilege Role instead of cluster-admin.");
    rule("SAI-012", "info", "A pod uses the deprecated serviceAccount field", "Use spec.serviceAccountName.");
    rule("SAI-013", "warning", "A role bound to ServiceAccounts grants wildcard verbs, resources or API groups",
        "List the verbs, resources and API groups the ServiceAccount needs.");
    rule("SAI-014", "warning", "ServiceAccounts may read Secrets cluster-wide",
        "Grant Secret access through RoleBindings in the namespaces that need it, with resourceNames where possible.");
    rule("SAI-015", "warning", "ServiceAccounts may create pods or exec into them",
        "Keep pod creation and exec to the controllers and people that need them.");
    rule("SAI-016", "error", "ServiceAccounts may bind or escalate roles, or impersonate",
        "Remove bind, escalate and impersonate; grant the permissions themselves.");
    rule("SAI-017", "warning", "ServiceAccounts may create tokens of ServiceAccounts (serviceaccounts/token)",
        "Let each workload use its own projected token; keep serviceaccounts/token to the components that need it.");
  }

  private static void rule(String id, String severity, String text, String remedy) {
    RULES.put(id, new String[] {severity, text, remedy});
  }

  private Reports() {}

  /**
   * {@code {"findings":[{"id","severity","resource":{"kind","namespace","name"},"message","remedy","file","line"}]}},
   * compact JSON; {@code file} and {@code line} only for findings with a location.
   */
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
      f.location().ifPresent(l -> {
        o.addProperty("file", l.file());
        o.addProperty("line", l.line());
      });
      a.add(o);
    }
    JsonObject out = new JsonObject();
    out.add("findings", a);
    return out;
  }

  /** SARIF 2.1.0 as {@link #sarif(List, Path)} writes it, file URIs relative to the current directory. */
  public static String sarif(List<AuditFinding> findings) {
    return sarif(findings, Path.of("").toAbsolutePath());
  }

  /**
   * SARIF 2.1.0, compact JSON: one run, one rule per id (with {@code help} and {@code helpUri}), one
   * result per finding. A finding read from a file has a physical location: its {@code uri} relative
   * to {@code sourceRoot} (the checkout's root in CI; files named relative are taken relative to the
   * current directory) (with {@code uriBaseId} {@code %SRCROOT%}, as GitHub code scanning
   * expects of a checkout; the report names no absolute path of the machine, so it is reproducible;
   * a file outside {@code sourceRoot} as an absolute {@code file:} URI) and {@code region.startLine}; every
   * result also names the resource as a logical location and carries a partial fingerprint of its
   * id and resource, so that an alert survives lines moving. Standard input has no physical location.
   *
   * @throws NullPointerException when an argument is null
   */
  public static String sarif(List<AuditFinding> findings, Path sourceRoot) {
    return sarifTree(findings, Objects.requireNonNull(sourceRoot, "sourceRoot").toAbsolutePath().normalize()).toString();
  }

  private static JsonObject sarifTree(List<AuditFinding> findings, Path cwd) {
    JsonArray rules = new JsonArray();
    for (Map.Entry<String, String[]> e : RULES.entrySet()) {
      JsonObject r = new JsonObject();
      r.addProperty("id", e.getKey());
      r.addProperty("name", e.getKey());
      r.add("shortDescription", text(e.getValue()[1]));
      r.add("fullDescription", text(e.getValue()[1] + "."));
      r.addProperty("helpUri", HELP_URI);
      JsonObject help = text(e.getValue()[2]);
      help.addProperty("markdown", "**" + e.getKey() + "**: " + e.getValue()[1] + ". " + e.getValue()[2] + " See [the checks](" + HELP_URI + ").");
      r.add("help", help);
      JsonObject conf = new JsonObject();
      conf.addProperty("level", level(Severity.of(e.getValue()[0])));
      r.add("defaultConfiguration", conf);
      JsonObject props = new JsonObject();
      JsonArray tags = new JsonArray();
      tags.add("security");
      tags.add("kubernetes");
      props.add("tags", tags);
      props.addProperty("security-severity", securitySeverity(Severity.of(e.getValue()[0])));
      r.add("properties", props);
      rules.add(r);
    }
    JsonArray results = new JsonArray();
    for (AuditFinding f : findings) {
      JsonObject res = new JsonObject();
      res.addProperty("ruleId", f.id());
      res.addProperty("level", level(f.severity()));
      res.add("message", text(f.message() + ". Remedy: " + f.remedy() + "."));
      String fq = f.resource().kind() + "/" + (f.resource().namespace().isEmpty() ? "" : f.resource().namespace() + "/") + f.resource().name();
      JsonObject loc = new JsonObject();
      physical(f.location(), cwd).ifPresent(p -> loc.add("physicalLocation", p));
      JsonObject logical = new JsonObject();
      logical.addProperty("fullyQualifiedName", fq);
      logical.addProperty("kind", "resource");
      JsonArray logicals = new JsonArray();
      logicals.add(logical);
      loc.add("logicalLocations", logicals);
      JsonArray locs = new JsonArray();
      locs.add(loc);
      res.add("locations", locs);
      JsonObject fp = new JsonObject();
      fp.addProperty("saiResource/v1", sha256(f.id() + "\n" + fq));
      res.add("partialFingerprints", fp);
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

  /** The physical location of a file read, or empty for standard input and paths that are not files. */
  private static Optional<JsonObject> physical(Optional<Location> location, Path cwd) {
    if (location.isEmpty() || location.get().file().equals(Manifests.STDIN)) {
      return Optional.empty();
    }
    Path file;
    try {
      file = Path.of(location.get().file());
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
    Path abs = file.toAbsolutePath().normalize();
    JsonObject artifact = new JsonObject();
    if (abs.startsWith(cwd)) {
      artifact.addProperty("uri", relativeUri(cwd.relativize(abs)));
      artifact.addProperty("uriBaseId", "%SRCROOT%");
    } else {
      artifact.addProperty("uri", abs.toUri().toString());
    }
    JsonObject region = new JsonObject();
    region.addProperty("startLine", location.get().line());
    JsonObject physical = new JsonObject();
    physical.add("artifactLocation", artifact);
    physical.add("region", region);
    return Optional.of(physical);
  }

  /** A relative path as a relative URI reference: segments joined by '/', each byte but RFC 3986's unreserved ones and sub-delims percent-encoded. */
  private static String relativeUri(Path relative) {
    StringBuilder sb = new StringBuilder();
    for (Path segment : relative) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      for (byte b : segment.toString().getBytes(StandardCharsets.UTF_8)) {
        int c = b & 0xFF;
        if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=@".indexOf(c) >= 0)) {
          sb.append((char) c);
        } else {
          sb.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 15));
        }
      }
    }
    return sb.toString();
  }

  private static final String HEX = "0123456789ABCDEF";

  private static JsonObject text(String s) {
    JsonObject o = new JsonObject();
    o.addProperty("text", s);
    return o;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String level(Severity s) {
    return s == Severity.ERROR ? "error" : s == Severity.WARNING ? "warning" : "note";
  }

  /** GitHub's security-severity: 7.0 and up is high, 4.0 to 6.9 medium, below 4.0 low. */
  private static String securitySeverity(Severity s) {
    return s == Severity.ERROR ? "8.0" : s == Severity.WARNING ? "5.0" : "2.0";
  }

  /** One line per finding ({@code file:line: } first when it was read from a file), then a summary line. */
  public static String text(List<AuditFinding> findings) {
    StringBuilder sb = new StringBuilder();
    for (AuditFinding f : findings) {
      f.location().ifPresent(l -> sb.append(l).append(": "));
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
