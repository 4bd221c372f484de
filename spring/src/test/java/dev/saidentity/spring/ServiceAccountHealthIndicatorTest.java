package dev.saidentity.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.testing.FakePodMount;
import dev.saidentity.testing.FakeTokenIssuer;
import dev.saidentity.testing.SettableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class ServiceAccountHealthIndicatorTest {

  static final Map<String, String> IN_POD = Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1", "KUBERNETES_SERVICE_PORT", "443");
  static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  final SettableClock clock = SettableClock.at(Instant.parse("2026-12-01T10:00:00Z"));
  final FakeTokenIssuer issuer = FakeTokenIssuer.builder().clock(clock).build();

  @TempDir
  Path dir;

  String token(Duration lifetime) {
    return issuer.projected(ServiceAccount.of("shop", "orders", "u-1")).audience(issuer.issuer()).expiresIn(lifetime).mint();
  }

  @Test
  void aFreshToken_isUp_withTheIdentity_andNeverTheToken() {
    String token = token(Duration.ofHours(1));
    try (FakePodMount mount = FakePodMount.projected(dir, "shop", token, CA, clock)) {
      Health h = new ServiceAccountHealthIndicator(mount.path(), IN_POD, clock).health();

      assertThat(h.getStatus()).isEqualTo(Status.UP);
      assertThat(h.getDetails()).containsEntry("serviceAccount", "system:serviceaccount:shop:orders").containsEntry("inCluster", true);
      assertThat(h.toString()).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }
  }

  @Test
  void anExpiredToken_isDown_withSai103() {
    try (FakePodMount mount = FakePodMount.projected(dir, "shop", token(Duration.ofHours(1)), CA, clock)) {
      clock.advance(Duration.ofHours(2));

      Health h = new ServiceAccountHealthIndicator(mount.path(), IN_POD, clock).health();

      assertThat(h.getStatus()).isEqualTo(Status.DOWN);
      assertThat(ids(h)).contains("SAI-103");
    }
  }

  @Test
  void aStalledRotation_isDown_withSai107() {
    try (FakePodMount mount = FakePodMount.projected(dir, "shop", token(Duration.ofHours(10)), CA, clock)) {
      clock.advance(Duration.ofHours(9)); // past 80 % of the lifetime plus the kubelet's sync: it should have rotated

      Health h = new ServiceAccountHealthIndicator(mount.path(), IN_POD, clock).health();

      assertThat(h.getStatus()).isEqualTo(Status.DOWN);
      assertThat(ids(h)).contains("SAI-107").doesNotContain("SAI-103");
    }
  }

  @Test
  void aMissingMount_isDownInAPod_andUpOutsideOne() {
    Path none = dir.resolve("none");

    assertThat(new ServiceAccountHealthIndicator(none, IN_POD, clock).health().getStatus()).isEqualTo(Status.DOWN);
    Health outside = new ServiceAccountHealthIndicator(none, Map.of(), clock).health();
    assertThat(outside.getStatus()).isEqualTo(Status.UP);
    assertThat(outside.getDetails()).containsEntry("inCluster", false);
  }

  @SuppressWarnings("unchecked")
  static List<String> ids(Health h) {
    return ((List<Map<String, String>>) h.getDetails().get("findings")).stream().map(m -> m.get("id")).toList();
  }
}
