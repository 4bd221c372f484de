package dev.saidentity.cli;

import com.google.gson.stream.JsonWriter;
import dev.saidentity.core.Finding;
import dev.saidentity.core.SelfCheck;
import dev.saidentity.core.Severity;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.tokenrequest.InClusterClient;
import dev.saidentity.tokenrequest.OnlineSelfCheck;
import dev.saidentity.tokenrequest.ProjectedTokenFile;
import dev.saidentity.tokenrequest.TokenAuthentication;
import dev.saidentity.tokenrequest.TokenRequestException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sa-identity whoami}: the pod's identity self-check. */
@Command(
    name = "whoami",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Check this pod's ServiceAccount identity: the mount, the token (kind, expiry, staleness), and, online, the API server's view and",
      "permissions. Findings SAI-101..SAI-111. Exit 0 when no finding reaches --fail-on, 1 otherwise, 2 on usage errors.",
      "Suitable as an init container or startup probe."
    })
final class WhoamiCommand implements Callable<Integer> {

  @Spec
  @Nullable CommandSpec spec;

  @Option(names = "--mount", paramLabel = "DIR", description = "The ServiceAccount volume (default: ${DEFAULT-VALUE}).",
      defaultValue = SelfCheck.DEFAULT_MOUNT)
  Path mount = Path.of(SelfCheck.DEFAULT_MOUNT);

  @Option(names = "--offline", description = "Skip the checks that ask the API server.")
  boolean offline;

  @Option(names = "--kubeconfig", paramLabel = "F", description = "Reach the API server as this kubeconfig says (server, CA), with the mount's token.")
  @Nullable Path kubeconfig;

  @Option(names = "--format", paramLabel = "FORMAT", description = "text or json (default: ${DEFAULT-VALUE}).", defaultValue = "text")
  String format = "text";

  @Option(names = "--fail-on", paramLabel = "SEVERITY", description = "info, warning or error (default: ${DEFAULT-VALUE}).", defaultValue = "error")
  String failOn = "error";

  /** Seams for tests and the demo. */
  Map<String, String> env = System.getenv();
  Clock clock = Clock.systemUTC();

  @Override
  public Integer call() throws Exception {
    CommandSpec s = Objects.requireNonNull(spec);
    Severity threshold;
    try {
      threshold = Severity.of(failOn);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(s.commandLine(), "--fail-on " + e.getMessage());
    }
    if (!format.equals("text") && !format.equals("json")) {
      throw new ParameterException(s.commandLine(), "--format must be text or json, got '" + format + "'");
    }
    SelfCheck.Report report = SelfCheck.run(mount, env, clock);
    List<Finding> findings = new ArrayList<>(report.findings());
    List<String> permissions = null;
    boolean mountUnusable = findings.stream().anyMatch(f -> f.id().equals("SAI-101"));
    if (!offline && mountUnusable && kubeconfig == null) {
      // The in-cluster client would read the mount's ca.crt and namespace again, without SelfCheck's caps.
      s.commandLine().getErr().println("sa-identity whoami: online checks skipped: the mount is unusable (SAI-101)");
    } else if (!offline && report.token().isPresent()) {
      ApiClient client = onlineClient(s);
      if (client != null) {
        try {
          OnlineSelfCheck.Result online = OnlineSelfCheck.check(client, report.token().get());
          findings.addAll(online.findings());
          permissions = online.permissions();
        } catch (TokenRequestException | IllegalStateException e) {
          s.commandLine().getErr().println("sa-identity whoami: online checks skipped: " + e.getMessage());
        }
      }
    }
    findings.sort(Comparator.comparing(Finding::id));
    print(s.commandLine().getOut(), report.token().orElse(null), findings, permissions);
    return findings.stream().anyMatch(f -> f.severity().atLeast(threshold)) ? Main.EXIT_INVALID : 0;
  }

  private @Nullable ApiClient onlineClient(CommandSpec s) {
    TokenAuthentication auth = new TokenAuthentication(ProjectedTokenFile.of(mount.resolve("token"), clock, ProjectedTokenFile.DEFAULT_MAX_AGE));
    if (kubeconfig != null) {
      byte[] bytes;
      try {
        bytes = Kube.readKubeconfig(kubeconfig);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(s.commandLine(), e.getMessage());
      }
      try (Reader r = new StringReader(new String(bytes, StandardCharsets.UTF_8))) {
        KubeConfig kc = KubeConfig.loadKubeConfig(r);
        kc.setFile(kubeconfig.toAbsolutePath().toFile());
        ApiClient c = ClientBuilder.kubeconfig(kc).build();
        auth.provide(c);
        return c;
      } catch (java.io.IOException | RuntimeException e) {
        throw new ParameterException(s.commandLine(), "cannot use the kubeconfig " + kubeconfig + ": " + e.getClass().getSimpleName());
      }
    }
    try {
      return InClusterClient.builder().mount(mount).environment(env).build();
    } catch (IllegalStateException notInCluster) {
      return null; // SAI-108 says so
    }
  }

  private void print(PrintWriter out, @Nullable UnverifiedToken t, List<Finding> findings, @Nullable List<String> permissions)
      throws java.io.IOException {
    if (format.equals("json")) {
      StringWriter sw = new StringWriter();
      JsonWriter w = TokenJson.writer(sw);
      w.beginObject().name("identity");
      if (t == null) {
        w.nullValue();
      } else {
        w.beginObject();
        TokenJson.writeToken(w, t);
        w.endObject();
      }
      w.name("findings").beginArray();
      for (Finding f : findings) {
        w.beginObject().name("id").value(f.id()).name("severity").value(f.severity().label()).name("message").value(f.message())
            .name("remedy").value(f.remedy()).endObject();
      }
      w.endArray().endObject();
      w.flush();
      out.println(sw);
      return;
    }
    if (t == null) {
      out.println("identity: unknown (no readable token)");
    } else {
      out.println("identity:   " + t.serviceAccount() + " (" + t.kind().name().toLowerCase(java.util.Locale.ROOT) + " token "
          + t.fingerprint() + ")");
      t.pod().ifPresent(p -> out.println("pod:        " + p.name() + p.uid().map(u -> " (uid " + u + ")").orElse("")));
      t.node().ifPresent(n -> out.println("node:       " + n.name()));
      out.println("issued:     " + t.issuedAt().map(Object::toString).orElse("-"));
      out.println("expires:    " + t.expiresAt().map(Object::toString).orElse("never"));
      out.println("stale after: " + t.warnAfter().map(Object::toString).orElse("-"));
      out.println("audiences:  " + t.audiences());
    }
    if (permissions != null) {
      out.println("permissions (SelfSubjectRulesReview, " + permissions.size() + " rules):");
      permissions.forEach(p -> out.println("  " + p));
    }
    if (findings.isEmpty()) {
      out.println("no findings");
    }
    for (Finding f : findings) {
      out.println(f.id() + " " + f.severity().label() + ": " + f.message());
      out.println("    remedy: " + f.remedy());
    }
  }
}
