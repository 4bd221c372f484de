package dev.saidentity.cli;

import java.io.PrintWriter;
import java.util.List;
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
    description = "Kubernetes ServiceAccount identity: decode, validate, request and review tokens; self-check, audit; a fake cluster.")
public final class Main {

  /** The subcommands, in the order the help lists them. */
  static final List<String> SUBCOMMANDS =
      List.of("demo", "decode", "validate", "token", "review", "whoami", "audit", "fake-cluster", "help");

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
    return execute(commandLine(args), args, out, err);
  }

  /**
   * The command line for {@code args}: when they name a subcommand, only that one is built, so a
   * one-shot {@code decode} never loads (nor has picocli reflect on) the classes of {@code audit},
   * {@code whoami} or {@code fake-cluster}; anything else ({@code --help}, {@code help}, no or an
   * unknown command) gets all of them for the usage text and picocli's suggestions.
   */
  static CommandLine commandLine(String[] args) {
    CommandLine cl = new CommandLine(new Main());
    String first = args.length == 0 ? "" : args[0];
    if (!first.equals("help") && SUBCOMMANDS.contains(first)) {
      cl.addSubcommand(subcommand(first));
    } else {
      for (String name : SUBCOMMANDS) {
        cl.addSubcommand(subcommand(name));
      }
    }
    return cl;
  }

  /** A new instance of the named subcommand (a switch: no reflection, no lambda bootstrap). */
  static Object subcommand(String name) {
    switch (name) {
      case "demo": return new DemoCommand();
      case "decode": return new DecodeCommand();
      case "validate": return new ValidateCommand();
      case "token": return new TokenCommand();
      case "review": return new ReviewCommand();
      case "whoami": return new WhoamiCommand();
      case "audit": return new AuditCommand();
      case "fake-cluster": return new FakeClusterCommand();
      case "help": return new CommandLine.HelpCommand();
      default: throw new IllegalArgumentException("no subcommand " + name);
    }
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
