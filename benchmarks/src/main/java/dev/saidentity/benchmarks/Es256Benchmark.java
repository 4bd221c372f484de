package dev.saidentity.benchmarks;

import dev.saidentity.core.KeySource;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.ValidationResult;
import java.security.KeyPair;
import java.security.Signature;
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
 * ES256 (uncached) beside the bare JDK ES256 verify: with BouncyCastle on the class path (the
 * default here) and, in a fork with {@code -Dsaidentity.bouncycastle=false}, without it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class Es256Benchmark {

  String token;
  byte[] signingInput;
  byte[] signature;
  KeyPair keys;
  Signature bare;
  TokenValidator uncached;

  @Setup
  public void setup() throws Exception {
    keys = BenchTokens.ec();
    token = BenchTokens.token("ES256", keys);
    byte[][] parts = BenchTokens.split(token);
    signingInput = parts[0];
    signature = parts[1];
    bare = Signature.getInstance("SHA256withECDSAinP1363Format");
    if (!bare.getProvider().getName().equals("SunEC")) {
      throw new IllegalStateException("the bare baseline must be the JDK's SunEC, got " + bare.getProvider().getName());
    }
    uncached = TokenValidator.builder().issuer(BenchTokens.ISSUER).keys(KeySource.of(keys.getPublic())).cacheSize(0).build();
    if (!uncached.tryValidate(token).isValid()) {
      throw new IllegalStateException("benchmark token does not validate");
    }
  }

  @Benchmark
  public boolean bareJdkEs256Verify() throws Exception {
    bare.initVerify(keys.getPublic());
    bare.update(signingInput);
    return bare.verify(signature);
  }

  /** Refuses to run unless BouncyCastle is active: otherwise the row would measure the JDK under BC's name. */
  @State(Scope.Thread)
  public static class WithBouncyCastle {
    @Setup
    public void check() {
      BouncyCastleGuard.requireBouncyCastle("Es256Benchmark.saIdentityWithBouncyCastle");
    }
  }

  /**
   * Refuses to run with BouncyCastle active or registered: a {@code -jvmArgsAppend} on the command
   * line replaces this row's {@code -Dsaidentity.bouncycastle=false}, and the "JDK only" figure would
   * silently be BouncyCastle's.
   */
  @State(Scope.Thread)
  public static class JdkOnly {
    @Setup
    public void check() {
      BouncyCastleGuard.requireJdkOnly("Es256Benchmark.saIdentityJdkOnly");
    }
  }

  @Benchmark
  public ValidationResult saIdentityWithBouncyCastle(WithBouncyCastle guard) {
    return uncached.tryValidate(token);
  }

  @Benchmark
  @Fork(value = 1, jvmArgsAppend = "-Dsaidentity.bouncycastle=false")
  public ValidationResult saIdentityJdkOnly(JdkOnly guard) {
    return uncached.tryValidate(token);
  }
}
