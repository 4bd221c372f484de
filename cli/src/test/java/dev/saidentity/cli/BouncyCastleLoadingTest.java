package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.testing.FakeTokenIssuer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BouncyCastle's provider (some 2,000 classes, half a second of a one-shot command) is loaded only
 * when an EC key verifies: each command runs in a fresh JVM on the test class path, which has
 * BouncyCastle on it, and the JVM's class-loading log says what was loaded.
 */
class BouncyCastleLoadingTest {

  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

  @TempDir
  Path tmp;

  record Run(int code, String out, List<String> loaded) {}

  Run run(String stdin, String... args) throws Exception {
    Path log = tmp.resolve("classes-" + System.nanoTime() + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xlog:class+load=info:file=" + log);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    Path in = Files.writeString(tmp.resolve("stdin-" + System.nanoTime()), stdin);
    Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectInput(in.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    List<String> loaded = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      // [0.012s][info][class,load] java.lang.Object source: shared objects file
      int at = line.lastIndexOf("] ");
      if (at >= 0) {
        loaded.add(line.substring(at + 2).split(" ", 2)[0]);
      }
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), loaded);
  }

  static long bouncyCastleClasses(Run r) {
    return r.loaded().stream().filter(c -> c.startsWith("org.bouncycastle.")).count();
  }

  @Test
  void validate_withAnRsaKey_neverLoadsBouncyCastle() throws Exception {
    Run r = run(Files.readString(ROOT.resolve("examples/projected-token.jwt")), "validate", "--public-key", "examples/sa.pub",
        "--issuer", ISSUER, "--at", "2026-12-01T00:30:00Z");
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).startsWith("{\"valid\":true,").contains("\"algorithm\":\"RS256\"");
    assertThat(r.loaded()).as("the log lists the classes loaded").contains(Main.class.getName(), "dev.saidentity.core.internal.Verifier");
    assertThat(r.loaded()).filteredOn(c -> c.startsWith("org.bouncycastle.")).isEmpty();
  }

  @Test
  void decode_neverLoadsBouncyCastle_norTheOtherCommands() throws Exception {
    Run r = run(Files.readString(ROOT.resolve("examples/projected-token.jwt")), "decode");
    assertThat(r.code()).isZero();
    assertThat(bouncyCastleClasses(r)).isZero();
    // The subcommand named is the only one built.
    assertThat(r.loaded()).contains(DecodeCommand.class.getName())
        .doesNotContain(ValidateCommand.class.getName(), WhoamiCommand.class.getName(), AuditCommand.class.getName(),
            FakeClusterCommand.class.getName(), DemoCommand.class.getName());
  }

  @Test
  void validate_withAnEcKey_loadsBouncyCastle_soTheCheckAboveCanSeeIt() throws Exception {
    FakeTokenIssuer ec = FakeTokenIssuer.builder().ecP256().build();
    Path key = Files.writeString(tmp.resolve("ec.pub"), ec.publicKeyPem());
    Run r = run(ec.projected(ServiceAccount.of("payments", "checkout")).mint(), "validate", "--public-key", key.toString(),
        "--issuer", ec.issuer());
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).contains("\"algorithm\":\"ES256\"");
    assertThat(r.loaded()).contains("org.bouncycastle.jce.provider.BouncyCastleProvider");
  }
}
