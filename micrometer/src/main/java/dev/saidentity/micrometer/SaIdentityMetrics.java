package dev.saidentity.micrometer;

import dev.saidentity.core.TokenValidator;
import dev.saidentity.tokenrequest.CachingTokenProvider;
import dev.saidentity.tokenrequest.ProjectedTokenFile;
import dev.saidentity.tokenrequest.TokenReviewer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Metrics of sa-identity's moving parts, as a Micrometer {@link MeterBinder}: token providers and
 * token files (seconds to expiry, age, seconds past {@code warnafter}, refreshes by result and
 * trigger, stale tokens served, the last failure), validators (validations by outcome, cache hits,
 * key refreshes, keys loaded) and TokenReview clients (latency by result, cache hits).
 *
 * <pre>{@code
 * SaIdentityMetrics.builder()
 *     .tokenProvider("outbound", provider)
 *     .tokenFile("vault", ProjectedTokenFile.of(Path.of("/var/run/secrets/tokens/vault-token")))
 *     .validator("inbound", validator)
 *     .tokenReviewer("inbound", reviewer)
 *     .build()
 *     .bindTo(registry);
 * }</pre>
 *
 * <p>Every meter has the tag {@code name}, the name given here, which tells the sources apart; the
 * other tags take a small bounded set of values. A token provider's token gauges are per key,
 * tagged {@code namespace}, {@code serviceaccount} and {@code audience} (the audiences sorted and
 * joined with commas, {@code default} for the API server's); several keys with the same three (bound
 * to different objects) share one row, which shows the worst of them. A token file's gauges carry
 * the same tags with the value {@code none}, so that each meter name has one set of tag keys (as
 * Prometheus requires). No tag ever holds a token, a fingerprint or a bound object's name or uid.
 *
 * <p>Counters read the sources' own statistics ({@code stats()}), so they count from the moment each
 * source was built, also what happened before binding. Every meter holds its source weakly: a
 * binder never keeps a closed provider or validator alive, and a token provider's per-key gauges
 * are removed when its keys are (on {@code close()} too). Immutable and thread-safe; may be bound to
 * several registries.
 */
public final class SaIdentityMetrics implements MeterBinder {

  /** {@value}: gauge, seconds until the token expires (negative once expired). */
  public static final String TOKEN_EXPIRY = "saidentity.token.expiry";
  /** {@value}: gauge, seconds since the token was issued. */
  public static final String TOKEN_AGE = "saidentity.token.age";
  /** {@value}: gauge, seconds past the token's {@code warnafter} (0 before it, or without one). */
  public static final String TOKEN_WARNAFTER_OVERDUE = "saidentity.token.warnafter.overdue";
  /** {@value}: gauge, tokens a provider holds. */
  public static final String TOKENS_CACHED = "saidentity.token.cached";
  /** {@value}: counter, token requests by {@code result} and {@code trigger}. */
  public static final String TOKEN_REFRESHES = "saidentity.token.refreshes";
  /** {@value}: counter, cached tokens served after their refresh failed. */
  public static final String TOKEN_STALE_SERVED = "saidentity.token.stale.served";
  /** {@value}: gauge, epoch seconds of the last failed token request (0 if none). */
  public static final String TOKEN_REFRESH_LAST_FAILURE = "saidentity.token.refresh.last.failure";
  /** {@value}: counter, reads of a token file by {@code result}. */
  public static final String TOKEN_FILE_READS = "saidentity.token.file.reads";
  /** {@value}: counter, rotations seen in a token file. */
  public static final String TOKEN_FILE_ROTATIONS = "saidentity.token.file.rotations";
  /** {@value}: counter, validations by {@code outcome}. */
  public static final String VALIDATIONS = "saidentity.validations";
  /** {@value}: counter, validations answered from the validated-token cache. */
  public static final String VALIDATION_CACHE_HITS = "saidentity.validation.cache.hits";
  /** {@value}: counter, validations that found no usable cache entry. */
  public static final String VALIDATION_CACHE_MISSES = "saidentity.validation.cache.misses";
  /** {@value}: counter, fetches of the verification keys by {@code result}. */
  public static final String KEYS_REFRESHES = "saidentity.keys.refreshes";
  /** {@value}: gauge, verification keys loaded. */
  public static final String KEYS_LOADED = "saidentity.keys.loaded";
  /** {@value}: timer, TokenReviews sent, by {@code result}. */
  public static final String TOKENREVIEW = "saidentity.tokenreview";
  /** {@value}: counter, reviews answered from the TokenReview cache. */
  public static final String TOKENREVIEW_CACHE_HITS = "saidentity.tokenreview.cache.hits";

  /** The longest name a source may be given: 128 characters. */
  public static final int MAX_NAME_LENGTH = 128;

  /** One source's meters. */
  interface Binding {
    void bindTo(MeterRegistry registry, Tags common);
  }

  private final List<Binding> bindings;
  private final Tags tags;

  private SaIdentityMetrics(Builder b) {
    this.bindings = List.copyOf(b.bindings);
    this.tags = b.tags;
  }

  /** A builder with no source and no extra tag. */
  public static Builder builder() {
    return new Builder();
  }

  /** Registers the meters of every source with {@code registry}. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    for (Binding b : bindings) {
      b.bindTo(registry, tags);
    }
  }

  @Override
  public String toString() {
    return "SaIdentityMetrics[" + bindings.size() + " sources]";
  }

  /**
   * The sources to measure, each under a name of its own (per kind of source). Not thread-safe; the
   * binder it builds is.
   */
  public static final class Builder {
    private final List<Binding> bindings = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private Tags tags = Tags.empty();

    private Builder() {}

    /**
     * Validations by outcome, cache hits and misses, key refreshes and keys loaded of {@code validator}.
     *
     * @throws IllegalArgumentException if the name is empty, longer than {@value SaIdentityMetrics#MAX_NAME_LENGTH}
     *     characters, or already given to another validator
     */
    public Builder validator(String name, TokenValidator validator) {
      Objects.requireNonNull(validator, "validator");
      bindings.add(new ValidatorMeters(checkName("validator", name), validator));
      return this;
    }

    /**
     * The token gauges per key, refreshes by result and trigger, stale tokens served and the last
     * failure of {@code provider}.
     *
     * @throws IllegalArgumentException if the name is empty, too long, or already given to a token
     *     provider or token file (their token gauges share meter names)
     */
    public Builder tokenProvider(String name, CachingTokenProvider provider) {
      Objects.requireNonNull(provider, "provider");
      bindings.add(new ProviderMeters(checkName("token", name), provider));
      return this;
    }

    /**
     * The token gauges, reads by result and rotations of {@code file}.
     *
     * @throws IllegalArgumentException if the name is empty, too long, or already given to a token
     *     provider or token file
     */
    public Builder tokenFile(String name, ProjectedTokenFile file) {
      Objects.requireNonNull(file, "file");
      bindings.add(new TokenFileMeters(checkName("token", name), file));
      return this;
    }

    /**
     * The review latency by result and the cache hits of {@code reviewer}.
     *
     * @throws IllegalArgumentException if the name is empty, too long, or already given to another reviewer
     */
    public Builder tokenReviewer(String name, TokenReviewer reviewer) {
      Objects.requireNonNull(reviewer, "reviewer");
      bindings.add(new ReviewerMeters(checkName("reviewer", name), reviewer));
      return this;
    }

    /** Tags added to every meter (e.g. an application name); default none. Repeatable. */
    public Builder tags(Iterable<Tag> values) {
      this.tags = tags.and(Objects.requireNonNull(values, "tags"));
      return this;
    }

    /**
     * Tags added to every meter, as key-value pairs.
     *
     * @throws IllegalArgumentException if an odd number of strings is given
     */
    public Builder tags(String... keyValues) {
      if (keyValues.length % 2 != 0) {
        throw new IllegalArgumentException("tags need key-value pairs, got " + keyValues.length + " strings");
      }
      this.tags = tags.and(keyValues);
      return this;
    }

    /** The binder; it may measure no source at all. */
    public SaIdentityMetrics build() {
      return new SaIdentityMetrics(this);
    }

    private String checkName(String kind, String name) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
        throw new IllegalArgumentException("a source's name must have 1 to " + MAX_NAME_LENGTH + " characters, got " + name.length());
      }
      if (!names.add(kind + ":" + name)) {
        throw new IllegalArgumentException("the name \"" + name + "\" is already given to another "
            + (kind.equals("token") ? "token provider or token file" : kind) + ": the meters would collide");
      }
      return name;
    }
  }
}
