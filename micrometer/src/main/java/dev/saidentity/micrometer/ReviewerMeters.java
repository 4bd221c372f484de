package dev.saidentity.micrometer;

import dev.saidentity.tokenrequest.TokenReviewer;
import dev.saidentity.tokenrequest.TokenReviewer.Outcome;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** A TokenReview client's meters; each reads {@link TokenReviewer#stats()} and holds the reviewer weakly. */
final class ReviewerMeters implements SaIdentityMetrics.Binding {

  private final String name;
  private final TokenReviewer reviewer;

  ReviewerMeters(String name, TokenReviewer reviewer) {
    this.name = name;
    this.reviewer = reviewer;
  }

  @Override
  public void bindTo(MeterRegistry registry, Tags common) {
    Tags base = common.and("name", name);
    for (Outcome o : Outcome.values()) {
      FunctionTimer.builder(SaIdentityMetrics.TOKENREVIEW, reviewer, r -> r.stats().count(o),
              r -> r.stats().totalTime(o).toNanos(), TimeUnit.NANOSECONDS)
          .tags(base).tag("result", o.name().toLowerCase(Locale.ROOT))
          .description("TokenReviews sent to the API server, by result: authenticated, unauthenticated, or error (no answer)")
          .register(registry);
    }
    FunctionCounter.builder(SaIdentityMetrics.TOKENREVIEW_CACHE_HITS, reviewer, r -> r.stats().cacheHits())
        .tags(base).description("Reviews answered from the TokenReview cache").register(registry);
  }
}
