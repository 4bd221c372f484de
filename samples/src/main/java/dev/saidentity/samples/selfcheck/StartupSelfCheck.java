package dev.saidentity.samples.selfcheck;

import dev.saidentity.core.Finding;
import dev.saidentity.core.SelfCheck;
import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.Severity;
import dev.saidentity.testing.FakeKubernetesApiServer;
import dev.saidentity.testing.FakePodMount;
import dev.saidentity.tokenrequest.InClusterClient;
import dev.saidentity.tokenrequest.OnlineSelfCheck;
import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sample 2: a startup self-check in an application. Before serving, check the pod's identity
 * (offline: mount, token, staleness; online: the API server's view and permissions) and refuse to
 * start on an error. Runs against the embedded fake cluster and a fake pod mount.
 */
public final class StartupSelfCheck {

  private StartupSelfCheck() {}

  public static void main(String[] args) throws Exception {
    System.exit(run() ? 0 : 1);
  }

  /** The check an application would run at start-up: true when it may start. */
  static boolean check(Path mount, Map<String, String> env) {
    SelfCheck.Report report = SelfCheck.run(mount, env, Clock.systemUTC());
    List<Finding> findings = new ArrayList<>(report.findings());
    if (report.token().isPresent()) {
      ApiClient client = InClusterClient.builder().mount(mount).environment(env).build();
      findings.addAll(OnlineSelfCheck.run(client, report.token().get()));
    }
    findings.forEach(f -> System.out.println("  " + f.id() + " " + f.severity().label() + ": " + f.message()));
    boolean ok = findings.stream().noneMatch(f -> f.severity() == Severity.ERROR);
    System.out.println("  -> " + (ok ? "start" : "refuse to start"));
    return ok;
  }

  static boolean run() throws Exception {
    Path dir = Files.createTempDirectory("sample-selfcheck-");
    try (FakeKubernetesApiServer cluster = FakeKubernetesApiServer.builder().tls(true).start()) {
      cluster.createServiceAccount("default", "billing");
      String podUid = cluster.createPod("default", "billing-1", "billing", null);
      ServiceAccount sa = cluster.serviceAccount("default", "billing").orElseThrow();
      Map<String, String> env = Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1", "KUBERNETES_SERVICE_PORT", Integer.toString(cluster.port()));
      boolean healthy;
      boolean broken;
      try (FakePodMount mount = FakePodMount.projected(dir, "default",
          cluster.issuer().projected(sa).boundToPod("billing-1", podUid).kubeletExtended().mint(), cluster.caCertificatePem())) {
        System.out.println("healthy pod:");
        healthy = check(mount.path(), env);
        mount.namespace("elsewhere");
        System.out.println("a mount whose namespace file disagrees with its token:");
        broken = check(mount.path(), env);
      }
      return healthy && !broken;
    } finally {
      Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
