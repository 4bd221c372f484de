package dev.saidentity.samples.auditbuild;

import dev.saidentity.audit.AuditFinding;
import dev.saidentity.audit.Auditor;
import dev.saidentity.audit.Inventory;
import dev.saidentity.audit.Manifests;
import dev.saidentity.audit.Reports;
import dev.saidentity.core.Severity;
import java.nio.file.Path;
import java.util.List;

/**
 * Sample 4: audit a folder of manifests in a build, failing it on errors (the same as
 * {@code sa-identity audit -f samples/manifests --fail-on error}).
 */
public final class AuditManifests {

  private AuditManifests() {}

  public static void main(String[] args) {
    Path folder = Path.of(args.length > 0 ? args[0] : "manifests");
    List<AuditFinding> findings = Auditor.audit(Inventory.fromManifests(Manifests.read(List.of(folder))));
    System.out.print(Reports.text(findings));
    System.exit(findings.stream().anyMatch(f -> f.severity().atLeast(Severity.ERROR)) ? 1 : 0);
  }

  /** The findings of a folder (used by the build's test). */
  static List<AuditFinding> audit(Path folder) {
    return Auditor.audit(Inventory.fromManifests(Manifests.read(List.of(folder))));
  }
}
