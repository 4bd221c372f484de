package dev.saidentity.spring;

import dev.saidentity.core.Finding;
import dev.saidentity.core.SelfCheck;
import dev.saidentity.core.Severity;
import dev.saidentity.core.UnverifiedToken;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The pod's own identity as Actuator health, from the offline {@link SelfCheck} of its ServiceAccount
 * mount. {@code DOWN} for an error (a missing or unreadable mount inside a pod, an expired token, a
 * token for another namespace) and for a stalled rotation (SAI-107: the token is older than the
 * kubelet's rotation allows); {@code UP} otherwise, warnings included. Outside a cluster ({@code
 * KUBERNETES_SERVICE_HOST} unset) a missing mount is {@code UP} with {@code inCluster: false}.
 *
 * <p>Details: {@code inCluster}, {@code serviceAccount} (the username), {@code expiresAt}, {@code
 * warnAfter}, {@code tokenFingerprint} and {@code findings} (id, severity, message); never the token.
 * The mount is read on each call (a few small files, each with a size cap). Thread-safe.
 */
public final class ServiceAccountHealthIndicator implements HealthIndicator {

  /** Findings that make the health DOWN although their severity is only a warning. */
  static final Set<String> DOWN_WARNINGS = Set.of("SAI-107");

  private final Path mount;
  private final Map<String, String> environment;
  private final Clock clock;

  /**
   * An indicator for a mount.
   *
   * @param mount the ServiceAccount volume's directory
   * @param environment where {@code KUBERNETES_SERVICE_HOST} is read from (normally {@link System#getenv()})
   * @param clock what now is
   */
  public ServiceAccountHealthIndicator(Path mount, Map<String, String> environment, Clock clock) {
    this.mount = Objects.requireNonNull(mount, "mount");
    this.environment = Map.copyOf(environment);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Health health() {
    SelfCheck.Report r = SelfCheck.run(mount, environment, clock);
    String host = environment.get("KUBERNETES_SERVICE_HOST");
    boolean inCluster = host != null && !host.isEmpty();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("inCluster", inCluster);
    details.put("mount", mount.toString());
    r.token().ifPresent(t -> identity(t, details));
    List<Map<String, String>> findings = new ArrayList<>();
    boolean down = false;
    for (Finding f : r.findings()) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("id", f.id());
      m.put("severity", f.severity().label());
      m.put("message", f.message());
      findings.add(m);
      boolean missingOutsideCluster = !inCluster && f.id().equals("SAI-101") && r.token().isEmpty();
      if (!missingOutsideCluster && (f.severity() == Severity.ERROR || DOWN_WARNINGS.contains(f.id()))) {
        down = true;
      }
    }
    details.put("findings", findings);
    return (down ? Health.down() : Health.up()).withDetails(details).build();
  }

  private static void identity(UnverifiedToken t, Map<String, Object> details) {
    details.put("serviceAccount", t.serviceAccount().username());
    t.expiresAt().ifPresent(e -> details.put("expiresAt", e.toString()));
    t.warnAfter().ifPresent(w -> details.put("warnAfter", w.toString()));
    details.put("tokenFingerprint", t.fingerprint());
  }

  @Override
  public String toString() {
    return "ServiceAccountHealthIndicator[" + mount + "]";
  }
}
