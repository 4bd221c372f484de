package dev.saidentity.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code sa-identity}: Kubernetes ServiceAccount identity from the command line.
 *
 * <p>Exit codes: 0 success, 1 a refused or undecodable token (or another runtime failure), 2 a usage
 * error, input over a limit (standard input over 1 MiB, manifests over their limits), or an error of
 * the JVM itself (out of memory, stack overflow). No command prints a stack trace or echoes token
 * text: every failure is one line on standard error.
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
    return execute(new CommandLine(new Main()), args, out, err);
  }

  /** Runs a command line with the CLI's handlers: usage errors, unmapped failures and JVM errors each become one line. */
  static int execute(CommandLine cl, String[] args, PrintWriter out, PrintWriter err) {
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
      if (ex instanceof TokenInput.TooLarge) {
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
        return EXIT_USAGE;
      }
      // A failure we did not map: say what, never how (no stack trace, no token text).
      cmd.getErr().println("sa-identity: " + ex.getClass().getSimpleName()
          + (ex.getMessage() == null ? "" : ": " + ex.getMessage()));
      return EXIT_INVALID;
    });
    try {
      return cl.execute(args);
    } catch (Error e) {
      // The last resort (OutOfMemoryError, StackOverflowError...): one line, no stack trace. What
      // could be freed has been, as the stack unwound to here.
      err.println("sa-identity: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
          + (e instanceof VirtualMachineError ? " (the input is too large or too deep for this JVM)" : ""));
      err.flush();
      return EXIT_USAGE;
    }
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
