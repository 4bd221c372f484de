package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged jar, run as a user runs it: {@code java -jar cli/target/sa-identity.jar ...}. */
class CliJarIT {

  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  record Result(int code, String out, String err) {}

  static Result run(Path stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(System.getProperty("cli.jar"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
    pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new File("/dev/null")) : ProcessBuilder.Redirect.from(stdin.toFile()));
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void quickStart_runsTheDemo() throws Exception {
    Result r = run(null, "demo");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("== 1. Start a fake cluster").contains("== 8. Audit the cluster").doesNotContain("eyJ");
  }

  @Test
  void readme_validatesTheShippedExample() throws Exception {
    Result r = run(ROOT.resolve("examples/projected-token.jwt"), "validate", "--public-key", "examples/sa.pub",
        "--issuer", "https://kubernetes.default.svc.cluster.local", "--at", "2026-12-01T00:30:00Z");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("{\"valid\":true,\"kind\":\"projected\",\"username\":\"system:serviceaccount:payments:checkout\"");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void decode_andExitCodes_fromTheJar() throws Exception {
    Path token = ROOT.resolve("examples/projected-token.jwt");
    assertThat(run(token, "decode").code()).isZero();
    Result bad = run(ROOT.resolve("README.md"), "decode");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.out()).startsWith("{\"error\":\"MALFORMED\"");
    Result usage = run(token, "validate");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).doesNotContain("\tat ");
    Result expired = run(token, "validate", "--public-key", "examples/sa.pub",
        "--issuer", "https://kubernetes.default.svc.cluster.local", "--at", "2028-01-01T00:00:00Z");
    assertThat(expired.code()).isEqualTo(1);
    assertThat(expired.out()).contains("\"reason\":\"EXPIRED\"").doesNotContain(Files.readString(token).substring(0, 30));
  }
}
