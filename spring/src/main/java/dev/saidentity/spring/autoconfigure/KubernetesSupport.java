package dev.saidentity.spring.autoconfigure;

import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.tokenrequest.InClusterClient;
import dev.saidentity.tokenrequest.ProjectedTokenFile;
import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Path;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;

/** What the auto-configurations share: the API client, the clock, the pod's own token. */
final class KubernetesSupport {

  private KubernetesSupport() {}

  /** The application's {@link ApiClient}, or an in-cluster one with the mount's CA and rotating token. */
  static ApiClient apiClient(ObjectProvider<ApiClient> clients, KubernetesProperties k8s) {
    return clients.getIfAvailable(() -> InClusterClient.builder().mount(k8s.mount()).environment(k8s.environment()).build());
  }

  /** The application's only {@link Clock}, or the system clock. */
  static Clock clock(ObjectProvider<Clock> clocks) {
    return clocks.getIfUnique(Clock::systemUTC);
  }

  /**
   * The pod's own token, decoded (not verified).
   *
   * @throws IllegalStateException when it cannot be read or decoded
   */
  static UnverifiedToken podToken(Path mount, String why) {
    Path file = mount.resolve("token");
    try {
      return UnverifiedToken.decode(ProjectedTokenFile.of(file).token());
    } catch (RuntimeException e) {
      throw new IllegalStateException(why + ": the pod's token " + file + " cannot be read or decoded (" + e.getClass().getSimpleName()
          + "); set it explicitly, or mount the ServiceAccount token", e);
    }
  }
}
