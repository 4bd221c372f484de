package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 8 item 9: the fake server reads YAML bodies and seeds with the same bounded loader as audit. */
class YamlBoundsTest {

  /** 10 levels of 5 aliases (50, SnakeYAML's own alias limit): 5^10 copies of a list of 40 strings if expanded. */
  static String aliasBomb() {
    StringBuilder sb = new StringBuilder("a0: &a0 [" + "x,".repeat(39) + "x]\n");
    for (int i = 1; i <= 10; i++) {
      String prev = "*a" + (i - 1);
      sb.append('a').append(i).append(": &a").append(i).append(" [").append(String.join(",", List.of(prev, prev, prev, prev, prev))).append("]\n");
    }
    return sb.toString();
  }

  @Test
  void aliasBombBody_isABadRequest_quickly() {
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> Yaml.toJson(aliasBomb()))
        .isInstanceOf(StatusError.class)
        .hasMessageMatching("the YAML could not be parsed: line \\d+, column \\d+: the document expands to more than 1000000 nodes"
            + " \\(through aliases or merge keys\\)"));
  }

  @Test
  void seedingWithAnAliasBomb_isRefused_quickly() {
    try (FakeKubernetesApiServer server = FakeKubernetesApiServer.start()) {
      assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> server.create(aliasBomb()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 1000000 nodes"));
    }
  }

  @Test
  void duplicateKeys_areRefused_withPosition_likeAudit() {
    assertThatThrownBy(() -> Yaml.toJson("apiVersion: v1\nkind: Pod\nkind: ServiceAccount\n")).isInstanceOf(StatusError.class)
        .hasMessage("the YAML could not be parsed: line 3, column 1: duplicate key \"kind\"");
  }

  @Test
  void mergeKeysAndAliases_withinTheBudget_stillWork() {
    assertThat(Yaml.toJson("base: &b {app: web, tier: front}\nmetadata:\n  <<: *b\n  tier: back\nlist: [*b, *b]\n").toString())
        .isEqualTo("{\"base\":{\"app\":\"web\",\"tier\":\"front\"},\"metadata\":{\"app\":\"web\",\"tier\":\"back\"},"
            + "\"list\":[{\"app\":\"web\",\"tier\":\"front\"},{\"app\":\"web\",\"tier\":\"front\"}]}");
  }
}
