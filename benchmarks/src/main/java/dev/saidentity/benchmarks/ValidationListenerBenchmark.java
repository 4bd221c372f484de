package dev.saidentity.benchmarks;

import dev.saidentity.core.KeySource;
import dev.saidentity.core.TokenValidationException;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.ValidatedToken;
import dev.saidentity.core.ValidationListener;
import dev.saidentity.core.ValidationResult;
import java.security.KeyPair;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * The validator's cached path (a repeat of a valid token) without a listener and with one that
 * counts, in the same run: what a metrics listener adds to the hot path. Both count their outcome
 * and cache hit in the validator's own statistics (two {@code LongAdder} increments), which {@code
 * Rs256Benchmark.saIdentityCachedRepeat} measures too.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ValidationListenerBenchmark {

  String token;
  TokenValidator plain;
  TokenValidator listened;
  final LongAdder heard = new LongAdder();

  @Setup
  public void setup() throws Exception {
    KeyPair keys = BenchTokens.rsa();
    token = BenchTokens.token("RS256", keys);
    plain = TokenValidator.builder().issuer(BenchTokens.ISSUER).keys(KeySource.of(keys.getPublic())).build();
    listened = TokenValidator.builder().issuer(BenchTokens.ISSUER).keys(KeySource.of(keys.getPublic()))
        .listener(new ValidationListener() {
          @Override
          public void onValid(ValidatedToken t) {
            heard.increment();
          }

          @Override
          public void onRefused(TokenValidationException.Reason reason) {
            heard.increment();
          }
        }).build();
    if (!plain.tryValidate(token).isValid() || !listened.tryValidate(token).isValid()) {
      throw new IllegalStateException("benchmark token does not validate");
    }
  }

  @Benchmark
  public ValidationResult cachedRepeatNoListener() {
    return plain.tryValidate(token);
  }

  @Benchmark
  public ValidationResult cachedRepeatCountingListener() {
    return listened.tryValidate(token);
  }
}
