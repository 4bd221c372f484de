package dev.saidentity.cli;

import dev.saidentity.audit.AuditFinding;
import dev.saidentity.audit.Auditor;
import dev.saidentity.audit.ClusterInventory;
import dev.saidentity.audit.Inventory;
import dev.saidentity.audit.KubeObject;
import dev.saidentity.audit.ManifestException;
import dev.saidentity.audit.Manifests;
import dev.saidentity.audit.Reports;
import dev.saidentity.core.Severity;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sa-identity audit}: ServiceAccount hygiene of manifests or a cluster. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Audit manifests (-f, repeatable: files or directories of YAML/JSON, - for standard input) or a live cluster (--cluster)",
      "for ServiceAccount hygiene and RBAC: SAI-001..SAI-017. Exit 1 when a finding reaches --fail-on, else 0. Exit 2 with one",
      "line naming the file (and line:column): a missing or unreadable file, broken YAML, an object over 3 MiB or 1,000,000 nodes",
      "(aliases counted) or 100 levels, duplicate keys, input over 64 MiB or 100,000 objects, a directory with no manifest or",
      "with an entry that is not a regular file, or no object at all. Notes on what was skipped on purpose (Helm charts,",
      "kustomize patches, '..' entries of ConfigMap mounts) go to standard error."
    })
final class AuditCommand implements Callable<Integer> {

  @Spec
  @Nullable CommandSpec spec;

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE_OR_DIR", description = "A manifest file or directory, or - for standard input (repeatable).")
  List<Path> files = new ArrayList<>();

  @Option(names = "--cluster", description = "Audit the cluster of the kubeconfig (paged lists).")
  boolean cluster;

  @Option(names = "--kubeconfig", paramLabel = "F", description = "The kubeconfig for --cluster (default: $KUBECONFIG, ~/.kube/config, in-cluster).")
  @Nullable Path kubeconfig;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = {"With --cluster: only this namespace (default: all).",
      "With -f: the namespace of objects that have none, as kubectl apply -n (default: unset; such objects are matched only with",
      "objects of the same file)."})
  @Nullable String namespace;

  @Option(names = "--format", paramLabel = "FORMAT", description = "text, json or sarif (default: ${DEFAULT-VALUE}).", defaultValue = "text")
  String format = "text";

  @Option(names = "--fail-on", paramLabel = "SEVERITY", description = "info, warning or error (default: ${DEFAULT-VALUE}).", defaultValue = "error")
  String failOn = "error";

  /** Standard input, for {@code -f -}. */
  InputStream stdin = System.in;

  @Override
  public Integer call() {
    CommandSpec s = Objects.requireNonNull(spec);
    if (cluster == !files.isEmpty()) {
      throw new ParameterException(s.commandLine(), "give either -f FILE_OR_DIR (repeatable) or --cluster");
    }
    if (!List.of("text", "json", "sarif").contains(format)) {
      throw new ParameterException(s.commandLine(), "--format must be text, json or sarif, got '" + format + "'");
    }
    Severity threshold;
    try {
      threshold = Severity.of(failOn);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(s.commandLine(), "--fail-on " + e.getMessage());
    }
    Inventory inv;
    if (cluster) {
      Kube kube;
      try {
        kube = Kube.connect(kubeconfig);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(s.commandLine(), e.getMessage());
      }
      try {
        inv = ClusterInventory.load(kube.client, namespace);
      } catch (RuntimeException e) {
        // Not audited: 2, never 1, which means "a finding reached --fail-on".
        s.commandLine().getErr().println("sa-identity audit: " + (e instanceof IllegalStateException ? e.getMessage()
            : "listing the cluster failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        return Main.EXIT_USAGE;
      }
    } else {
      if (namespace != null && namespace.isEmpty()) {
        throw new ParameterException(s.commandLine(), "--namespace must not be empty");
      }
      List<KubeObject> objects;
      try {
        Manifests.Read read = Manifests.read(files, stdin);
        for (String note : read.notes()) {
          s.commandLine().getErr().println("sa-identity audit: note: " + note);
        }
        objects = read.objects();
      } catch (ManifestException e) {
        s.commandLine().getErr().println(e.getMessage());
        return Main.EXIT_USAGE;
      }
      if (objects.isEmpty()) {
        // kubectl says "no objects passed to apply": an empty input must not pass as a clean audit.
        s.commandLine().getErr().println("sa-identity audit: no objects in the manifests ("
            + String.join(", ", files.stream().map(Path::toString).toList()) + "): nothing was audited");
        return Main.EXIT_USAGE;
      }
      inv = namespace == null ? Inventory.fromManifests(objects) : Inventory.fromManifests(objects, namespace);
    }
    List<AuditFinding> findings = Auditor.audit(inv);
    switch (format) {
      case "json":
        s.commandLine().getOut().println(Reports.json(findings));
        break;
      case "sarif":
        s.commandLine().getOut().println(Reports.sarif(findings));
        break;
      default:
        s.commandLine().getOut().print(Reports.text(findings));
        s.commandLine().getOut().flush();
    }
    return findings.stream().anyMatch(f -> f.severity().atLeast(threshold)) ? Main.EXIT_INVALID : 0;
  }
}
