package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Issue 8 items 9, 13 and 14 at the command line: oversized or hostile input is one line and exit 2 (or a finding), never a stack trace. */
class InputBoundsTest extends CliRunner {

  private static final Duration QUICKLY = Duration.ofSeconds(15);

  @TempDir
  Path dir;

  static String aliasBomb() {
    StringBuilder sb = new StringBuilder("a0: &a0 [" + "x,".repeat(39) + "x]\n");
    for (int i = 1; i <= 10; i++) {
      String prev = "*a" + (i - 1);
      sb.append('a').append(i).append(": &a").append(i).append(" [").append(String.join(",", List.of(prev, prev, prev, prev, prev))).append("]\n");
    }
    return sb.toString();
  }

  @Test
  void audit_aliasBomb_exits2_withOneLine() throws Exception {
    Path bomb = Files.writeString(dir.resolve("bomb.yaml"), aliasBomb());
    assertThat(assertTimeoutPreemptively(QUICKLY, () -> run("audit", "-f", bomb.toString()))).isEqualTo(2);
    assertThat(err.strip()).matches(java.util.regex.Pattern.quote(bomb.toString())
        + ":\\d+:\\d+: invalid YAML: the document expands to more than 1000000 nodes \\(through aliases or merge keys\\)");
  }

  @Test
  void audit_emptyDirectory_exits2() throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    assertThat(run("audit", "-f", empty.toString())).isEqualTo(2);
    assertThat(err.strip()).isEqualTo(empty + ": no .yaml, .yml or .json file in the directory");
  }

  @Test
  void audit_inputWithoutObjects_exits2() throws Exception {
    Path comments = Files.writeString(dir.resolve("nothing.yaml"), "# rendered nothing\n---\n");
    assertThat(run("audit", "-f", comments.toString())).isEqualTo(2);
    assertThat(err.strip()).isEqualTo("sa-identity audit: no objects in the manifests (" + comments + "): nothing was audited");
  }

  @Test
  void audit_danglingLinkInADirectory_exits2() throws Exception {
    Files.writeString(dir.resolve("ok.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api}\nautomountServiceAccountToken: false\n");
    Path link = Files.createSymbolicLink(dir.resolve("gone.yaml"), dir.resolve("nowhere.yaml"));
    assertThat(run("audit", "-f", dir.toString())).isEqualTo(2);
    assertThat(err.strip()).isEqualTo(link + ": a dangling symbolic link");
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void whoami_tokenLinkedToDevZero_isSai101_andNoStackTrace() throws Exception {
    Files.createSymbolicLink(dir.resolve("token"), Path.of("/dev/zero"));
    Files.writeString(dir.resolve("namespace"), "default");
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("ca.crt").toFile(), "rw")) {
      f.setLength(3L << 30);
    }
    assertThat(assertTimeoutPreemptively(QUICKLY, () -> run("whoami", "--offline", "--mount", dir.toString()))).isEqualTo(1);
    assertThat(out).contains("SAI-101 error: the ServiceAccount mount " + dir
        + " lacks or cannot read: token (not a regular file), ca.crt (larger than 1048576 bytes)");
  }

  @Test
  void decode_stdinOverItsLimit_saysSo_andExits2() {
    InputStream saved = System.in;
    try {
      System.setIn(new ByteArrayInputStream(new byte[(1 << 20) + 10]));
      assertThat(run("decode")).isEqualTo(2);
    } finally {
      System.setIn(saved);
    }
    assertThat(err.strip()).isEqualTo("sa-identity decode: standard input is larger than 1048576 bytes (a token is at most 64 KiB)");
  }

  /** A command that fails with an Error, as an exhausted JVM would. */
  @picocli.CommandLine.Command(name = "boom")
  static final class Boom implements java.util.concurrent.Callable<Integer> {
    final Error error;

    Boom(Error error) {
      this.error = error;
    }

    @Override
    public Integer call() {
      throw error;
    }
  }

  @Test
  void jvmErrors_areOneLine_andExit2() {
    for (Error e : new Error[] {new OutOfMemoryError("Java heap space"), new StackOverflowError()}) {
      java.io.StringWriter o = new java.io.StringWriter();
      java.io.StringWriter w = new java.io.StringWriter();
      int code = Main.execute(new picocli.CommandLine(new Boom(e)), new String[0], new java.io.PrintWriter(o, true),
          new java.io.PrintWriter(w, true));
      assertThat(code).isEqualTo(2);
      assertThat(w.toString()).isEqualTo("sa-identity: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
          + " (the input is too large or too deep for this JVM)" + System.lineSeparator());
    }
  }

  @Test
  void auditOutput_isByteIdenticalToBefore_inEveryFormat() throws Exception {
    // Relative, as a CI job names its files: reports name them as given (SARIF relative to the working directory).
    Path in = Path.of("src/test/resources/golden/audit-input.yaml");
    for (String format : new String[] {"json", "sarif", "text"}) {
      assertThat(run("audit", "-f", in.toString(), "--format", format)).isEqualTo(1);
      assertThat(out + "\n").as(format).isEqualTo(Files.readString(Path.of("src/test/resources/golden/audit." + format)));
    }
  }

  /** Runs the CLI in a child JVM with a 48 MiB heap (an init container with a small memory limit). */
  private String[] smallHeap(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx48m", "-cp",
        System.getProperty("java.class.path"), "dev.saidentity.cli.Main"));
    cmd.addAll(List.of(args));
    Path o = Files.createTempFile(dir, "out", ".txt");
    Path e = Files.createTempFile(dir, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(o.toFile()).redirectError(e.toFile()).start();
    if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the CLI did not finish in 60 s");
    }
    return new String[] {Integer.toString(p.exitValue()), Files.readString(o), Files.readString(e)};
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void inA48MiBHeap_aBombAndHugeMountFiles_areReported_notKilled() throws Exception {
    Path bomb = Files.writeString(dir.resolve("bomb.yaml"), aliasBomb());
    String[] r = smallHeap("audit", "-f", bomb.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("2");
    assertThat(r[2].strip()).contains("more than 1000000 nodes").doesNotContain("\n").doesNotContain("\tat ");
    Path mount = Files.createDirectory(dir.resolve("mount"));
    Files.createSymbolicLink(mount.resolve("token"), Path.of("/dev/zero"));
    try (RandomAccessFile f = new RandomAccessFile(mount.resolve("namespace").toFile(), "rw")) {
      f.setLength(1L << 30);
    }
    try (RandomAccessFile f = new RandomAccessFile(mount.resolve("ca.crt").toFile(), "rw")) {
      f.setLength(3L << 30);
    }
    r = smallHeap("whoami", "--offline", "--mount", mount.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("1");
    assertThat(r[1]).contains("SAI-101 error: the ServiceAccount mount " + mount + " lacks or cannot read: token (not a regular file),"
        + " namespace (larger than 4096 bytes), ca.crt (larger than 1048576 bytes)");
    assertThat(r[2]).doesNotContain("\tat ").doesNotContain("OutOfMemoryError");
  }
}
