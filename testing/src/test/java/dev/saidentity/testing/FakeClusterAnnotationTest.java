package dev.saidentity.testing;

import static dev.saidentity.testing.SaIdentityAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.core.TokenValidator;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code @FakeCluster} on a class: a fresh TLS cluster per method, parts injected by type. */
@FakeCluster(tls = true)
class FakeClusterAnnotationTest {
  @Test
  void injectsTheSharedPartsByType(FakeKubernetesApiServer server, FakeTokenIssuer issuer, SettableClock clock, Clock asClock,
      ApiClient admin, FakePodMount mount) throws Exception {
    assertThat(server.isTls()).isTrue();
    assertThat(issuer).isSameAs(server.issuer());
    assertThat(asClock).isSameAs(clock).isSameAs(server.clock());
    assertThat(new CoreV1Api(admin).readNamespace("default").execute().getMetadata().getName()).isEqualTo("default");
    String token = Files.readString(mount.tokenPath());
    TokenValidator v = issuer.validator().build();
    assertThat(v.validate(token)).isProjected().hasUsername("system:serviceaccount:default:default").isBoundToPod("fake-pod").isNotStale();
    clock.advance(Duration.ofSeconds(3608));
    assertThat(v.validate(token)).isStale();
    assertThat(Files.readString(mount.caCertPath())).isEqualTo(server.caCertificatePem());
  }
}

