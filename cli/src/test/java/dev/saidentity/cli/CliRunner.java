package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the CLI in-process and keeps what it printed; no run may print a stack trace. */
abstract class CliRunner {

  /** Standard output of the last run, stripped. */
  String out;
  /** Standard error of the last run. */
  String err;

  int run(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
    out = o.toString().strip();
    err = e.toString();
    assertThat(err).doesNotContain("\tat ").doesNotContain("Exception in thread");
    return code;
  }
}
