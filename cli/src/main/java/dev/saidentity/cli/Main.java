package dev.saidentity.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code sa-identity}: Kubernetes ServiceAccount identity from the command line.
 *
 * <p>Exit codes: 0 success, 1 a refused or undecodable token (or another runtime failure), 2 a usage
 * error. No command prints a stack trace or echoes token text.
 */
@Command(
    name = "sa-identity",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Kubernetes ServiceAccount identity: decode, validate, request and review tokens; self-check, audit; a fake cluster.",
    subcommands = {DemoCommand.class, DecodeCommand.class, ValidateCommand.class, TokenCommand.class, ReviewCommand.class, WhoamiCommand.class,
        AuditCommand.class, FakeClusterCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  /** Exit code of a refused or undecodable token. */
  static final int EXIT_INVALID = 1;
  /** Exit code of a usage error. */
  static final int EXIT_USAGE = 2;

  private Main() {}

  /** Runs the CLI and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given output streams and returns the exit code (for embedding and tests). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler((ex, args0) -> {
      CommandLine cmd = ex.getCommandLine();
      String name = cmd.getCommandSpec().qualifiedName();
      cmd.getErr().println(name + ": " + ex.getMessage());
      cmd.getErr().println("Try '" + name + " --help' for more information.");
      return EXIT_USAGE;
    });
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      // A failure we did not map: say what, never how (no stack trace, no token text).
      cmd.getErr().println("sa-identity: " + ex.getClass().getSimpleName()
          + (ex.getMessage() == null ? "" : ": " + ex.getMessage()));
      return EXIT_INVALID;
    });
    return cl.execute(args);
  }

  /** The version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"sa-identity " + (v == null ? "development build" : v)};
    }
  }
}
