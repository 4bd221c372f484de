package dev.saidentity.benchmarks;

import dev.saidentity.tokenrequest.CachingTokenProvider;
import dev.saidentity.tokenrequest.IssuedToken;
import dev.saidentity.tokenrequest.TokenRequestSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A cache hit of {@link CachingTokenProvider} beside a bare {@code ConcurrentHashMap.get} of the same
 * key in the same run. Run with {@code -prof gc} to see the allocation per hit.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class TokenCacheBenchmark {

  TokenRequestSpec spec;
  ConcurrentHashMap<TokenRequestSpec, String> map;
  CachingTokenProvider provider;

  @Setup
  public void setup() {
    spec = TokenRequestSpec.builder("payments", "checkout").audience("vault").build();
    map = new ConcurrentHashMap<>();
    map.put(spec, "token");
    // A fetcher that issues a 1-hour token without a server: the benchmark measures the hit path only.
    provider = CachingTokenProvider.builder(s -> IssuedToken.of("header.payload.signature", Instant.now().plusSeconds(3600),
        Duration.ofHours(1), s.audiences())).build();
    provider.get(spec);
  }

  @TearDown
  public void tearDown() {
    provider.close();
  }

  @Benchmark
  public String concurrentHashMapGet() {
    return map.get(spec);
  }

  /** For scale: one read of the system clock, which a hit must make to know whether to refresh. */
  @Benchmark
  public long systemClockMillis() {
    return java.time.Clock.systemUTC().millis();
  }

  @Benchmark
  public IssuedToken cachingTokenProviderHit() {
    return provider.get(spec);
  }
}
