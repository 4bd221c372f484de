package dev.saidentity.micrometer;

import dev.saidentity.tokenrequest.ProjectedTokenFile;
import dev.saidentity.tokenrequest.TokenStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/** A token file's meters; they read its {@code status()} and {@code stats()} (never the file) and hold it weakly. */
final class TokenFileMeters implements SaIdentityMetrics.Binding {

  private final String name;
  private final ProjectedTokenFile file;

  TokenFileMeters(String name, ProjectedTokenFile file) {
    this.name = name;
    this.file = file;
  }

  @Override
  public void bindTo(MeterRegistry registry, Tags common) {
    Tags base = common.and("name", name);
    Tags token = base.and(ProviderMeters.RowKey.NONE.tags());
    Gauge.builder(SaIdentityMetrics.TOKEN_EXPIRY, file, f -> Seconds.of(f.status().flatMap(TokenStatus::timeToExpiry)))
        .tags(token).baseUnit("seconds").description(ProviderMeters.EXPIRY_HELP).register(registry);
    Gauge.builder(SaIdentityMetrics.TOKEN_AGE, file, f -> Seconds.of(f.status().flatMap(TokenStatus::age)))
        .tags(token).baseUnit("seconds").description(ProviderMeters.AGE_HELP).register(registry);
    Gauge.builder(SaIdentityMetrics.TOKEN_WARNAFTER_OVERDUE, file, f -> Seconds.of(f.status().map(TokenStatus::pastWarnAfter)))
        .tags(token).baseUnit("seconds").description(ProviderMeters.OVERDUE_HELP).register(registry);
    FunctionCounter.builder(SaIdentityMetrics.TOKEN_FILE_READS, file, f -> f.stats().reads())
        .tags(base).tag("result", "success").description("Reads of the token file, by result (a failed read keeps the last good token)")
        .register(registry);
    FunctionCounter.builder(SaIdentityMetrics.TOKEN_FILE_READS, file, f -> f.stats().readFailures())
        .tags(base).tag("result", "failure").description("Reads of the token file, by result (a failed read keeps the last good token)")
        .register(registry);
    FunctionCounter.builder(SaIdentityMetrics.TOKEN_FILE_ROTATIONS, file, f -> f.stats().rotations())
        .tags(base).description("Reads of the token file that found a new token").register(registry);
  }
}
