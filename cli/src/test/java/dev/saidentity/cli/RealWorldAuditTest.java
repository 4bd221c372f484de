package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.audit.KubeObject;
import dev.saidentity.audit.Manifests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The audit over published install manifests of widely used projects ({@code ../shared/audit-realworld}
 * beside the project; skipped, with a message, where that folder is absent). Per file: it parses,
 * the exit code, and exactly the findings judged true by hand (each "ID Kind name"); the verdicts are
 * in the README's table. Also the variants users make of them: a 3.8 MB List export, UTF-16, CRLF
 * with a byte-order mark, one file per object with a kustomization.
 */
class RealWorldAuditTest extends CliRunner {

  private static Path corpus;

  @BeforeAll
  static void findCorpus() {
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.exists(root.resolve("mvnw"))) {
      root = root.getParent();
    }
    corpus = root == null ? Path.of("../shared/audit-realworld") : root.resolve("../shared/audit-realworld").normalize();
    if (!Files.isDirectory(corpus.resolve("manifests"))) {
      System.err.println("RealWorldAuditTest: SKIPPED, " + corpus + " is absent (the real-world manifests live beside the project)");
    }
    assumeTrue(Files.isDirectory(corpus.resolve("manifests")), corpus + " is absent: the real-world audit is skipped");
  }

  /** The findings as "ID Kind name" (sorted) and the exit code, from the JSON report. */
  private List<String> audit(int expectedExit, String... args) {
    List<String> all = new ArrayList<>(List.of("audit", "--format", "json", "--fail-on", "error"));
    all.addAll(List.of(args));
    int code = run(all.toArray(new String[0]));
    assertThat(code).as(String.join(" ", args) + ": " + err).isEqualTo(expectedExit);
    TreeSet<String> ids = new TreeSet<>();
    List<String> out1 = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(out).getAsJsonObject().getAsJsonArray("findings")) {
      JsonObject f = e.getAsJsonObject();
      JsonObject r = f.getAsJsonObject("resource");
      out1.add(f.get("id").getAsString() + " " + r.get("kind").getAsString() + " " + r.get("name").getAsString());
      ids.add(f.get("id").getAsString());
      assertThat(f.get("line").getAsInt()).isPositive();
      assertThat(f.get("file").getAsString()).isNotEmpty();
    }
    out1.sort(null);
    return out1;
  }

  private String m(String file) {
    return corpus.resolve("manifests").resolve(file).toString();
  }

  /** Findings judged true, per file; every other finding would be false (none is). */
  static final Map<String, List<String>> TRUE = new LinkedHashMap<>();

  static {
    TRUE.put("argo-cd.yaml", List.of("SAI-010 ServiceAccount argocd-application-controller", "SAI-010 ServiceAccount argocd-applicationset-controller",
        "SAI-010 ServiceAccount argocd-dex-server", "SAI-010 ServiceAccount argocd-notifications-controller", "SAI-010 ServiceAccount argocd-redis",
        "SAI-010 ServiceAccount argocd-repo-server", "SAI-010 ServiceAccount argocd-server",
        "SAI-011 ClusterRoleBinding argocd-application-controller", "SAI-013 ClusterRoleBinding argocd-server",
        "SAI-014 ClusterRoleBinding argocd-applicationset-controller", "SAI-014 ClusterRoleBinding argocd-server"));
    TRUE.put("argo-workflows.yaml", List.of("SAI-003 Secret default.service-account-token", "SAI-003 Secret github.com.service-account-token",
        "SAI-006 RoleBinding agent-default", "SAI-006 RoleBinding artifactgc-default", "SAI-006 RoleBinding executor-default",
        "SAI-006 RoleBinding pod-manager-default", "SAI-006 RoleBinding workflow-manager-default", "SAI-010 ServiceAccount argo",
        "SAI-010 ServiceAccount argo-server", "SAI-010 ServiceAccount github.com", "SAI-015 RoleBinding pod-manager-default"));
    TRUE.put("calico-apiserver.yaml", List.of("SAI-010 ServiceAccount calico-apiserver"));
    TRUE.put("calico.yaml", List.of("SAI-010 ServiceAccount calico-cni-plugin", "SAI-010 ServiceAccount calico-kube-controllers",
        "SAI-010 ServiceAccount calico-node", "SAI-013 ClusterRoleBinding calico-kube-controllers", "SAI-017 ClusterRoleBinding calico-node"));
    TRUE.put("dashboard-admin-user.yaml", List.of("SAI-003 Secret admin-user", "SAI-010 ServiceAccount admin-user",
        "SAI-011 ClusterRoleBinding admin-user"));
    TRUE.put("dashboard.yaml", List.of("SAI-010 ServiceAccount kubernetes-dashboard"));
    TRUE.put("external-dns.yaml", List.of("SAI-010 ServiceAccount external-dns"));
    TRUE.put("guestbook.yaml", List.of("SAI-001 Deployment frontend", "SAI-001 Deployment redis-master", "SAI-001 Deployment redis-replica"));
    TRUE.put("ingress-nginx.yaml", List.of("SAI-014 ClusterRoleBinding ingress-nginx"));
    TRUE.put("kube-prometheus.yaml", List.of("SAI-013 ClusterRoleBinding prometheus-operator", "SAI-014 ClusterRoleBinding kube-state-metrics",
        "SAI-014 ClusterRoleBinding prometheus-operator"));
    TRUE.put("kube-state-metrics.yaml", List.of("SAI-014 ClusterRoleBinding kube-state-metrics"));
    TRUE.put("metallb.yaml", List.of("SAI-010 ServiceAccount controller", "SAI-010 ServiceAccount speaker",
        "SAI-013 ClusterRoleBinding metallb-system:speaker", "SAI-013 RoleBinding pod-lister"));
    TRUE.put("metrics-server.yaml", List.of("SAI-010 ServiceAccount metrics-server"));
  }

  private static int exitOf(List<String> findings) {
    return findings.stream().anyMatch(f -> Stream.of("SAI-004", "SAI-006", "SAI-007", "SAI-009", "SAI-011", "SAI-016").anyMatch(f::startsWith)) ? 1 : 0;
  }

  @Test
  void eachFile_parses_andHasExactlyTheFindingsJudgedTrue() throws Exception {
    try (Stream<Path> files = Files.list(corpus.resolve("manifests"))) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactlyElementsOf(new TreeSet<>(TRUE.keySet()));
    }
    for (Map.Entry<String, List<String>> e : TRUE.entrySet()) {
      List<String> expected = new ArrayList<>(e.getValue());
      expected.sort(null);
      assertThat(audit(exitOf(expected), "-f", m(e.getKey()))).as(e.getKey()).isEqualTo(expected);
    }
  }

  @Test
  void theFolder_isTheUnionOfItsFiles_noInstallLeaksIntoAnother() {
    // external-dns has no namespace, as Argo CD: audited together, no false SAI-009 (each file's objects stay apart).
    List<String> all = new ArrayList<>();
    TRUE.values().forEach(all::addAll);
    all.sort(null);
    assertThat(audit(1, "-f", corpus.resolve("manifests").toString())).isEqualTo(all);
    assertThat(audit(1, "-f", m("external-dns.yaml"), "-f", m("argo-cd.yaml")).stream().filter(f -> f.startsWith("SAI-009"))).isEmpty();
  }

  @Test
  void theHardeningOverlay_appliesWhereKubectlWouldPutItBeside() {
    Path overlay = corpus.resolve("overlay/rke2-default-sa.yaml");
    // Without -n each file's objects keep their own (unset) namespace: the overlay's default ServiceAccount is not the guestbook's.
    assertThat(audit(0, "-f", m("guestbook.yaml"), "-f", overlay.toString())).containsExactlyElementsOf(TRUE.get("guestbook.yaml"));
    // kubectl apply -n default -f guestbook.yaml -f rke2-default-sa.yaml: one namespace, the token is not mounted.
    assertThat(audit(0, "-n", "default", "-f", m("guestbook.yaml"), "-f", overlay.toString())).isEmpty();
  }

  @Test
  void aListExportOf3_8MB_utf16_crlfWithAMark_andAKustomizedSplit_auditAsTheirSources(@TempDir Path dir) throws Exception {
    // kubectl get -o yaml of Argo CD, Calico, kube-prometheus (its dashboards' ConfigMapList left out) and the admin user.
    List<Object> items = new ArrayList<>();
    for (String f : List.of("argo-cd.yaml", "calico.yaml", "kube-prometheus.yaml", "dashboard-admin-user.yaml")) {
      for (KubeObject o : Manifests.read(List.of(Path.of(m(f))))) {
        if (!(f.startsWith("kube-prometheus") && o.kind().equals("ConfigMap") && o.name().startsWith("grafana-dashboard-"))) {
          items.add(o.fields());
        }
      }
    }
    DumperOptions opts = new DumperOptions();
    opts.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    opts.setWidth(Integer.MAX_VALUE);
    Map<String, Object> list = new LinkedHashMap<>();
    list.put("apiVersion", "v1");
    list.put("items", items);
    list.put("kind", "List");
    list.put("metadata", Map.of("resourceVersion", ""));
    Path export = Files.writeString(dir.resolve("export.yaml"), new Yaml(opts).dump(list));
    assertThat(Files.size(export)).isGreaterThan(3L << 20);
    List<String> listed = audit(1, "-f", export.toString());
    assertThat(listed).contains("SAI-011 ClusterRoleBinding argocd-application-controller", "SAI-011 ClusterRoleBinding admin-user",
        "SAI-017 ClusterRoleBinding calico-node", "SAI-014 ClusterRoleBinding prometheus-operator");

    Path utf16 = Files.write(dir.resolve("guestbook-utf16.yaml"),
        ("\uFEFF" + Files.readString(Path.of(m("guestbook.yaml")))).getBytes(StandardCharsets.UTF_16LE));
    assertThat(audit(0, "-f", utf16.toString())).isEqualTo(TRUE.get("guestbook.yaml"));

    String admin = Files.readString(Path.of(m("dashboard-admin-user.yaml")));
    Path crlf = Files.write(dir.resolve("admin-crlf.yaml"), ("\uFEFF" + admin.replace("\n", "\r\n")).getBytes(StandardCharsets.UTF_8));
    assertThat(audit(1, "-f", crlf.toString())).isEqualTo(TRUE.get("dashboard-admin-user.yaml"));
    run("audit", "-f", crlf.toString());
    assertThat(out).contains(crlf + ":8: SAI-011 error   ClusterRoleBinding admin-user");

    // Argo CD split into one file per object (.yaml and .yml) with a kustomization listing them.
    Path split = Files.createDirectory(dir.resolve("argo-cd"));
    List<String> resources = new ArrayList<>();
    int i = 0;
    DumperOptions one = new DumperOptions();
    one.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    for (KubeObject o : Manifests.read(List.of(Path.of(m("argo-cd.yaml"))))) {
      String name = String.format("%03d-%s.%s", i, o.kind().toLowerCase(java.util.Locale.ROOT), i % 2 == 0 ? "yaml" : "yml");
      Files.writeString(split.resolve(name), new Yaml(one).dump(o.fields()));
      resources.add(name);
      i++;
    }
    Files.writeString(split.resolve("kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        + "namespace: argocd\nresources:\n" + resources.stream().map(r -> "- " + r + "\n").reduce("", String::concat));
    assertThat(audit(1, "-f", split.toString())).isEqualTo(TRUE.get("argo-cd.yaml"));
    assertThat(err).contains("note: " + split.resolve("kustomization.yaml") + ": a kustomization: its " + resources.size() + " resources");
  }

  @Test
  void aHelmChart_isOneLine_andStdin_isRead(@TempDir Path dir) throws Exception {
    Path chart = Files.createDirectories(dir.resolve("chart/templates"));
    Files.writeString(dir.resolve("chart/Chart.yaml"), "apiVersion: v2\nname: c\nversion: 1.0.0\n");
    Files.writeString(chart.resolve("sa.yaml"), "kind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}\n");
    assertThat(run("audit", "-f", dir.resolve("chart").toString())).isEqualTo(2);
    assertThat(err.lines().filter(l -> l.contains("Helm chart"))).hasSize(1);
    assertThat(err).contains("helm template " + dir.resolve("chart") + " | sa-identity audit -f -");
    java.io.InputStream saved = System.in;
    try {
      System.setIn(Files.newInputStream(Path.of(m("dashboard-admin-user.yaml"))));
      assertThat(audit(1, "-f", "-")).isEqualTo(TRUE.get("dashboard-admin-user.yaml"));
    } finally {
      System.setIn(saved);
    }
  }
}
