package dev.saidentity.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubeObjectTest {

  @Test
  void of_copiesDeeply_intoUnmodifiableCollections() {
    Map<String, Object> meta = new HashMap<>(Map.of("name", "api", "namespace", "shop"));
    List<Object> items = new ArrayList<>(List.of("a"));
    Map<String, Object> fields = new HashMap<>(Map.of("kind", "ServiceAccount", "metadata", meta, "secrets", items));
    KubeObject o = KubeObject.of(fields);
    meta.put("name", "changed");
    items.add("b");
    assertThat(o.name()).isEqualTo("api");
    assertThat(o.namespace()).isEqualTo("shop");
    assertThat(o.kind()).isEqualTo("ServiceAccount");
    assertThat(o.fields().get("secrets")).isEqualTo(List.of("a"));
    assertThatThrownBy(() -> o.fields().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(o).isEqualTo(KubeObject.of(Map.of("kind", "ServiceAccount", "metadata", Map.of("name", "api", "namespace", "shop"),
        "secrets", List.of("a"))));
  }

  @Test
  void toString_showsKindAndName_neverTheFields() {
    KubeObject s = KubeObject.of(Map.of("kind", "Secret", "metadata", Map.of("name", "t", "namespace", "shop"), "data",
        Map.of("token", "ZXlKaGJHY2lPaUpTVXpJMU5pSjk=")));
    assertThat(s.toString()).isEqualTo("Secret shop/t");
  }

  @Test
  void of_refusesForeignTypes_andTreesDeeperThan100() {
    assertThatThrownBy(() -> KubeObject.of(Map.of("x", new Object()))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("a field value of type java.lang.Object");
    Object deep = "leaf";
    for (int i = 0; i < 150; i++) {
      deep = List.of(deep);
    }
    Object d = deep;
    assertThatThrownBy(() -> KubeObject.of(Map.of("x", d))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the object is nested deeper than 100 levels");
  }
}
