package dev.saidentity.core.internal.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.StringReader;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The one YAML loading path (audit's manifests, the fake server's bodies): values, and each limit with reason and position. */
class BoundedYamlTest {

  static Object one(String yaml) {
    List<Object> docs = BoundedYaml.withDefaults().readAll(yaml);
    assertThat(docs).hasSize(1);
    return docs.get(0);
  }

  @Test
  void scalars_resolveAsYaml11_andTimestampsAndBinaryStayText() {
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("s", "text");
    expected.put("q", "123");
    expected.put("i", 123L);
    expected.put("hex", 31L);
    expected.put("big", new BigInteger("123456789012345678901234567890"));
    expected.put("f", 1.5);
    expected.put("y", true);
    expected.put("o", false);
    expected.put("true", "a bool key, as go-yaml v2 reads it");
    expected.put("n", null);
    expected.put("t", "2024-01-02T03:04:05Z");
    expected.put("b", "aGVsbG8=");
    expected.put("1", "int key");
    expected.put("long", "1".repeat(300));
    assertThat(one("s: text\nq: \"123\"\ni: 123\nhex: 0x1F\nbig: 123456789012345678901234567890\nf: 1.5\ny: yes\no: off\non: a bool key, as go-yaml v2 reads it\nn: ~\n"
        + "t: 2024-01-02T03:04:05Z\nb: !!binary aGVs\n  bG8=\n1: int key\nlong: " + "1".repeat(300) + "\n")).isEqualTo(expected);
  }

  @Test
  void mergeKeys_ownKeysWin_thenEarlierMerges() {
    assertThat(one("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  x: 3\n"))
        .isEqualTo(Map.of("a", Map.of("x", 1L, "y", 1L), "b", Map.of("y", 2L, "z", 2L), "c", Map.of("x", 3L, "y", 1L, "z", 2L)));
  }

  @Test
  void documents_areStreamedOneByOne_andEmptyOnesAreNull() {
    List<Object> seen = new ArrayList<>();
    BoundedYaml.withDefaults().read(new StringReader("a: 1\n---\n---\n- x\n"), seen::add);
    assertThat(seen).isEqualTo(Arrays.asList(Map.of("a", 1L), null, List.of("x")));
  }

  @Test
  void aliases_shareTheirValue_andTheResultIsUnmodifiable() {
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) one("a: &a [1, 2]\nb: *a\n");
    assertThat(m.get("b")).isSameAs(m.get("a"));
    assertThatThrownBy(() -> m.put("c", 1)).isInstanceOf(UnsupportedOperationException.class);
  }

  static String bomb(int levels, int width) {
    StringBuilder sb = new StringBuilder("a0: &a0 [" + "x,".repeat(39) + "x]\n");
    for (int i = 1; i <= levels; i++) {
      sb.append('a').append(i).append(": &a").append(i).append(" [").append(String.join(",", java.util.Collections.nCopies(width, "*a" + (i - 1))))
          .append("]\n");
    }
    return sb.toString();
  }

  @Test
  void aliasBomb_stopsAtTheNodeBudget_quickly() {
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(() -> BoundedYaml.withDefaults().readAll(bomb(30, 10)))
        .isInstanceOf(YamlException.class).hasMessageMatching("line \\d+, column \\d+: the document expands to more than 1000000 nodes"
            + " \\(through aliases or merge keys\\)"));
  }

  @Test
  void aliasesOfALongScalar_countItsLength() {
    // 2.8 MB: one 1 MiB scalar used 30,000 times is 30 GiB for anyone who writes the values out (a report,
    // the fake server's JSON answer); counting each use as one node let it through.
    StringBuilder yaml = new StringBuilder("anchor: &a ").append("x".repeat(1 << 20)).append("\nitems:\n");
    for (int i = 0; i < 30_000; i++) {
      yaml.append("- {name: *a}\n");
    }
    assertThatThrownBy(() -> BoundedYaml.withDefaults().readAll(yaml.toString())).isInstanceOf(YamlException.class)
        .hasMessageContaining("the document expands to more than 1000000 nodes (through aliases or merge keys)");
    // A long scalar used a few times, and a 3 MiB document of text, stay within the budget.
    assertThat(BoundedYaml.withDefaults().readAll("a: &a " + "x".repeat(1 << 20) + "\nb: [*a, *a, *a]\n")).hasSize(1);
    assertThat(BoundedYaml.withDefaults().readAll("a: " + "x".repeat((3 << 20) - 16) + "\n")).hasSize(1);
  }

  @Test
  void totalBudget_spansDocuments() {
    BoundedYaml y = new BoundedYaml(1000, 100, 10, 150);
    assertThatThrownBy(() -> y.readAll("[" + "1,".repeat(79) + "1]\n---\n[" + "1,".repeat(79) + "1]\n"))
        .isInstanceOf(YamlException.class).hasMessage("line 2, column 1: the documents expand to more than 150 nodes in total");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
    "'a: 1\na: 2\n'                | 'line 2, column 1: duplicate key \"a\"'",
    "'a: [1\n'                     | 'line 2, column 1: expected '','' or '']'', but got <stream end>'",
    "'a: !foo x\n'                 | 'line 1, column 4: unsupported tag !foo'",
    "'a: !!set {x}\n'              | 'line 1, column 4: unsupported tag tag:yaml.org,2002:set'",
    "'a: *nope\n'                  | 'line 1, column 4: undefined alias *nope'",
    "'a: &x [*x]\n'                | 'line 1, column 8: undefined alias *x'",
    "'a: .inf\n'                   | 'line 1, column 4: a number JSON cannot hold (.inf or .nan)'",
    "'a: !!int abc\n'              | 'line 1, column 4: not a valid tag:yaml.org,2002:int'",
    "'? [x]\n: 1\n'                | 'line 1, column 3: a mapping key must be a scalar, not a sequence'",
    "'a: {<<: 1}\n'                | 'line 1, column 9: the value of a merge key (<<) must be a mapping or a sequence of mappings'",
  })
  void errors_giveReasonAndPosition(String yaml, String message) {
    assertThatThrownBy(() -> BoundedYaml.withDefaults().readAll(yaml)).isInstanceOf(YamlException.class).hasMessage(message);
  }

  @Test
  void controlCharacters_areRefused_withTheirOffset() {
    assertThatThrownBy(() -> BoundedYaml.withDefaults().readAll("a: \"x\u0000\"\n")).isInstanceOf(YamlException.class)
        .hasMessage("character 5: unacceptable character 0x0: special characters are not allowed");
  }

  @Test
  void depth_countsWhatAliasesBringIn() {
    BoundedYaml y = new BoundedYaml(1000, 1000, 5, 1000);
    assertThat(y.readAll("a: [[[[x]]]]\n")).hasSize(1);
    assertThatThrownBy(() -> y.readAll("a: [[[[[x]]]]]\n")).hasMessage("line 1, column 8: nested deeper than 5 levels");
    assertThatThrownBy(() -> y.readAll("a: &a [[[x]]]\nb: [[*a]]\n")).hasMessage("line 2, column 6: nested deeper than 5 levels");
  }

  @Test
  void documentSize_isCheckedWhileReading() {
    BoundedYaml y = new BoundedYaml(10_000, 10_000, 10, 10_000); // node budgets that the long scalars (1 node per 16 characters) fit
    assertThat(y.readAll("a: " + "x".repeat(9_000) + "\n---\nb: " + "x".repeat(9_000) + "\n")).hasSize(2);
    assertThatThrownBy(() -> y.readAll("a: 1\n---\nb: " + "x".repeat(10_000) + "\n"))
        .hasMessage("line 2, column 1: a document is larger than 10000 characters");
    // a reader that never ends is stopped by the window, not by memory
    java.io.Reader endless = new java.io.Reader() {
      @Override
      public int read(char[] b, int off, int len) {
        Arrays.fill(b, off, off + len, 'x');
        return len;
      }

      @Override
      public void close() {}
    };
    assertThatThrownBy(() -> y.read(endless, d -> {})).hasMessage("line 1, column 1: a document is larger than 10000 characters");
  }
}
