package dev.saidentity.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Paired, interleaved measurement of two code paths, for ratios that a shared, noisy machine cannot
 * fake. Both paths run on one thread in alternating short blocks (ABBA order, so that a drift in the
 * machine's speed hits both alike), each block timed by the thread's own CPU time ({@link
 * ThreadMXBean#getCurrentThreadCpuTime()}: time other processes take from this thread is not
 * counted); every round gives one ratio, and the answer is the median of those ratios with a
 * distribution-free 95 % confidence interval from the order statistics of the rounds (the binomial
 * interval of a median). Separate JMH forks on this machine swing by 20 to 60 % between runs; the
 * ratio of two paths measured this way does not.
 *
 * <p>The thread's CPU time does not include the work of garbage-collector and JIT threads: a path
 * that allocates more is slightly favoured. {@code -prof gc} in JMH shows the allocation.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.saidentity.benchmarks.Paired   # rs256 decode cache cache-former es256-bc
 * java -cp benchmarks/target/benchmarks.jar dev.saidentity.benchmarks.Paired decode --rounds 400
 * java -Dsaidentity.bouncycastle=false -cp benchmarks/target/benchmarks.jar dev.saidentity.benchmarks.Paired es256-jdk
 * </pre>
 *
 * <p>Options: {@code --rounds N} (default 200), {@code --block-ms M} (CPU time of one block, default
 * 4), {@code --warmup-s S} (per row, default 8).
 */
public final class Paired {

  /** One operation of a path: returns a value that is consumed, so that the JIT cannot drop the work. */
  @FunctionalInterface
  interface Op {
    int run() throws Exception;
  }

  /** A row: the baseline path, the measured path, and the target for measured speed / baseline speed. */
  record Row(String name, String baselineName, Op baseline, String subjectName, Op subject, double target, String targetText) {}

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static volatile int sink;

  private Paired() {}

  public static void main(String[] args) throws Exception {
    int rounds = 200;
    int blockMs = 4;
    int warmupS = 8;
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds":
          rounds = Integer.parseInt(args[++i]);
          break;
        case "--block-ms":
          blockMs = Integer.parseInt(args[++i]);
          break;
        case "--warmup-s":
          warmupS = Integer.parseInt(args[++i]);
          break;
        default:
          rows.add(args[i]);
      }
    }
    Map<String, Callable<Row>> known = new LinkedHashMap<>();
    known.put("rs256", PairedRows::rs256);
    known.put("decode", PairedRows::decode);
    known.put("cache", PairedRows::cache);
    known.put("cache-former", PairedRows::formerCache);
    known.put("cache-tokens", PairedRows::cacheTokens);
    known.put("es256-bc", PairedRows::es256WithBouncyCastle);
    known.put("es256-jdk", PairedRows::es256JdkOnly);
    if (rows.isEmpty()) {
      rows = List.of("rs256", "decode", "cache", "cache-tokens", "cache-former", "es256-bc");
    }
    if (!MX.isCurrentThreadCpuTimeSupported()) {
      throw new IllegalStateException("this JVM cannot measure the current thread's CPU time");
    }
    MX.setThreadCpuTimeEnabled(true);
    System.out.printf(Locale.ROOT, "Paired: %d rounds of ABBA blocks of ~%d ms CPU each, %d s warm-up per row; %s %s, %d CPUs%n",
        rounds, blockMs, warmupS, System.getProperty("java.vm.name"), System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    for (String name : rows) {
      Callable<Row> make = known.get(name);
      if (make == null) {
        throw new IllegalArgumentException("unknown row " + name + "; known: " + known.keySet());
      }
      Row row = make.call();
      System.out.println(measure(row, rounds, blockMs * 1_000_000L, warmupS * 1_000_000_000L));
    }
  }

  /** Runs {@code op} n times, returning the thread CPU nanoseconds it took. */
  private static long block(Op op, int n) throws Exception {
    int acc = 0;
    long start = MX.getCurrentThreadCpuTime();
    for (int i = 0; i < n; i++) {
      acc += op.run();
    }
    long cpu = MX.getCurrentThreadCpuTime() - start;
    sink += acc;
    return cpu;
  }

  /** How many operations take about {@code targetNanos} of CPU (after warm-up). */
  private static int calibrate(Op op, long targetNanos) throws Exception {
    int n = 1;
    while (true) {
      long t = block(op, n);
      if (t >= targetNanos / 4 || n >= (1 << 28)) {
        return (int) Math.max(1, Math.min(1L << 28, n * targetNanos / Math.max(1, t)));
      }
      n *= 2;
    }
  }

  static String measure(Row row, int rounds, long blockNanos, long warmupNanos) throws Exception {
    // Warm-up: both paths alternately in blocks of the measured size, until the time is spent.
    int warmBase = calibrate(row.baseline(), blockNanos);
    int warmSubj = calibrate(row.subject(), blockNanos);
    long warmStart = MX.getCurrentThreadCpuTime();
    while (MX.getCurrentThreadCpuTime() - warmStart < warmupNanos) {
      block(row.baseline(), warmBase);
      block(row.subject(), warmSubj);
    }
    int nBase = calibrate(row.baseline(), blockNanos);
    int nSubj = calibrate(row.subject(), blockNanos);
    double[] ratios = new double[rounds];
    double[] basePerOp = new double[rounds];
    double[] subjPerOp = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long tb;
      long ts;
      if ((r & 1) == 0) {
        tb = block(row.baseline(), nBase);
        ts = block(row.subject(), nSubj);
      } else {
        ts = block(row.subject(), nSubj);
        tb = block(row.baseline(), nBase);
      }
      basePerOp[r] = (double) tb / nBase;
      subjPerOp[r] = (double) ts / nSubj;
      // Speed of the subject relative to the baseline: baseline time per op / subject time per op.
      ratios[r] = basePerOp[r] / subjPerOp[r];
    }
    Arrays.sort(ratios);
    Arrays.sort(basePerOp);
    Arrays.sort(subjPerOp);
    int[] ci = medianInterval(rounds);
    double lo = ratios[ci[0]];
    double hi = ratios[ci[1]];
    double median = median(ratios);
    String verdict = lo >= row.target() ? "target met (the whole interval)"
        : hi < row.target() ? "target MISSED (the whole interval)" : "target not decided (the interval straddles it)";
    return String.format(Locale.ROOT,
        "%-9s %s / %s: median speed ratio %.3fx, 95%% CI [%.3f, %.3f] over %d rounds%n"
            + "          per op (median): %s %s, %s %s; blocks of %d and %d ops; target %s: %s",
        row.name(), row.subjectName(), row.baselineName(), median, lo, hi, rounds,
        row.baselineName(), time(median(basePerOp)), row.subjectName(), time(median(subjPerOp)), nBase, nSubj,
        row.targetText(), verdict);
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return (n & 1) == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /**
   * Zero-based indexes {lo, hi} of the order statistics that bound the median with at least 95 %
   * confidence, whatever the distribution: the largest k with P(Binomial(n, 1/2) &lt; k) &lt;= 2.5 %,
   * giving [x(k), x(n-k+1)] in one-based terms.
   */
  static int[] medianInterval(int n) {
    double[] logFact = new double[n + 1];
    for (int i = 1; i <= n; i++) {
      logFact[i] = logFact[i - 1] + Math.log(i);
    }
    double cumulative = 0;
    int k = 0;
    // cumulative = P(X <= j); k is the largest count with P(X <= k - 1) <= 0.025.
    for (int j = 0; j <= n; j++) {
      cumulative += Math.exp(logFact[n] - logFact[j] - logFact[n - j] - n * Math.log(2));
      if (cumulative > 0.025) {
        break;
      }
      k = j + 1;
    }
    if (k == 0) {
      return new int[] {0, n - 1};
    }
    return new int[] {k - 1, n - k};
  }

  private static String time(double nanos) {
    return nanos >= 1_000 ? String.format(Locale.ROOT, "%.2f us", nanos / 1_000) : String.format(Locale.ROOT, "%.1f ns", nanos);
  }
}
