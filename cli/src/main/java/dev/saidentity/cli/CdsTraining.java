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
 * script {@code TARGET/sa-identity}, then starts a second JVM with {@code -XX:DumpLoadedClassList} (and
 * the launcher's options) that runs each one-shot command once ({@code decode}, {@code validate} with
 * an RSA and an EC key, {@code whoami --offline}, {@code audit -f}, the help), and a third with
 * {@code -Xshare:dump} that writes a static class-data sharing archive of the classes they loaded, the
 * JDK's and the jar's. A static archive, not a dynamic one ({@code -XX:ArchiveClassesAtExit}): JDK 17
 * leaves classes of class-file version 49 and below out of dynamic archives, and picocli's 190 classes
 * are compiled for Java 5, so with a dynamic archive every command still parsed and verified them from
 * the jar (about a fifth of a command's start-up on this project's machine). The archive is written
 * beside the final name and moved into place only when both JVMs exit 0 within their deadlines: a
 * truncated archive crashes JDK 17 rather than being ignored. Command output is discarded; a command
 * that does not answer as expected is reported on standard error but fails nothing: the archive is an
 * optimisation, and the commands have their tests.
 */
final class CdsTraining {

  private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
  private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  private CdsTraining() {}

  /** The deadline of each of the training and dump JVMs. */
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
    Path classList = target.resolve("sa-identity.classlist");
    Path dumpLog = target.resolve("sa-identity.jsa.log");
    Files.deleteIfExists(archive);
    Files.deleteIfExists(part);
    Files.deleteIfExists(classList);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String jar = target.resolve("sa-identity.jar").toString();
    List<String> train = new ArrayList<>();
    train.add(java);
    train.add("-XX:DumpLoadedClassList=" + classList);
    train.addAll(JVM_OPTIONS);
    train.addAll(List.of("-cp", jar, CdsTraining.class.getName(), "--train", root.toString(), target.toString()));
    // The dump lists classes it cannot archive (lambda forms, proxies, JFR events) as warnings: they go
    // to a log file beside the archive, not to the build's output.
    List<String> dump = List.of(java, "-Xshare:dump", "-XX:SharedClassListFile=" + classList,
        "-XX:SharedArchiveFile=" + part, "-XX:+UseSerialGC", "-cp", jar);
    if (runStep("the training run", new ProcessBuilder(train).inheritIO())
        && runStep("the archive dump", new ProcessBuilder(dump).redirectErrorStream(true).redirectOutput(dumpLog.toFile()))
        && Files.isRegularFile(part)) {
      Files.move(part, archive, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.deleteIfExists(part);
    Files.deleteIfExists(classList);
  }

  /** Runs one build step's JVM within its deadline; false (reported on standard error) when it failed. */
  private static boolean runStep(String what, ProcessBuilder pb) throws IOException, InterruptedException {
    Process p = pb.start();
    if (!p.waitFor(TRAINING_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      System.err.println("CdsTraining: " + what + " took over " + TRAINING_SECONDS + " s; no archive");
      return false;
    }
    if (p.exitValue() != 0) {
      System.err.println("CdsTraining: " + what + " exited " + p.exitValue() + "; no archive");
      return false;
    }
    return true;
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
