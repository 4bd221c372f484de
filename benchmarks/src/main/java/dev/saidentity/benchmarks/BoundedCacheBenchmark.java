package dev.saidentity.benchmarks;

import dev.saidentity.core.internal.BoundedCache;
import dev.saidentity.core.internal.TokenKey;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
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
 * The validated-token cache's policy ({@link BoundedCache}, 10,000 entries, the validator's default)
 * under the two extremes: every look-up a hit (10,000 keys resident), and 100,000 distinct keys
 * cycling through, where every look-up misses and inserts, evicting one entry; once with short keys
 * whose hashes are computed in advance (the policy's own work, nothing else), once with tokens as the
 * validator looks them up ({@code token*}). The signature verification that a validator's miss also
 * costs is not included: this is the cache's work.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class BoundedCacheBenchmark {

  private static final Predicate<Object> NEVER = v -> false;

  String[] keys;
  Object value = new Object();
  BoundedCache<String, Object> resident;
  BoundedCache<String, Object> cycling;
  FormerScanEvictCache former;
  Instant exp = Instant.now().plusSeconds(3600);
  Instant expiredBefore = Instant.now().minusSeconds(60);
  int nextFormer;
  int nextHit;
  int nextCycle;
  String[] tokens;
  BoundedCache<TokenKey, Object> residentTokens;
  BoundedCache<TokenKey, Object> cyclingTokens;
  int nextTokenHit;
  int nextTokenCycle;

  @Setup
  public void setup() {
    keys = PairedRows.cacheKeys(PairedRows.DISTINCT);
    resident = new BoundedCache<>(PairedRows.CACHE_SIZE);
    for (int i = 0; i < PairedRows.CACHE_SIZE; i++) {
      resident.put(keys[i], value, NEVER);
    }
    cycling = new BoundedCache<>(PairedRows.CACHE_SIZE);
    former = new FormerScanEvictCache(PairedRows.CACHE_SIZE);
    try {
      tokens = PairedRows.presentedTokens(PairedRows.DISTINCT);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    residentTokens = new BoundedCache<>(PairedRows.CACHE_SIZE);
    for (int i = 0; i < PairedRows.CACHE_SIZE; i++) {
      residentTokens.put(new TokenKey(new String(tokens[i].toCharArray())), value, NEVER);
    }
    cyclingTokens = new BoundedCache<>(PairedRows.CACHE_SIZE);
  }

  /**
   * As the validator looks tokens up: a 1,221-character token presented as a String of its own, keyed
   * per look-up, every one a hit (compared in full with the cached copy).
   */
  @Benchmark
  public Object tokenAllHits() {
    int i = nextTokenHit++;
    if (nextTokenHit == PairedRows.CACHE_SIZE) {
      nextTokenHit = 0;
    }
    return residentTokens.get(new TokenKey(tokens[i]));
  }

  /** As the validator looks tokens up, 100,000 distinct tokens cycling through 10,000 entries: every look-up misses, inserts and evicts. */
  @Benchmark
  public Object tokenCycling100kThrough10k() {
    int i = nextTokenCycle++;
    if (nextTokenCycle == PairedRows.DISTINCT) {
      nextTokenCycle = 0;
    }
    TokenKey k = new TokenKey(tokens[i]);
    Object v = cyclingTokens.get(k);
    if (v == null) {
      cyclingTokens.put(k, value, NEVER);
    }
    return v;
  }

  @Benchmark
  public Object allHits() {
    int i = nextHit++;
    if (nextHit == PairedRows.CACHE_SIZE) {
      nextHit = 0;
    }
    return resident.get(keys[i]);
  }

  @Benchmark
  public Object cycling100kThrough10k() {
    int i = nextCycle++;
    if (nextCycle == PairedRows.DISTINCT) {
      nextCycle = 0;
    }
    String k = keys[i];
    Object v = cycling.get(k);
    if (v == null) {
      cycling.put(k, value, NEVER);
    }
    return v;
  }

  /** The former policy under the same load: every 1,000th insertion scans all 10,000 entries. */
  @Benchmark
  public Object formerScanEvictCycling100kThrough10k() {
    int i = nextFormer++;
    if (nextFormer == PairedRows.DISTINCT) {
      nextFormer = 0;
    }
    String k = keys[i];
    Instant v = former.get(k);
    if (v == null) {
      former.put(k, exp, expiredBefore);
    }
    return v;
  }
}
