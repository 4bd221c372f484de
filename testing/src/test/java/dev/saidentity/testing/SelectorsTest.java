package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Label and field selectors against upstream's own test tables (apimachinery labels and fields selector_test.go). */
class SelectorsTest {

  private static final String QUALIFIED = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an"
      + " alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is"
      + " '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  private static final String LABEL_VALUE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_'"
      + " or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used"
      + " for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

  static JsonObject labelled(String... kv) {
    JsonObject labels = new JsonObject();
    for (int i = 0; i < kv.length; i += 2) {
      labels.addProperty(kv[i], kv[i + 1]);
    }
    JsonObject meta = new JsonObject();
    meta.add("labels", labels);
    JsonObject o = new JsonObject();
    o.add("metadata", meta);
    return o;
  }

  static String badLabel(String selector) {
    try {
      Selectors.labelSelector(selector);
    } catch (StatusError e) {
      assertThat(e.code).isEqualTo(400);
      assertThat(e.reason).isEqualTo("BadRequest");
      return e.getMessage();
    }
    throw new AssertionError("accepted: " + selector);
  }

  // labels TestLexer
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|END", ",|COMMA", "notin|NOT_IN", "in|IN", "=|EQUALS", "==|DOUBLE_EQUALS", ">|GREATER_THAN", "<|LESS_THAN",
      "!|DOES_NOT_EXIST", "!=|NOT_EQUALS", "(|OPEN_PAR", ")|CLOSED_PAR", "~|IDENTIFIER", "'||'|IDENTIFIER"})
  void lexer_firstToken(String s, Selectors.Token want) {
    assertThat(Selectors.lexAll(s).get(0).token()).isEqualTo(want);
  }

  // labels TestLexerSequence
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "key in ( value )|IDENTIFIER IN OPEN_PAR IDENTIFIER CLOSED_PAR END",
      "key notin ( value )|IDENTIFIER NOT_IN OPEN_PAR IDENTIFIER CLOSED_PAR END",
      "key in ( value1, value2 )|IDENTIFIER IN OPEN_PAR IDENTIFIER COMMA IDENTIFIER CLOSED_PAR END",
      "key|IDENTIFIER END",
      "!key|DOES_NOT_EXIST IDENTIFIER END",
      "()|OPEN_PAR CLOSED_PAR END",
      "'x in (),y'|IDENTIFIER IN OPEN_PAR CLOSED_PAR COMMA IDENTIFIER END",
      "'== != (), = notin'|DOUBLE_EQUALS NOT_EQUALS OPEN_PAR CLOSED_PAR COMMA EQUALS NOT_IN END",
      "key>2|IDENTIFIER GREATER_THAN IDENTIFIER END",
      "key<1|IDENTIFIER LESS_THAN IDENTIFIER END",
      "'a\tb\r\nc'|IDENTIFIER IDENTIFIER IDENTIFIER END"})
  void lexer_sequence(String s, String want) {
    assertThat(Selectors.lexAll(s.replace("\\t", "\t").replace("\\r", "\r").replace("\\n", "\n")).stream()
        .map(l -> l.token().name()).collect(Collectors.joining(" "))).isEqualTo(want);
  }

  @Test
  void lexer_unknownSymbolRun_isAnErrorToken() {
    // '!' then '<' : "!" is a token, "!<" is not, so the lexer stops after "!"; a lone run that starts no token is an error
    assertThat(Selectors.lexAll("!<").get(0)).isEqualTo(new Selectors.Lexed(Selectors.Token.DOES_NOT_EXIST, "!"));
    assertThat(Selectors.lexAll("x=>1").stream().map(l -> l.literal()).collect(Collectors.toList()))
        .containsExactly("x", "=", ">", "1", "");
  }

  // labels TestSelectorParse good strings, and TestSetSelectorParser valid ones
  @ParameterizedTest
  @ValueSource(strings = {"x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5",
      "x in (foo,,baz),y,z notin ()", "x notin (foo,,baz),y,z in ()", "x in (foo)", "x notin (foo)", "x=a,y!=b",
      "x=a,y!=b,z in (h,i,j)", "x notin ( )", "x notin (, a)", "a ", "a in (x,y,notin, z,in)", "  ", "\t\n",
      "example.com/app=x", "x in (,foo)", "x in (foo,)", "k8s.io/a-b_c.d"})
  void parse_good(String s) {
    Selectors.labelSelector(s);
  }

  @Test
  void parse_setValuesAsUpstream() {
    assertThat(Selectors.parseLabels("x in (foo,,baz),y,z notin ()")).containsExactly(
        new Selectors.Requirement("x", Selectors.Op.IN, List.of("", "baz", "foo")),
        new Selectors.Requirement("y", Selectors.Op.EXISTS, List.of()),
        new Selectors.Requirement("z", Selectors.Op.NOT_IN, List.of("")));
    assertThat(Selectors.parseLabels("a in (x,y,notin, z,in)")).containsExactly(
        new Selectors.Requirement("a", Selectors.Op.IN, List.of("in", "notin", "x", "y", "z")));
    assertThat(Selectors.parseLabels("z=1,a!=2,m")).extracting(Selectors.Requirement::key).containsExactly("a", "m", "z");
  }

  // labels TestSelectorParse bad strings and TestSetSelectorParser invalid ones, with the exact upstream messages
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "x==a==b|found '==', expected: ',' or 'end of string'",
      "!x=a|found '=', expected: ',' or 'end of string'",
      "x<a|unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer",
      "'x,,y'|found ',', expected: identifier after ','",
      "',x,y'|found ',', expected: !, identifier, or 'end of string'",
      "x nott in (y)|unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt",
      "'a in (xyz),'|found '', expected: identifier after ','",
      "a in (xyz)b notin ()|found 'b', expected: ',' or 'end of string'",
      "a in (xyz abc)|unable to parse requirement: found 'abc', expected: ',' or ')'",
      "a notin(|unable to parse requirement: found '', expected: ',', ')' or identifier",
      "a (|unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
      "(|found '(', expected: !, identifier, or 'end of string'",
      "x=!y|unable to parse requirement: found '!', expected: identifier",
      "x in y|unable to parse requirement: found 'y' expected: '('",
      "x in (a b)|unable to parse requirement: found 'b', expected: ',' or ')'",
      "x in (=)|unable to parse requirement: found '=', expected: ',', ')' or identifier",
      "'x in (a,=)'|unable to parse requirement: found '=', expected: ',', or identifier",
      "'!'|unable to parse requirement: found '', expected: identifier",
      "'!!x'|unable to parse requirement: found '!', expected: identifier",
      "x>=1|unable to parse requirement: found '=', expected: identifier",
      "x>1.5|unable to parse requirement: values[0]: Invalid value: \"1.5\": for 'Gt', 'Lt' operators, the value must be an integer"})
  void parse_bad_exactMessage(String s, String message) {
    assertThat(badLabel(s)).isEqualTo(message);
  }

  @Test
  void parse_badKeysAndValues_useUpstreamValidationTexts() {
    assertThat(badLabel("x=a||y=b")).isEqualTo("unable to parse requirement: values[0][x]: Invalid value: \"a||y\": " + LABEL_VALUE);
    assertThat(badLabel("a/b/c=d")).isEqualTo("unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name "
        + QUALIFIED + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    assertThat(badLabel("-x")).isEqualTo("unable to parse requirement: <nil>: Invalid value: \"-x\": name part " + QUALIFIED);
    assertThat(badLabel("/x")).isEqualTo("unable to parse requirement: <nil>: Invalid value: \"/x\": prefix part must be non-empty");
    assertThat(badLabel("Example.com/x")).isEqualTo("unable to parse requirement: <nil>: Invalid value: \"Example.com/x\": prefix"
        + " part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and"
        + " end with an alphanumeric character (e.g. 'example.com', regex used for validation is"
        + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    assertThat(badLabel("a/")).isEqualTo("unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be non-empty;"
        + " name part " + QUALIFIED);
    String k64 = "k".repeat(64);
    assertThat(badLabel(k64)).isEqualTo("unable to parse requirement: <nil>: Invalid value: \"" + k64
        + "\": name part must be no more than 63 characters");
    String v64 = "v".repeat(64);
    assertThat(badLabel("k=" + v64)).isEqualTo("unable to parse requirement: values[0][k]: Invalid value: \"" + v64
        + "\": must be no more than 63 characters");
    assertThat(badLabel("k in (-a,b_)")).isEqualTo("unable to parse requirement: [values[0][k]: Invalid value: \"-a\": "
        + LABEL_VALUE + ", values[1][k]: Invalid value: \"b_\": " + LABEL_VALUE + "]");
    assertThat(badLabel("x>-1")).isEqualTo("unable to parse requirement: values[0][x]: Invalid value: \"-1\": " + LABEL_VALUE);
    assertThat(badLabel("k=\u00e9")).isEqualTo("unable to parse requirement: values[0][k]: Invalid value: \"\u00e9\": " + LABEL_VALUE);
    assertThat(badLabel("x~y")).startsWith("unable to parse requirement: <nil>: Invalid value: \"x~y\": name part ");
  }

  // labels TestEverything / TestSelectorMatches / TestSetMatches
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|x,y|true", "x=y|x,y|true", "'x=y,z=w'|x,y,z,w|true", "'x!=y,z!=w'|x,z,z,a|true", "notin=in|notin,in|true",
      "x|x,z|true", "!x|y,z|true", "x>1|x,2|true", "x<1|x,0|true",
      "x=z|''|false", "x=y|x,z|false", "'x=y,z=w'|x,w,z,w|false", "'x!=y,z!=w'|x,z,z,w|false", "x|y,z|false",
      "!x|x,z|false", "x>1|x,0|false", "x<1|x,2|false",
      "foo=bar|foo,bar,baz,blah|true", "baz=blah|foo,bar,baz,blah|true", "'foo=bar,baz=blah'|foo,bar,baz,blah|true",
      "foo=blah|foo,bar,baz,blah|false", "baz=bar|foo,bar,baz,blah|false",
      "'foo=bar,foobar=bar,baz=blah'|foo,bar,baz,blah|false",
      "x in (a,b)|x,b|true", "x in (a,b)|x,c|false", "x in (a,b)|y,a|false", "x notin (a,b)|y,a|true",
      "x notin (a,b)|x,a|false", "x!=a|y,a|true", "x in (,a)|x,|true", "x=|x,|true", "x=|''|false",
      "x>1|x,abc|false", "x>1|y,5|false", "x>1|x,99999999999999999999|false"})
  void matches(String selector, String labels, boolean want) {
    String[] kv = labels.isEmpty() ? new String[0] : labels.split(",", -1);
    assertThat(Selectors.labelSelector(selector).test(labelled(kv))).isEqualTo(want);
  }

  @Test
  void matches_objectWithoutLabels() {
    assertThat(Selectors.labelSelector("x!=a").test(new JsonObject())).isTrue();
    assertThat(Selectors.labelSelector("x notin (a)").test(new JsonObject())).isTrue();
    assertThat(Selectors.labelSelector("x").test(new JsonObject())).isFalse();
    assertThat(Selectors.labelSelector("").test(new JsonObject())).isTrue();
    // deprecated entry point still works
    assertThat(Selectors.labels("a=b", labelled("a", "b"))).isTrue();
    assertThat(Selectors.labels("a=c", labelled("a", "b"))).isFalse();
  }

  @Test
  void hostileLabelSelectors_are400_quickly() {
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      assertThat(badLabel("a".repeat(10_001))).isEqualTo("label selector is too long: more than 10000 characters");
      List<String> reqs = new ArrayList<>();
      for (int i = 0; i < 101; i++) {
        reqs.add("k" + i);
      }
      assertThat(badLabel(String.join(",", reqs))).isEqualTo("label selector has more than 100 requirements");
      Selectors.labelSelector(String.join(",", reqs.subList(0, 100)));
      assertThat(badLabel("x in (" + "(".repeat(9000) + ")")).isEqualTo(
          "unable to parse requirement: found '(', expected: ',', ')' or identifier");
      assertThat(badLabel("!".repeat(9000))).isEqualTo("unable to parse requirement: found '!', expected: identifier");
      assertThat(badLabel("x in (" + "a,".repeat(4000) + "-)")).startsWith("unable to parse requirement: values[0][x]: ");
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Field selectors

  static String badField(ResourceType t, String selector) {
    try {
      Selectors.fieldSelector(t, selector);
    } catch (StatusError e) {
      assertThat(e.code).isEqualTo(400);
      assertThat(e.reason).isEqualTo("BadRequest");
      return e.getMessage();
    }
    throw new AssertionError("accepted: " + selector);
  }

  static ResourceType type(String kind) {
    return ResourceType.ALL.stream().filter(r -> r.kind.equals(kind)).findFirst().orElseThrow();
  }

  // fields TestSelectorParse
  @ParameterizedTest
  @ValueSource(strings = {"x=a,y=b,z=c", "", "x!=a,y=b", "x=a||y\\=b", "x=a\\=\\=b", ",", "x=,y=="})
  void fields_parse_good(String s) {
    Selectors.parseFields(s);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "'x=a||y=b'|invalid field selector: unescaped character in value: =",
      "x==a==b|invalid field selector: unescaped character in value: =",
      "'x=a,b'|invalid selector: 'x=a,b'; can't understand 'b'",
      "x in (a)|invalid selector: 'x in (a)'; can't understand 'x in (a)'",
      "'x in (a,b,c)'|invalid selector: 'x in (a,b,c)'; can't understand 'b'",
      "x|invalid selector: 'x'; can't understand 'x'",
      "x=a\\|invalid field selector: invalid escape sequence: \\",
      "x=\\a|invalid field selector: invalid escape sequence: \\a",
      "x=\\\\\\|invalid field selector: invalid escape sequence: \\"})
  void fields_parse_bad(String s, String message) {
    assertThat(badField(null, s)).isEqualTo(message);
  }

  // fields TestEscapeValue, inverted
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"''|''", "a|a", "\\=|=", "\\,|,", "\\\\|\\", "\\\\\\=\\\\\\,\\\\|\\=\\,\\"})
  void fields_unescape(String escaped, String raw) {
    assertThat(Selectors.unescapeValue(escaped)).isEqualTo(raw);
  }

  // fields TestSelectorMatches (on dotted paths: no kind)
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|{\"x\":\"y\"}|true", "x=y|{\"x\":\"y\"}|true", "'x=y,z=w'|{\"x\":\"y\",\"z\":\"w\"}|true",
      "'x!=y,z!=w'|{\"x\":\"z\",\"z\":\"a\"}|true", "notin=in|{\"notin\":\"in\"}|true", "x=y|{\"x\":\"z\"}|false",
      "'x=y,z=w'|{\"x\":\"w\",\"z\":\"w\"}|false", "'x!=y,z!=w'|{\"x\":\"z\",\"z\":\"w\"}|false",
      "a.b=c\\,d|{\"a\":{\"b\":\"c,d\"}}|true", "x==|{}|true"})
  void fields_matches(String selector, String json, boolean want) {
    assertThat(Selectors.fieldSelector(null, selector).test(JsonParser.parseString(json).getAsJsonObject())).isEqualTo(want);
  }

  @Test
  void fields_perKind_supportedLabels_asUpstreamConversionFuncs() {
    for (String f : List.of("metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
        "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
        "status.nominatedNodeName", "spec.host")) {
      Selectors.fieldSelector(type("Pod"), f + "=x");
    }
    assertThat(badField(type("Pod"), "spec.containers=x")).isEqualTo("field label not supported: spec.containers");
    assertThat(badField(type("Pod"), " metadata.name=x")).isEqualTo("field label not supported:  metadata.name");
    assertThat(badField(type("Node"), "metadata.namespace=x")).isEqualTo("field label not supported: metadata.namespace");
    assertThat(badField(type("Namespace"), "metadata.namespace=x")).isEqualTo("field label not supported: metadata.namespace");
    assertThat(badField(type("Secret"), "data=x")).isEqualTo("field label not supported: data");
    for (String kind : List.of("ServiceAccount", "ConfigMap", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")) {
      Selectors.fieldSelector(type(kind), "metadata.name=a,metadata.namespace!=b");
      assertThat(badField(type(kind), "spec.foo=bar"))
          .isEqualTo("\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
    }
    // the first unsupported term in upstream's sorted order is reported
    assertThat(badField(type("Pod"), "zz=1,aa=2")).isEqualTo("field label not supported: aa");
  }

  @Test
  void fields_perKind_values_withUpstreamDefaults() {
    JsonObject bare = JsonParser.parseString("{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\"}}").getAsJsonObject();
    ResourceType pod = type("Pod");
    assertThat(Selectors.fieldSelector(pod, "spec.hostNetwork=false,spec.restartPolicy=Always,status.phase=Pending,"
        + "spec.schedulerName=default-scheduler,spec.serviceAccountName=default,spec.nodeName=,status.podIP=,status.podIPs=")
        .test(bare)).isTrue();
    JsonObject running = JsonParser.parseString("{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\"},\"spec\":{\"nodeName\":\"n1\","
        + "\"hostNetwork\":true},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.9\",\"podIPs\":[{\"ip\":\"10.0.0.1\"}]}}")
        .getAsJsonObject();
    assertThat(Selectors.fieldSelector(pod, "spec.nodeName=n1,spec.hostNetwork=true,status.phase!=Pending").test(running)).isTrue();
    assertThat(Selectors.fieldSelector(pod, "spec.host=n1").test(running)).isTrue();
    assertThat(Selectors.fieldSelector(pod, "status.podIP=10.0.0.1").test(running)).isTrue(); // podIPs[0] wins, as upstream
    assertThat(Selectors.fieldSelector(pod, "status.podIPs=10.0.0.1").test(running)).isFalse(); // accepted, never set
    assertThat(Selectors.fieldSelector(pod, "metadata.namespace=ns,metadata.name==p").test(running)).isTrue();
    assertThat(Selectors.fieldSelector(type("Node"), "spec.unschedulable=false").test(bare)).isTrue();
    assertThat(Selectors.fieldSelector(type("Node"), "spec.unschedulable=true")
        .test(JsonParser.parseString("{\"spec\":{\"unschedulable\":true}}").getAsJsonObject())).isTrue();
    assertThat(Selectors.fieldSelector(type("Namespace"), "status.phase=Active").test(bare)).isTrue();
    assertThat(Selectors.fieldSelector(type("Secret"), "type=Opaque").test(bare)).isTrue();
    assertThat(Selectors.fieldSelector(type("Secret"), "type=kubernetes.io/service-account-token")
        .test(JsonParser.parseString("{\"type\":\"kubernetes.io/service-account-token\"}").getAsJsonObject())).isTrue();
    assertThat(Selectors.fieldSelector(type("ClusterRole"), "metadata.namespace=").test(bare)).isTrue(); // cluster-scoped: ""
    assertThat(Selectors.fieldSelector(type("ConfigMap"), "metadata.namespace=ns").test(bare)).isTrue();
    // deprecated entry point: the kind comes from the object
    JsonObject typed = running.deepCopy();
    typed.addProperty("apiVersion", "v1");
    typed.addProperty("kind", "Pod");
    assertThat(Selectors.fields("spec.nodeName=n1", typed)).isTrue();
    assertThatThrownBy(() -> Selectors.fields("spec.bogus=1", typed)).isInstanceOf(StatusError.class)
        .hasMessage("field label not supported: spec.bogus");
  }

  @Test
  void hostileFieldSelectors_are400_quickly() {
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      assertThat(badField(type("Pod"), "a".repeat(10_001))).isEqualTo("field selector is too long: more than 10000 characters");
      assertThat(badField(type("Pod"), "metadata.name=a,".repeat(101))).isEqualTo("field selector has more than 100 terms");
      assertThat(badField(type("Pod"), "\\".repeat(9999) + "=")).isEqualTo("field label not supported: " + "\\".repeat(9999));
    });
  }
}
