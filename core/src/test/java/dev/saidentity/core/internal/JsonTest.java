package dev.saidentity.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The hand-written claims reader's grammar: RFC 8259 as go-jose reads it, with the bounds. (The
 * token-level refusals are in HostileInputTest, ParserCostTest and the fuzz tests.)
 */
class JsonTest {

  static Claims claims(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return Json.parseClaims(b, 0, b.length);
  }

  static String refusal(String json) {
    try {
      claims(json);
    } catch (Failure f) {
      return f.message();
    }
    throw new AssertionError("accepted: " + json);
  }

  @Test
  void validJson_isRead_whateverTheWhitespaceAndUnknownMembers() {
    Claims c = claims(" {\n\t\"x\" : [1, -0.5e+3, true, false, null, {\"a\": [[]]}, \"s\"] ,\r\n \"iss\":\"i\", \"exp\" : 17 } \n");
    assertThat(c.iss).isEqualTo("i");
    assertThat(c.hasExp).isTrue();
    assertThat(c.exp).isEqualTo(17);
    assertThat(claims("{}").iss).isNull();
  }

  @Test
  void escapes_areResolved_inValuesAndInNames() {
    Claims c = claims("{\"i\\u0073s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\",\"sub\":\"\\ud83d\\ude00\"}");
    assertThat(c.iss).isEqualTo("a\"b\\c/d\b\f\n\r\t\u00e9\u20ac");
    assertThat(c.sub).isEqualTo("\ud83d\ude00");
  }

  @Test
  void utf8_isDecoded_andMalformedBytesBecomeReplacementCharacters() {
    assertThat(claims("{\"iss\":\"\u00fcber-\u4e2d\"}").iss).isEqualTo("\u00fcber-\u4e2d");
    byte[] b = "{\"iss\":\"a?b\"}".getBytes(StandardCharsets.US_ASCII);
    b[9] = (byte) 0xC3; // a lead byte followed by an ASCII byte
    assertThat(Json.parseClaims(b, 0, b.length).iss).isEqualTo("a\ufffdb");
  }

  @Test
  void nullIsAbsent_andARepeatedMemberCountsOnce_theLast() {
    Claims c = claims("{\"iss\":\"a\",\"iss\":null,\"exp\":1,\"exp\":null,\"sub\":\"x\",\"sub\":\"y\"}");
    assertThat(c.iss).isNull();
    assertThat(c.hasExp).isFalse();
    assertThat(c.sub).isEqualTo("y");
  }

  @Test
  void whatGoJoseRefuses_isNotValidJson() {
    String[] refused = {
      "", " ", "{", "{\"a\":1", "{\"a\":1,}", "{,}", "{\"a\"=1}", "{'a':1}", "{a:1}", "{\"a\":[1,]}", "{\"a\":[,1]}",
      "{\"a\":[1 2]}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1}/*c*/", "{\"a\":TRUE}", "{\"a\":Null}", "{\"a\":tru}",
      "{\"a\":NaN}", "{\"a\":-Infinity}", "{\"a\":01}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}",
      "{\"a\":1x}", "{\"a\":\"\\a\"}", "{\"a\":\"\\'\"}", "{\"a\":\"\\u00zz\"}", "{\"a\":\"\\u00\"}", "{\"a\":\"abc}",
      "{\"a\":\"x\ny\"}", "{\"a\":\"x\u0001y\"}", "\ufeff{}", "{\"a\":1}\u000c", "{\"a\":1}\u0000",
    };
    for (String json : refused) {
      assertThat(refusal(json)).as(json).isEqualTo("malformed token: the payload is not valid JSON");
    }
  }

  @Test
  void topLevel_mustBeAnObject() {
    assertThat(refusal("[1]")).isEqualTo("malformed token: the payload is not a JSON object (found an array)");
    assertThat(refusal("\"x\"")).isEqualTo("malformed token: the payload is not a JSON object (found a string)");
    assertThat(refusal("1")).isEqualTo("malformed token: the payload is not a JSON object (found a number)");
    assertThat(refusal("null")).isEqualTo("malformed token: the payload is not a JSON object (found null)");
  }

  @Test
  void nesting_ofSixteenLevels_isRead_seventeenAreRefused() {
    String sixteen = "{\"x\":" + "[".repeat(15) + "]".repeat(15) + "}";
    assertThat(claims(sixteen).iss).isNull();
    String seventeen = "{\"x\":" + "[".repeat(16) + "]".repeat(16) + "}";
    assertThat(refusal(seventeen)).isEqualTo("malformed token: the payload nests deeper than 16 levels");
    assertThat(refusal("{\"x\":" + "[".repeat(100_000))).isEqualTo("malformed token: the payload nests deeper than 16 levels");
  }

  @Test
  void numberLiterals_ofUpTo1023Characters_areRead() {
    assertThat(claims("{\"exp\":" + "0." + "0".repeat(1020) + "1}").exp).isZero();
    assertThat(refusal("{\"exp\":" + "0." + "0".repeat(1021) + "1}")).isEqualTo("malformed token: the payload is not valid JSON");
    assertThat(refusal("{\"x\":" + "1".repeat(1024) + "}")).as("also where skipped").isEqualTo("malformed token: the payload is not valid JSON");
  }

  @Test
  void numericDates_truncateTowardZero_andTheLongRangeIsExact() {
    assertThat(claims("{\"exp\":-1.9}").exp).isEqualTo(-1);
    assertThat(claims("{\"exp\":999999999999999999}").exp).isEqualTo(999_999_999_999_999_999L);
    assertThat(claims("{\"exp\":9223372036854775807}").exp).isEqualTo(Long.MAX_VALUE);
    assertThat(claims("{\"exp\":-9223372036854775808}").exp).isEqualTo(Long.MIN_VALUE);
    assertThat(refusal("{\"exp\":9223372036854775808}")).isEqualTo("malformed token: claim exp is out of range for a NumericDate");
    assertThat(claims("{\"exp\":1.5e3}").exp).isEqualTo(1500);
  }

  @Test
  void wrongTypes_nameTheClaim() {
    assertThat(refusal("{\"iss\":1}")).isEqualTo("malformed token: claim iss must be a string, got a number");
    assertThat(refusal("{\"kubernetes.io\":{\"pod\":{\"name\":true}}}"))
        .isEqualTo("malformed token: claim kubernetes.io.pod.name must be a string, got a boolean");
    assertThat(refusal("{\"kubernetes.io\":[]}")).isEqualTo("malformed token: claim kubernetes.io must be an object, got an array");
    assertThat(refusal("{\"aud\":[\"a\",{}]}"))
        .isEqualTo("malformed token: claim aud must be a string or an array of strings, found an object in the array");
    assertThat(refusal("{\"nbf\":\"1\"}")).isEqualTo("malformed token: claim nbf must be a number (NumericDate), got a string");
  }

  @Test
  void aRangeOfALargerArray_isReadAlone() {
    byte[] b = "xx{\"iss\":\"i\"}yy".getBytes(StandardCharsets.US_ASCII);
    assertThat(Json.parseClaims(b, 2, b.length - 2).iss).isEqualTo("i");
    Header h = Json.parseHeader("{\"alg\":\"RS256\",\"crit\":null,\"kid\":\"k\"}".getBytes(StandardCharsets.US_ASCII), 0, 37);
    assertThat(h.alg).isEqualTo("RS256");
    assertThat(h.kid).isEqualTo("k");
    assertThat(h.crit).isFalse();
  }
}
