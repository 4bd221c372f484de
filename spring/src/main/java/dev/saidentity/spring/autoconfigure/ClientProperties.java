package dev.saidentity.spring.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code sa-identity.client.*}: which token each outbound {@code RestClient} call gets, per target.
 *
 * <pre>
 * sa-identity:
 *   client:
 *     targets:
 *       orders:
 *         hosts: [orders.shop.svc, orders]
 *         token-file: /var/run/secrets/tokens/orders   # a projected token with audience orders
 * </pre>
 *
 * @param targets the targets by name
 * @param serviceAccount for targets with an {@code audience}: the ServiceAccount ({@code ns/name})
 *     whose tokens are requested; default the pod's own (from the mount's token)
 */
@ConfigurationProperties("sa-identity.client")
public record ClientProperties(@DefaultValue Map<String, Target> targets, @Nullable String serviceAccount) {

  /** Copies the map. */
  public ClientProperties {
    targets = Map.copyOf(targets);
  }

  /**
   * One target: its hosts and where its token comes from, either {@code token-file} or {@code audience}.
   *
   * @param hosts the hosts ({@code name} for any port, {@code name:port})
   * @param tokenFile a projected token file (re-read as the kubelet rotates it)
   * @param audience request tokens for this audience with TokenRequest (cached, refreshed at 80 % of
   *     their lifetime); needs {@code create} on {@code serviceaccounts/token}
   * @param expiration for {@code audience}: the requested lifetime; default 1 hour
   */
  public record Target(@DefaultValue List<String> hosts, @Nullable Path tokenFile, @Nullable String audience,
      @Nullable Duration expiration) {

    /** Copies the list. */
    public Target {
      hosts = List.copyOf(hosts);
    }
  }
}
