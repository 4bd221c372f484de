package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code cli/target/sa-identity} the build writes beside the jar: it answers as {@code
 * java -jar} does, its class-data sharing archive is really used, and without a fitting archive it
 * still answers, silently.
 */
class LauncherIT {

  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  static final Path TARGET = Path.of(System.getProperty("cli.jar")).getParent();
  static final String[] VALIDATE = {"validate", "--public-key", "examples/sa.pub", "--issuer",
      "https://kubernetes.default.svc.cluster.local", "--at", "2026-12-01T00:30:00Z"};

  record Result(int code, String out, String err) {}

  @TempDir
  Path tmp;

  @BeforeAll
  static void posixShell() {
    assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "the launcher is a POSIX shell script");
  }

  Result run(Path launcher, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("/bin/sh");
    cmd.add(launcher.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile())
        .redirectInput(ROOT.resolve("examples/projected-token.jwt").toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().remove("JAVA_OPTS");
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  /** Where the JVM loaded the CLI's main class from, by its class-loading log. */
  String mainClassSource(Path launcher) throws Exception {
    Path log = tmp.resolve("load-" + System.nanoTime() + ".log");
    Result r = run(launcher, Map.of("JAVA_OPTS", "-Xlog:class+load=info:file=" + log), "--version");
    assertThat(r.code()).as(r.err()).isZero();
    return Files.readAllLines(log).stream().filter(l -> l.contains(" dev.saidentity.cli.Main source: ")).findFirst().orElseThrow();
  }

  @Test
  void launcher_answersAsJavaJarDoes_withTheArchiveMapped() throws Exception {
    Path launcher = TARGET.resolve("sa-identity");
    assumeTrue(Files.isRegularFile(TARGET.resolve("sa-identity.jsa")), "the archive was made (not -Dcds.skip=true)");
    Result r = run(launcher, Map.of(), VALIDATE);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo(CliJarIT.run(ROOT.resolve("examples/projected-token.jwt"), VALIDATE).out());
    assertThat(mainClassSource(launcher)).contains("shared objects file");
  }

  @Test
  void launcher_withoutAFittingArchive_stillAnswers_silently() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("copy"));
    assumeTrue(Files.isRegularFile(TARGET.resolve("sa-identity.jsa")), "the archive was made (not -Dcds.skip=true)");
    for (String f : List.of("sa-identity", "sa-identity.jar", "sa-identity.jsa")) {
      Files.copy(TARGET.resolve(f), dir.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
    }
    Path launcher = dir.resolve("sa-identity");
    // The archive names the jar it was made for (path, size, time): a copy elsewhere does not fit.
    Result moved = run(launcher, Map.of(), VALIDATE);
    assertThat(moved.code()).as(moved.err()).isZero();
    assertThat(moved.err()).isEmpty();
    assertThat(mainClassSource(launcher)).doesNotContain("shared objects file");

    // A rebuilt jar (another time) with the old archive, and then no archive at all.
    Files.setLastModifiedTime(dir.resolve("sa-identity.jar"), FileTime.fromMillis(0));
    Result rebuilt = run(launcher, Map.of(), "decode");
    assertThat(rebuilt.code()).as(rebuilt.err()).isZero();
    assertThat(rebuilt.err()).isEmpty();
    Files.delete(dir.resolve("sa-identity.jsa"));
    Result none = run(launcher, Map.of(), "decode");
    assertThat(none.code()).as(none.err()).isZero();
    assertThat(none.err()).isEmpty();
    assertThat(none.out()).isEqualTo(rebuilt.out()).contains("\"username\":\"system:serviceaccount:payments:checkout\"");
  }
}
