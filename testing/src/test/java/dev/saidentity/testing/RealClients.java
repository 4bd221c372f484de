package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/** What the real-client tests (fabric8, client-java informers, kubectl, Python, node) share. */
final class RealClients {

  private RealClients() {}

  /** How long one awaited event may take: generous for a loaded CI machine, bounded all the same. */
  static final Duration EVENT_DEADLINE = Duration.ofSeconds(30);

  /** The fake's test hook that makes every resourceVersion seen so far too old and ends open watches. */
  static void compactHistory(FakeKubernetesApiServer server) {
    server.compactHistory();
  }

  /**
   * An informer's update as an event line: {@code relisted NAME} when the resourceVersion did not change
   * (with no resync period, only a relist redelivers an unchanged object), else {@code update NAME LABELS}.
   */
  static String update(String name, String oldResourceVersion, String resourceVersion, @Nullable Map<String, String> labels) {
    return oldResourceVersion.equals(resourceVersion) ? "relisted " + name : "update " + name + " " + labels;
  }

  /** How many list (not watch) GETs of {@code path} the server has recorded. */
  static long lists(FakeKubernetesApiServer server, String path) {
    return server.requests().stream()
        .filter(r -> r.method().equals("GET") && r.path().equals(path) && !r.query().matches("(^|.*&)watch=(?i:true|t|1)(&.*|$)"))
        .count();
  }

  /** Takes from {@code queue} until an element matches, for at most {@code deadline} in all. */
  static <T> T awaitMatch(BlockingQueue<T> queue, Predicate<? super T> match, String what, Duration deadline) throws InterruptedException {
    long end = System.nanoTime() + deadline.toNanos();
    List<T> seen = new ArrayList<>();
    while (true) {
      long left = end - System.nanoTime();
      T next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
      if (next == null) {
        throw new AssertionError(what + ": not within " + deadline.toSeconds() + " s; saw " + seen);
      }
      if (match.test(next)) {
        return next;
      }
      seen.add(next);
    }
  }

  /** An executable: {@code name} itself if it is a path, else the first on the PATH. */
  static java.util.Optional<Path> executable(String name) {
    if (name.contains("/")) {
      Path p = Path.of(name);
      return Files.isExecutable(p) ? java.util.Optional.of(p) : java.util.Optional.empty();
    }
    return KubectlTest.kubectl(name);
  }

  /** A finished process: its exit code (-1 if it had to be killed at the deadline) and output. */
  record Result(int code, String out, String err) {}

  /**
   * Runs a command to its end, for at most {@code deadline} (then kills it, and the result says so with
   * code -1). Output goes to files, so that a chatty process cannot block on a full pipe.
   */
  static Result run(List<String> command, Path dir, Map<String, String> env, Duration deadline) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    int code;
    if (p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
      code = p.exitValue();
    } else {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      code = -1;
    }
    return new Result(code, Files.readString(out, StandardCharsets.UTF_8).strip(), Files.readString(err, StandardCharsets.UTF_8).strip());
  }

  /** A long-running process whose standard output is read line by line, with deadlines; closing kills it. */
  static final class Streaming implements AutoCloseable {
    private final Process process;
    /** Put after the last line (compared by identity: no line read is this instance). */
    private static final String END = new String("end of output");
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;
    private final Path err;

    Streaming(List<String> command, Path dir, Map<String, String> env) throws IOException {
      err = Files.createTempFile(dir, "err", ".txt");
      ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectError(err.toFile());
      pb.environment().putAll(env);
      process = pb.start();
      process.getOutputStream().close();
      reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            lines.add(line);
          }
        } catch (IOException e) {
          // the process was killed: its output ends here
        }
        lines.add(END);
      }, "real-client-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    /** The first output line (from here on) that matches, within {@code deadline}; fails with the output and stderr otherwise. */
    String awaitLine(Predicate<String> match, String what, Duration deadline) throws InterruptedException {
      String line;
      try {
        line = awaitMatch(lines, l -> l == END || match.test(l), what, deadline);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; stderr: " + stderr(), e);
      }
      if (line == END) {
        lines.add(END);
        throw new AssertionError(what + ": the output ended" + (process.isAlive() ? "" : " (exit " + process.exitValue() + ")") + "; stderr: " + stderr());
      }
      return line;
    }

    String stderr() {
      try {
        return Files.readString(err, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("the process ended once killed").isTrue();
        reader.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
