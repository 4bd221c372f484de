package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code @RegisterExtension} with a per-class lifecycle: one server for every method. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FakeClusterRegisteredPerClassTest {
  @RegisterExtension
  final FakeClusterExtension cluster = FakeClusterExtension.builder().perClass().build();

  final Set<String> urls = new HashSet<>();

  @Test
  void first(FakeKubernetesApiServer server) {
    urls.add(server.url());
    assertThat(server.isTls()).isFalse();
  }

  @Test
  void second(FakeKubernetesApiServer server) {
    urls.add(server.url());
  }

  @org.junit.jupiter.api.AfterAll
  void oneServerForTheClass() {
    assertThat(urls).hasSize(1);
  }
}
