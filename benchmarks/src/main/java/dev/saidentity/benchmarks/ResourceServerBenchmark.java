package dev.saidentity.benchmarks;

import dev.saidentity.core.KeySource;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.ValidationResult;
import dev.saidentity.spring.ServiceAccountAuthenticationProvider;
import dev.saidentity.spring.ServiceAccounts;
import java.security.KeyPair;
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
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;

/**
 * The Spring resource server's cost per request beside the core validator's cached path, in one run:
 * {@code validatorCachedPath} is {@code TokenValidator.tryValidate} of a token seen before (no
 * signature check); {@code resourceServer} is what the starter adds around it for one request: the
 * {@code BearerTokenAuthenticationToken}, {@link ServiceAccountAuthenticationProvider#authenticate}
 * (validation, principal, authorities) and the {@link ServiceAccounts#allow} decision. The servlet
 * filter chain itself (Spring Security's filters, header parsing) is not included. The added cost is
 * the difference of the two.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ResourceServerBenchmark {

  String token;
  TokenValidator validator;
  ServiceAccountAuthenticationProvider provider;
  AuthorizationManager<Object> allow;

  @Setup
  public void setup() throws Exception {
    KeyPair kp = BenchTokens.ec();
    token = BenchTokens.token("ES256", kp);
    validator = TokenValidator.builder().issuer(BenchTokens.ISSUER).audience(BenchTokens.ISSUER)
        .keys(KeySource.of(kp.getPublic())).build();
    provider = ServiceAccountAuthenticationProvider.of(validator);
    allow = ServiceAccounts.allow("payments/checkout", "billing/*");
    if (!validator.tryValidate(token).isValid() || !allow.authorize(this::authenticate, "").isGranted()) {
      throw new IllegalStateException("the benchmark token is not accepted");
    }
  }

  Authentication authenticate() {
    return provider.authenticate(new BearerTokenAuthenticationToken(token));
  }

  @Benchmark
  public ValidationResult validatorCachedPath() {
    return validator.tryValidate(token);
  }

  @Benchmark
  public AuthorizationResult resourceServer() {
    Authentication a = authenticate();
    return allow.authorize(() -> a, "");
  }
}
