package dev.saidentity.micrometer;

import dev.saidentity.tokenrequest.CachingTokenProvider;
import dev.saidentity.tokenrequest.CachingTokenProvider.Trigger;
import dev.saidentity.tokenrequest.IssuedToken;
import dev.saidentity.tokenrequest.TokenRequestSpec;
import dev.saidentity.tokenrequest.TokenStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * A token provider's meters. Counters read {@link CachingTokenProvider#stats()}; the token gauges
 * are rows per key, kept in step with the provider's keys by a listener on it. The registry holds
 * the provider only weakly: the rows' gauges refer to it weakly and capture nothing else of it, and
 * the listener (held by the provider, not by the registry) refers to it weakly too.
 */
final class ProviderMeters implements SaIdentityMetrics.Binding {

  static final String EXPIRY_HELP = "Seconds until the token expires (negative once expired)";
  static final String AGE_HELP = "Seconds since the token was issued";
  static final String OVERDUE_HELP = "Seconds past the token's warnafter, after which it should have been rotated (0 before it, or without one)";

  private final String name;
  private final CachingTokenProvider provider;

  ProviderMeters(String name, CachingTokenProvider provider) {
    this.name = name;
    this.provider = provider;
  }

  /**
   * The tags of a key's row: namespace, ServiceAccount and audiences (sorted, joined with commas;
   * {@code default} for the API server's). Never the bound object, whose uid is unbounded.
   */
  record RowKey(String namespace, String serviceAccount, String audience) {
    static final RowKey NONE = new RowKey("none", "none", "none");

    static RowKey of(TokenRequestSpec spec) {
      List<String> auds = new ArrayList<>(spec.audiences());
      auds.sort(null);
      return new RowKey(spec.namespace(), spec.serviceAccount(), auds.isEmpty() ? "default" : String.join(",", auds));
    }

    Tags tags() {
      return Tags.of("namespace", namespace, "serviceaccount", serviceAccount, "audience", audience);
    }
  }

  @Override
  public void bindTo(MeterRegistry registry, Tags common) {
    Tags base = common.and("name", name);
    for (Trigger t : Trigger.values()) {
      for (boolean ok : new boolean[] {true, false}) {
        FunctionCounter.builder(SaIdentityMetrics.TOKEN_REFRESHES, provider, p -> p.stats().refreshes(t, ok))
            .tags(base).tag("result", ok ? "success" : "failure").tag("trigger", trigger(t))
            .description("Token requests, by result and trigger (startup: a key's first token; schedule: a due refresh;"
                + " unauthorized: after a 401 invalidated the token)")
            .register(registry);
      }
    }
    FunctionCounter.builder(SaIdentityMetrics.TOKEN_STALE_SERVED, provider, p -> p.stats().staleTokensServed())
        .tags(base).description("Cached tokens served after their refresh failed (still valid)").register(registry);
    Gauge.builder(SaIdentityMetrics.TOKEN_REFRESH_LAST_FAILURE, provider,
            p -> p.stats().lastFailure().map(i -> i.getEpochSecond() + i.getNano() / 1e9).orElse(0.0))
        .tags(base).baseUnit("seconds").description("When the last token request failed, in seconds since the epoch (0 if none has)")
        .register(registry);
    Gauge.builder(SaIdentityMetrics.TOKENS_CACHED, provider, CachingTokenProvider::size)
        .tags(base).description("Tokens the provider holds").register(registry);
    Rows rows = new Rows(registry, base, provider);
    provider.addListener(rows);
    rows.sync();
  }

  /** The {@code trigger} tag: {@code startup}, {@code schedule} or {@code unauthorized}. */
  static String trigger(Trigger t) {
    return t.name().toLowerCase(Locale.ROOT);
  }

  /** The per-key token gauges of one provider in one registry, added and removed as its keys come and go. */
  static final class Rows implements CachingTokenProvider.Listener {
    private final MeterRegistry registry;
    private final Tags base;
    private final WeakReference<CachingTokenProvider> provider;
    /** The meters of each row registered. Guarded by this. */
    private final Map<RowKey, List<Meter.Id>> registered = new HashMap<>();

    Rows(MeterRegistry registry, Tags base, CachingTokenProvider provider) {
      this.registry = registry;
      this.base = base;
      this.provider = new WeakReference<>(provider);
    }

    @Override
    public void onRefresh(TokenRequestSpec spec, IssuedToken token, Trigger trigger) {
      sync();
    }

    @Override
    public void onRemoval(TokenRequestSpec spec) {
      sync();
    }

    /** Registers a row for each key with a token, and removes the rows of keys gone. */
    synchronized void sync() {
      CachingTokenProvider p = provider.get();
      Set<RowKey> wanted = new HashSet<>();
      if (p != null) {
        p.tokenStatus().keySet().forEach(spec -> wanted.add(RowKey.of(spec)));
      }
      for (Iterator<Map.Entry<RowKey, List<Meter.Id>>> it = registered.entrySet().iterator(); it.hasNext();) {
        Map.Entry<RowKey, List<Meter.Id>> row = it.next();
        if (!wanted.contains(row.getKey())) {
          row.getValue().forEach(registry::remove);
          it.remove();
        }
      }
      if (p != null) {
        for (RowKey k : wanted) {
          registered.computeIfAbsent(k, key -> register(p, key));
        }
      }
    }

    /** The row's three gauges; their functions capture the row's key only, and the provider is held weakly. */
    private List<Meter.Id> register(CachingTokenProvider p, RowKey key) {
      Tags tags = base.and(key.tags());
      return List.of(
          gauge(SaIdentityMetrics.TOKEN_EXPIRY, EXPIRY_HELP, p, tags, q -> worst(q, key, Metric.EXPIRY)),
          gauge(SaIdentityMetrics.TOKEN_AGE, AGE_HELP, p, tags, q -> worst(q, key, Metric.AGE)),
          gauge(SaIdentityMetrics.TOKEN_WARNAFTER_OVERDUE, OVERDUE_HELP, p, tags, q -> worst(q, key, Metric.OVERDUE)));
    }

    private Meter.Id gauge(String name, String help, CachingTokenProvider p, Tags tags, ToDoubleFunction<CachingTokenProvider> f) {
      return Gauge.builder(name, p, f).tags(tags).baseUnit("seconds").description(help).register(registry).getId();
    }
  }

  private enum Metric {
    EXPIRY, AGE, OVERDUE
  }

  /**
   * The row's value over the keys it covers: the least time to expiry, the greatest age, the
   * greatest time past warnafter; NaN when it covers no token now.
   */
  static double worst(CachingTokenProvider p, RowKey key, Metric m) {
    double v = Double.NaN;
    for (Map.Entry<TokenRequestSpec, TokenStatus> e : p.tokenStatus().entrySet()) {
      if (!RowKey.of(e.getKey()).equals(key)) {
        continue;
      }
      TokenStatus s = e.getValue();
      double x = m == Metric.EXPIRY ? Seconds.of(s.timeToExpiry()) : m == Metric.AGE ? Seconds.of(s.age()) : Seconds.of(s.pastWarnAfter());
      if (Double.isNaN(v)) {
        v = x;
      } else {
        v = m == Metric.EXPIRY ? Math.min(v, x) : Math.max(v, x);
      }
    }
    return v;
  }
}
