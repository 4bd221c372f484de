package dev.saidentity.micrometer;

import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.TokenValidator;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Locale;

/** A validator's meters; each reads {@link TokenValidator#stats()} and holds the validator weakly. */
final class ValidatorMeters implements SaIdentityMetrics.Binding {

  private final String name;
  private final TokenValidator validator;

  ValidatorMeters(String name, TokenValidator validator) {
    this.name = name;
    this.validator = validator;
  }

  /** The {@code outcome} tag of a refusal: the reason in lower case ({@code audience_mismatch}). */
  static String outcome(Reason r) {
    return r.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public void bindTo(MeterRegistry registry, Tags common) {
    Tags base = common.and("name", name);
    FunctionCounter.builder(SaIdentityMetrics.VALIDATIONS, validator, v -> v.stats().valid())
        .tags(base).tag("outcome", "valid").description("Tokens validated, by outcome: valid, or the refusal reason")
        .register(registry);
    for (Reason r : Reason.values()) {
      FunctionCounter.builder(SaIdentityMetrics.VALIDATIONS, validator, v -> v.stats().refused(r))
          .tags(base).tag("outcome", outcome(r)).description("Tokens validated, by outcome: valid, or the refusal reason")
          .register(registry);
    }
    FunctionCounter.builder(SaIdentityMetrics.VALIDATION_CACHE_HITS, validator, v -> v.stats().cacheHits())
        .tags(base).description("Validations answered from the validated-token cache, without verifying the signature again")
        .register(registry);
    FunctionCounter.builder(SaIdentityMetrics.VALIDATION_CACHE_MISSES, validator, v -> v.stats().cacheMisses())
        .tags(base).description("Validations that found no usable entry in the validated-token cache")
        .register(registry);
    FunctionCounter.builder(SaIdentityMetrics.KEYS_REFRESHES, validator, v -> v.stats().keyRefreshSuccesses())
        .tags(base).tag("result", "success").description("Fetches of the verification keys, by result")
        .register(registry);
    FunctionCounter.builder(SaIdentityMetrics.KEYS_REFRESHES, validator, v -> v.stats().keyRefreshFailures())
        .tags(base).tag("result", "failure").description("Fetches of the verification keys, by result")
        .register(registry);
    Gauge.builder(SaIdentityMetrics.KEYS_LOADED, validator, v -> v.stats().keysLoaded())
        .tags(base).description("Verification keys loaded").register(registry);
  }
}
