package dev.saidentity.cli;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.testing.FakeTokenIssuer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The build's start-up step for {@code cli/target}, run by {@code package} after the jar is shaded:
 * {@code java -cp sa-identity.jar dev.saidentity.cli.CdsTraining ROOT TARGET} writes the launcher
 * script {@code TARGET/sa-identity}, then starts a second JVM with {@code -XX:ArchiveClassesAtExit} (and
 * the launcher's options) that runs each one-shot command once ({@code decode}, {@code validate} with
 * an RSA and an EC key, {@code whoami --offline}, {@code audit -f}, the help), so that the classes they
 * load go into the class-data sharing archive it writes at exit. The archive is written beside the
 * final name and moved into place only when that JVM exits 0 within its deadline: a truncated archive
 * crashes JDK 17 rather than being ignored. Command output is discarded; a command that does not answer
 * as expected is reported on standard error but fails nothing: the archive is an optimisation, and the
 * commands have their tests.
 */
final class CdsTraining {

  private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
  private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  private CdsTraining() {}

  /** The training JVM's deadline. */
  private static final long TRAINING_SECONDS = 120;

  /** The launcher's JVM options that matter to the archive (it must be made as it is used). */
  static final List<String> JVM_OPTIONS =
      List.of("-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData");

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length == 3 && args[0].equals("--train")) {
      train(Path.of(args[1]), Path.of(args[2]));
      return;
    }
    if (args.length != 2) {
      System.err.println("usage: CdsTraining ROOT TARGET");
      System.exit(Main.EXIT_USAGE);
    }
    Path root = Path.of(args[0]).toAbsolutePath().normalize();
    Path target = Path.of(args[1]).toAbsolutePath().normalize();
    writeLauncher(target.resolve("sa-identity"));
    Path archive = target.resolve("sa-identity.jsa");
    Path part = target.resolve("sa-identity.jsa.part");
    Files.deleteIfExists(archive);
    Files.deleteIfExists(part);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:ArchiveClassesAtExit=" + part);
    cmd.addAll(JVM_OPTIONS);
    cmd.addAll(List.of("-cp", target.resolve("sa-identity.jar").toString(), CdsTraining.class.getName(), "--train",
        root.toString(), target.toString()));
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (!p.waitFor(TRAINING_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      System.err.println("CdsTraining: the training run took over " + TRAINING_SECONDS + " s; no archive");
    } else if (p.exitValue() != 0 || !Files.isRegularFile(part)) {
      System.err.println("CdsTraining: the training run exited " + p.exitValue() + "; no archive");
    } else {
      Files.move(part, archive, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.deleteIfExists(part);
  }

  /** The training run proper, in the JVM that writes the archive. */
  private static void train(Path root, Path target) throws IOException {
    Path tokenFile = root.resolve("examples/projected-token.jwt");
    String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    Path tmp = Files.createTempDirectory(target, "cds-training");
    InputStream stdin = System.in;
    try {
      run(0, token, "decode");
      run(0, token, "validate", "--public-key", root.resolve("examples/sa.pub").toString(), "--issuer", ISSUER,
          "--at", "2026-12-01T00:30:00Z");
      FakeTokenIssuer ec = FakeTokenIssuer.builder().ecP256().build();
      Path ecKey = Files.writeString(tmp.resolve("ec.pub"), ec.publicKeyPem());
      run(0, ec.projected(ServiceAccount.of("payments", "checkout")).mint(), "validate", "--public-key", ecKey.toString(),
          "--issuer", ec.issuer());
      Path mount = Files.createDirectories(tmp.resolve("mount"));
      Files.writeString(mount.resolve("token"), token);
      Files.writeString(mount.resolve("namespace"), "payments");
      Files.writeString(mount.resolve("ca.crt"), CA);
      run(0, null, "whoami", "--offline", "--mount", mount.toString());
      run(0, null, "whoami", "--offline", "--format", "json", "--mount", mount.toString());
      run(0, null, "audit", "-f", root.resolve("samples/manifests").toString());
      run(0, null, "--help");
      run(0, null, "validate", "--help");
    } finally {
      System.setIn(stdin);
      try (Stream<Path> files = Files.walk(tmp)) {
        for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Runs one command with {@code stdin} as standard input (empty when null), its output discarded. */
  private static void run(int expected, @Nullable String stdin, String... args) {
    System.setIn(new ByteArrayInputStream((stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8)));
    PrintWriter sink = new PrintWriter(Writer.nullWriter());
    int code = Main.run(args, sink, sink);
    if (code != expected) {
      System.err.println("CdsTraining: 'sa-identity " + args[0] + "' exited " + code + ", expected " + expected
          + "; the archive may lack some of its classes");
    }
  }

  private static void writeLauncher(Path to) throws IOException {
    try (InputStream in = CdsTraining.class.getResourceAsStream("launcher.sh");
        OutputStream out = Files.newOutputStream(to)) {
      if (in == null) {
        throw new IOException("launcher.sh is missing from the jar");
      }
      in.transferTo(out);
    }
    if (to.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }
}
