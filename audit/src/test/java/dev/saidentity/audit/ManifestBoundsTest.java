package dev.saidentity.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.RandomAccessFile;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Issue 8 items 9, 13, 14 and 18: manifests are read with bounds, directories leave nothing out silently, no Gson in the API. */
class ManifestBoundsTest {

  private static final Duration QUICKLY = Duration.ofSeconds(10);

  /** 10 levels of 5 aliases (50, SnakeYAML's own alias limit): 5^10 copies of a list of 40 strings if expanded. */
  static String aliasBomb() {
    StringBuilder sb = new StringBuilder("a0: &a0 [" + "x,".repeat(39) + "x]\n");
    for (int i = 1; i <= 10; i++) {
      String prev = "*a" + (i - 1);
      sb.append('a').append(i).append(": &a").append(i).append(" [").append(String.join(",", List.of(prev, prev, prev, prev, prev))).append("]\n");
    }
    return sb.toString();
  }

  @Test
  void aliasBomb_isRefusedQuickly_withReasonAndPosition() {
    String bomb = aliasBomb();
    assertThat(bomb.length()).isLessThan(600);
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(() -> Manifests.parse("bomb.yaml", bomb))
        .isInstanceOf(ManifestException.class)
        .hasMessageMatching("bomb\\.yaml:\\d+:\\d+: invalid YAML: the document expands to more than 1000000 nodes \\(through aliases or merge keys\\)"));
  }

  @Test
  void duplicateKeys_areRefused_atTheSecondKey() {
    assertThatThrownBy(() -> Manifests.parse("dup.yaml", "apiVersion: v1\nkind: Pod\nkind: ServiceAccount\nmetadata: {name: x}\n"))
        .isInstanceOf(ManifestException.class).hasMessage("dup.yaml:3:1: invalid YAML: duplicate key \"kind\"");
  }

  @Test
  void deepNesting_isRefused_withDepthAndPosition() {
    String deep = "a: " + "[".repeat(1000) + "]".repeat(1000) + "\n";
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(() -> Manifests.parse("deep.yaml", deep))
        .isInstanceOf(ManifestException.class).hasMessage("deep.yaml:1:103: invalid YAML: nested deeper than 100 levels"));
  }

  @Test
  void documentOver3MiB_isRefused_butManyDocumentsMayExceedItTogether(@TempDir Path dir) throws Exception {
    Path big = Files.writeString(dir.resolve("big.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {x: "
        + "y".repeat(4 << 20) + "}\n");
    assertThatThrownBy(() -> Manifests.read(List.of(big))).isInstanceOf(ManifestException.class)
        .hasMessage(big + ":1:1: invalid YAML: a document is larger than 3145728 characters (the API server's limit is 3 MiB)");
    StringBuilder many = new StringBuilder();
    String doc = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d, namespace: shop}\ndata: {x: " + "y".repeat(100_000) + "}\n";
    for (int i = 0; i < 50; i++) {
      many.append(String.format(doc, i));
    }
    Path manyFile = Files.writeString(dir.resolve("many.yaml"), many);
    assertThat(Files.size(manyFile)).isGreaterThan(3L << 20);
    assertThat(Manifests.read(List.of(manyFile))).hasSize(50);
  }

  @Test
  void sparse3GiBFile_isRefusedQuickly(@TempDir Path dir) throws Exception {
    Path huge = dir.resolve("huge.yaml");
    try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
      f.setLength(3L << 30);
    }
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(() -> Manifests.read(List.of(huge)))
        .isInstanceOf(ManifestException.class).hasMessageStartingWith(huge + ":1:1: "));
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void devZeroThroughALink_isRefusedQuickly(@TempDir Path dir) throws Exception {
    Path zero = Files.createSymbolicLink(dir.resolve("zero.yaml"), Path.of("/dev/zero"));
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(() -> Manifests.read(List.of(zero)))
        .isInstanceOf(ManifestException.class).hasMessageStartingWith(zero + ":1:1: ").hasMessageContaining("0x0"));
  }

  @Test
  void inputOverTheTotalLimit_isRefusedWhileReading(@TempDir Path dir) throws Exception {
    String doc = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {x: " + "y".repeat(1000) + "}\n";
    Path f = Files.writeString(dir.resolve("a.yaml"), doc.repeat(100));
    Manifests.Limits small = new Manifests.Limits(50_000, 3 << 20, 1_000_000, Manifests.MAX_OBJECTS);
    assertThatThrownBy(() -> Manifests.read(List.of(f), small)).isInstanceOf(ManifestException.class)
        .hasMessage(f + ": the manifests are larger than 50000 bytes in total (the limit of one audit)");
  }

  @Test
  void moreObjectsThanTheLimit_isAnError_atTheDefaultLimit(@TempDir Path dir) throws Exception {
    // Small objects cost far more heap than their text: 1.7 million of them fit in 64 MiB and not in a 1 GiB heap.
    String pod = "---\nkind: Pod\nmetadata: {name: p}\n";
    Path f = Files.writeString(dir.resolve("many.yaml"), pod.repeat(Manifests.MAX_OBJECTS + 1));
    assertThatThrownBy(() -> Manifests.read(List.of(f))).isInstanceOf(ManifestException.class)
        .hasMessage(f + ": the manifests hold more than 100000 objects (the limit of one audit)");
    Path ok = Files.writeString(dir.resolve("ok.yaml"), pod.repeat(1_000));
    assertThat(Manifests.read(List.of(ok))).hasSize(1_000);
  }

  @Test
  void danglingLinkInADirectory_isAnError(@TempDir Path dir) throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("gone.yaml"), dir.resolve("nowhere.yaml"));
    assertThatThrownBy(() -> Manifests.read(List.of(dir))).isInstanceOf(ManifestException.class)
        .hasMessage(link + ": a dangling symbolic link");
  }

  @Test
  void symlinkLoopInADirectory_isAnError(@TempDir Path dir) throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("loop.yaml"), dir.resolve("loop.yaml"));
    assertThatThrownBy(() -> Manifests.read(List.of(dir))).isInstanceOf(ManifestException.class)
        .hasMessageStartingWith(link + ": a symbolic link that cannot be resolved");
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void fifoInADirectory_isAnError_withoutBlocking(@TempDir Path dir) throws Exception {
    Path fifo = dir.resolve("pipe.yaml");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(() -> Manifests.read(List.of(dir))).isInstanceOf(ManifestException.class)
        .hasMessage(fifo + ": not a regular file (a FIFO, socket or device)"));
  }

  @Test
  void aDirectoryNamedThroughALink_isRead(@TempDir Path dir) throws Exception {
    Path real = Files.createDirectory(dir.resolve("real"));
    Files.writeString(real.resolve("sa.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api}\n");
    Path link = Files.createSymbolicLink(dir.resolve("link"), real);
    assertThat(Manifests.read(List.of(link))).extracting(KubeObject::name).containsExactly("api");
    Files.writeString(real.resolve("bad.yaml"), "a: 1\na: 2\n");
    assertThatThrownBy(() -> Manifests.read(List.of(link))).hasMessage(link.resolve("bad.yaml") + ":2:1: invalid YAML: duplicate key \"a\"");
  }

  @Test
  void aDocumentWithoutKind_isAnError_notAnEmptyAudit() {
    // A Helm values file given by mistake audited to "0 findings", exit 0: kubectl says "Object 'Kind' is missing".
    assertThatThrownBy(() -> Manifests.parse("values.yaml", "replicaCount: 2\nserviceAccount: {create: true}\n"))
        .isInstanceOf(ManifestException.class).hasMessageStartingWith("values.yaml:1: ").hasMessageContaining("kind");
    assertThatThrownBy(() -> Manifests.parse("empty.yaml", "--- {}\n--- {}\n")).isInstanceOf(ManifestException.class);
    // List items that are not objects were dropped without a word.
    assertThatThrownBy(() -> Manifests.parse("list.yaml", "apiVersion: v1\nkind: List\nitems: [just-a-string, {metadata: {name: x}}]\n"))
        .isInstanceOf(ManifestException.class).hasMessageStartingWith("list.yaml:3: ");
    assertThat(Manifests.parse("ok.yaml", "apiVersion: v1\nkind: List\nitems: [{kind: ServiceAccount, metadata: {name: x}}]\n"))
        .extracting(KubeObject::name).containsExactly("x");
  }

  @Test
  void emptyDirectory_isAnError(@TempDir Path dir) throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Files.writeString(empty.resolve("notes.txt"), "not a manifest");
    assertThatThrownBy(() -> Manifests.read(List.of(empty))).isInstanceOf(ManifestException.class)
        .hasMessage(empty + ": no .yaml, .yml or .json file in the directory");
  }

  @Test
  void publicApi_hasNoGsonTypes() {
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : List.of(Auditor.class, AuditFinding.class, ClusterInventory.class, Inventory.class, ManifestException.class,
        Manifests.class, Reports.class)) {
      for (Method m : c.getDeclaredMethods()) {
        if (!Modifier.isPublic(m.getModifiers())) {
          continue;
        }
        List<Type> types = new ArrayList<>(List.of(m.getGenericParameterTypes()));
        types.add(m.getGenericReturnType());
        for (Type t : types) {
          if (t.getTypeName().contains("com.google.gson")) {
            leaks.add(c.getSimpleName() + "." + m.getName() + ": " + t.getTypeName());
          }
        }
      }
    }
    assertThat(leaks).isEmpty();
  }
}
