package dev.saidentity.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs as users have them: large List exports, encodings kubectl reads, ConfigMap mounts, kustomize and Helm directories, stdin, namespaces. */
class ManifestInputsTest {

  private static final String SA = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api, namespace: shop}\n---\n"
      + "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  serviceAccountName: api\n  containers: [{name: c, image: i}]\n";

  /** A List in the shape {@code kubectl get -o yaml} prints, of {@code n} ConfigMaps of about {@code size} characters each. */
  private static String list(int n, int size) {
    StringBuilder sb = new StringBuilder("apiVersion: v1\nitems:\n");
    String pad = "x".repeat(size);
    for (int i = 0; i < n; i++) {
      sb.append("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-").append(i).append("\n    namespace: shop\n  data:\n    big: ")
          .append(pad).append('\n');
    }
    sb.append("- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: last\n    namespace: shop\n");
    return sb.append("kind: List\nmetadata:\n  resourceVersion: \"\"\n").toString();
  }

  @Test
  void aListExportOf3_8MB_isAuditedItemByItem_withTheLineOfEachItem(@TempDir Path dir) throws Exception {
    String text = list(2000, 1800);
    assertThat(text.length()).isBetween(3_700_000, 3_900_000).isGreaterThan(3 << 20);
    Path f = Files.writeString(dir.resolve("export.yaml"), text);
    List<KubeObject> objects = Manifests.read(List.of(f));
    assertThat(objects).hasSize(2001);
    assertThat(objects.get(0).location()).contains(new Location(f.toString(), 3));
    assertThat(objects.get(1).location()).contains(new Location(f.toString(), 10));
    KubeObject last = objects.get(2000);
    assertThat(last.location().orElseThrow().line()).isEqualTo(3 + 7 * 2000);
    assertThat(Auditor.audit(Inventory.fromManifests(objects))).extracting(AuditFinding::id).containsExactly("SAI-010");
    // kubectl get -o json puts items before kind: the same, on one line.
    StringBuilder json = new StringBuilder("{\"apiVersion\":\"v1\",\"items\":[");
    for (int i = 0; i < 2000; i++) {
      json.append(i == 0 ? "" : ",").append("{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c").append(i).append("\"},\"data\":{\"b\":\"")
          .append("y".repeat(1800)).append("\"}}");
    }
    json.append("],\"kind\":\"List\"}");
    assertThat(Manifests.parse("export.json", json.toString())).hasSize(2000);
  }

  @Test
  void oneObjectOver3MiB_isRefused_namingItsLine() {
    String text = "apiVersion: v1\nkind: List\nitems:\n- kind: ConfigMap\n  metadata: {name: small}\n- kind: ConfigMap\n  metadata: {name: big}\n"
        + "  data: {b: " + "z".repeat(3 << 20) + "}\n";
    assertThatThrownBy(() -> Manifests.parse("big.yaml", text)).isInstanceOf(ManifestException.class)
        .hasMessage("big.yaml:6:3: invalid YAML: an item of the document's items is larger than 3145728 characters (the API server's limit is 3 MiB)");
    // Outside a List the limit is per document, as before.
    assertThatThrownBy(() -> Manifests.parse("doc.yaml", "kind: ConfigMap\ndata: {b: " + "z".repeat(3 << 20) + "}\n"))
        .hasMessageStartingWith("doc.yaml:1:1: invalid YAML: a document is larger than 3145728 characters");
  }

  @Test
  void utf16WithAMark_utf8WithAMarkAndCrlf_areRead(@TempDir Path dir) throws Exception {
    for (Charset cs : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
      // What Windows PowerShell 5.1's '>' writes: UTF-16 with a byte-order mark, CRLF.
      Path f = Files.write(dir.resolve("ps-" + cs.name() + ".yaml"), ("\uFEFF" + SA.replace("\n", "\r\n")).getBytes(cs));
      List<KubeObject> o = Manifests.read(List.of(f));
      assertThat(o).extracting(KubeObject::name).containsExactly("api", "p");
      assertThat(o.get(1).location()).contains(new Location(f.toString(), 5));
    }
    Path bom = Files.write(dir.resolve("bom.yaml"), ("\uFEFF" + SA.replace("\n", "\r\n")).getBytes(StandardCharsets.UTF_8));
    assertThat(Manifests.read(List.of(bom))).extracting(KubeObject::name).containsExactly("api", "p");
    // UTF-16 without a mark, recognised by its zero bytes (YAML 1.2, 5.2).
    Path noMark = Files.write(dir.resolve("nomark.yaml"), SA.getBytes(StandardCharsets.UTF_16LE));
    assertThat(Manifests.read(List.of(noMark))).hasSize(2);
  }

  @Test
  void bytesThatAreNotUtf8_areAnErrorWithLineAndColumn(@TempDir Path dir) throws Exception {
    byte[] head = "kind: ServiceAccount\nmetadata:\n  name: ab".getBytes(StandardCharsets.US_ASCII);
    byte[] bad = new byte[head.length + 2];
    System.arraycopy(head, 0, bad, 0, head.length);
    bad[head.length] = (byte) 0xC3;
    bad[head.length + 1] = (byte) 0x28;
    Path f = Files.write(dir.resolve("latin.yaml"), bad);
    assertThatThrownBy(() -> Manifests.read(List.of(f))).isInstanceOf(ManifestException.class)
        .hasMessageStartingWith(f + ":3:11: invalid YAML: not valid UTF-8");
    Path nul = Files.writeString(dir.resolve("nul.yaml"), "kind: ServiceAccount\nmetadata:\n  name: a\u0000b\n");
    assertThatThrownBy(() -> Manifests.read(List.of(nul))).hasMessageStartingWith(nul + ":3:10: invalid YAML: unacceptable character 0x0");
  }

  @Test
  void aConfigMapMount_isReadOnce_andItsDotDotEntriesAreNamed(@TempDir Path dir) throws Exception {
    // The kubelet's layout: files are links into ..data, a link to a timestamped directory.
    Path mount = Files.createDirectory(dir.resolve("config"));
    Path stamped = Files.createDirectory(mount.resolve("..2026_12_06_03_00_00.123456789"));
    Files.writeString(stamped.resolve("sa.yaml"), SA);
    Files.createSymbolicLink(mount.resolve("..data"), Path.of(stamped.getFileName().toString()));
    Files.createSymbolicLink(mount.resolve("sa.yaml"), Path.of("..data/sa.yaml"));
    Manifests.Read r = Manifests.read(List.of(mount), ByteArrayInputStream.nullInputStream());
    assertThat(r.objects()).extracting(KubeObject::name).containsExactly("api", "p");
    assertThat(r.objects().get(0).location().orElseThrow().file()).isEqualTo(mount.resolve("sa.yaml").toString());
    assertThat(r.notes()).containsExactly(mount + ": skipped ..2026_12_06_03_00_00.123456789, ..data (names starting with '..':"
        + " a mounted ConfigMap's or Secret's internal entries, which hold the same files again)");
  }

  @Test
  void aKustomization_auditsItsResources_notItsPatches(@TempDir Path dir) throws Exception {
    Path k = Files.createDirectory(dir.resolve("base"));
    Files.writeString(k.resolve("kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        + "resources: [sa.yaml, more]\npatches: [{path: patch-pod.yaml}]\npatchesStrategicMerge: [old-patch.yaml]\n");
    Files.writeString(k.resolve("sa.yaml"), SA);
    Files.createDirectory(k.resolve("more"));
    Files.writeString(k.resolve("more/m.yml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: m, namespace: shop}\n"
        + "automountServiceAccountToken: false\n");
    // A strategic-merge patch of the pod: no serviceAccountName, so as a whole object it would be a false SAI-001.
    Files.writeString(k.resolve("patch-pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  priorityClassName: x\n");
    Files.writeString(k.resolve("old-patch.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 2}\n");
    Manifests.Read r = Manifests.read(List.of(k), ByteArrayInputStream.nullInputStream());
    assertThat(r.objects()).extracting(KubeObject::name).containsExactly("api", "p", "m");
    assertThat(r.notes()).containsExactly(k.resolve("kustomization.yaml") + ": a kustomization: its 2 resources are audited as written,"
        + " not rendered; patches not audited: old-patch.yaml, patch-pod.yaml; for the rendered result audit `kubectl kustomize " + k
        + " | sa-identity audit -f -`");
    assertThat(Auditor.audit(Inventory.fromManifests(r.objects()))).extracting(AuditFinding::id).containsExactly("SAI-010");
    Files.delete(k.resolve("sa.yaml"));
    assertThatThrownBy(() -> Manifests.read(List.of(k))).hasMessage(k.resolve("kustomization.yaml") + ": the resource sa.yaml does not exist");
  }

  @Test
  void aHelmChart_isSkippedWithOneLine_andStdinIsRead(@TempDir Path dir) throws Exception {
    Path chart = Files.createDirectories(dir.resolve("chart/templates"));
    Files.writeString(chart.getParent().resolve("Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\n");
    Files.writeString(chart.resolve("sa.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}\n");
    Path plain = Files.writeString(dir.resolve("plain.yaml"), SA);
    Manifests.Read r = Manifests.read(List.of(dir), new ByteArrayInputStream(new byte[0]));
    assertThat(r.objects()).extracting(KubeObject::name).containsExactly("api", "p");
    assertThat(r.notes()).containsExactly(dir.resolve("chart") + ": a Helm chart (Chart.yaml), skipped: its templates are not manifests"
        + " until rendered; audit `helm template " + dir.resolve("chart") + " | sa-identity audit -f -`");
    // helm template ... | sa-identity audit -f -
    Manifests.Read in = Manifests.read(List.of(Path.of("-")), new ByteArrayInputStream(SA.getBytes(StandardCharsets.UTF_8)));
    assertThat(in.objects()).extracting(o -> o.location().orElseThrow().toString()).containsExactly("-:1", "-:5");
    // A file reached twice is read once, with a note.
    assertThat(Manifests.read(List.of(plain, plain), ByteArrayInputStream.nullInputStream()).notes())
        .containsExactly(plain + ": read once already (named twice, or reached through two directories), not read again");
  }

  @Test
  void namespaces_asKubectlResolvesThem(@TempDir Path dir) throws Exception {
    // Two installs without namespaces, each meant for kubectl apply -n: Argo CD's SAs must not satisfy (or break) external-dns's pods.
    Path a = Files.writeString(dir.resolve("a.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n"
        + "automountServiceAccountToken: false\n");
    Path b = Files.writeString(dir.resolve("b.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b}\nautomountServiceAccountToken: false\n"
        + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      serviceAccountName: b\n"
        + "      containers: [{name: c, image: i}]\n");
    List<KubeObject> objects = Manifests.read(List.of(a, b));
    assertThat(Auditor.audit(Inventory.fromManifests(objects))).isEmpty();
    // The workload's ServiceAccount only in the other file: it is not found in its own (a real SAI-009 when applied apart).
    Path c = Files.writeString(dir.resolve("c.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\nautomountServiceAccountToken: false\n"
        + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: a\n  automountServiceAccountToken: false\n"
        + "  containers: [{name: c, image: i}]\n");
    List<AuditFinding> f = Auditor.audit(Inventory.fromManifests(Manifests.read(List.of(a, c))));
    assertThat(f).extracting(AuditFinding::id).containsExactly("SAI-009");
    assertThat(f.get(0).resource()).isEqualTo(new AuditFinding.Resource("Pod", "", "p"));
    assertThat(f.get(0).message()).isEqualTo("Pod p names ServiceAccount a, which does not exist in its file (namespace unset)");
    // With -n, both files are in one namespace, as kubectl apply -n puts them, and the reference resolves.
    assertThat(Auditor.audit(Inventory.fromManifests(Manifests.read(List.of(a, c)), "argocd"))).isEmpty();
    // A namespace written in the object wins over -n; cluster-scoped kinds get none.
    List<AuditFinding> g = Auditor.audit(Inventory.fromManifests(Manifests.parse("g.yaml", "apiVersion: v1\nkind: ServiceAccount\n"
        + "metadata: {name: s, namespace: own}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: t}\n---\n"
        + "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: crb}\n"
        + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
        + "subjects: [{kind: ServiceAccount, name: t, namespace: dev}]\n"), "dev"));
    assertThat(g.stream().map(x -> x.id() + " " + x.resource().namespace() + "/" + x.resource().name()).collect(Collectors.toList()))
        .containsExactly("SAI-010 dev/t", "SAI-010 own/s", "SAI-011 /crb");
  }
}
