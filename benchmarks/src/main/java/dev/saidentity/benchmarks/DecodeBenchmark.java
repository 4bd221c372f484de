package dev.saidentity.benchmarks;

import dev.saidentity.core.UnverifiedToken;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link UnverifiedToken#decode(String)} beside a Gson tree parse of the same token's header and
 * payload (see {@link PairedRows#gsonTreeParse(String)}), in average time per operation; run with
 * {@code -prof gc} for the bytes allocated per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class DecodeBenchmark {

  String token;

  @Setup
  public void setup() throws Exception {
    token = BenchTokens.token("RS256", BenchTokens.rsa());
  }

  @Benchmark
  public UnverifiedToken saIdentityDecode() {
    return UnverifiedToken.decode(token);
  }

  @Benchmark
  public int gsonTreeParse() {
    return PairedRows.gsonTreeParse(token);
  }
}
