package dev.saidentity.benchmarks;

import dev.saidentity.core.KeySource;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.core.ValidationResult;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.JwtParser;
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
 * RS256 on a ~1 KB projected token, every figure beside the bare {@code java.security} verify of
 * the same token in the same run.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class Rs256Benchmark {

  String token;
  /** A copy that is equal but not the same String instance (its hash is not yet cached). */
  byte[] signingInput;
  byte[] signature;
  KeyPair keys;
  Signature bare;
  TokenValidator uncached;
  TokenValidator cached;
  JwtParser jjwt;

  @Setup
  public void setup() throws Exception {
    keys = BenchTokens.rsa();
    token = BenchTokens.token("RS256", keys);
    byte[][] parts = BenchTokens.split(token);
    signingInput = parts[0];
    signature = parts[1];
    bare = Signature.getInstance("SHA256withRSA");
    uncached = TokenValidator.builder().issuer(BenchTokens.ISSUER).keys(KeySource.of(keys.getPublic())).cacheSize(0).build();
    cached = TokenValidator.builder().issuer(BenchTokens.ISSUER).keys(KeySource.of(keys.getPublic())).build();
    jjwt = Jwts.parser().verifyWith(keys.getPublic()).build();
    if (!uncached.tryValidate(token).isValid() || !cached.tryValidate(token).isValid()) {
      throw new IllegalStateException("benchmark token does not validate");
    }
    System.out.println("token length: " + token.length());
  }

  /** The baseline: one RSA-2048 PKCS#1 v1.5 SHA-256 verify, nothing else. */
  @Benchmark
  public boolean bareRs256Verify() throws Exception {
    bare.initVerify(keys.getPublic());
    bare.update(signingInput);
    return bare.verify(signature);
  }

  @Benchmark
  public ValidationResult saIdentityUncached() {
    return uncached.tryValidate(token);
  }

  @Benchmark
  public ValidationResult saIdentityCachedRepeat() {
    return cached.tryValidate(token);
  }

  /** A repeat that arrives as a new String (as from a fresh HTTP header): hashing included. */
  @Benchmark
  public ValidationResult saIdentityCachedRepeatFreshString() {
    return cached.tryValidate(new String(token.toCharArray()));
  }

  @Benchmark
  public UnverifiedToken saIdentityDecode() {
    return UnverifiedToken.decode(token);
  }

  @Benchmark
  public Object jjwtParseVerify() {
    return jjwt.parseSignedClaims(token);
  }
}
