package dev.saidentity.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The word-at-a-time paths of the decoder (eight base64url characters a step, eight string bytes a
 * test) against the byte-by-byte answer: a byte of every kind at every position of segments and
 * strings of every length around the word size, in arrays that end with the JSON and in larger ones.
 */
class WordAtATimeTest {

  private static final byte[] STRAYS = {'+', '/', '=', '.', ' ', 0, 0x7f, (byte) 0x80, (byte) 0xc3, (byte) 0xff};

  @Test
  void aStrayCharacter_anywhere_isRefused_andEverythingElseDecodesAsTheJdkDoes() {
    Random random = new Random(7);
    for (int n = 0; n < 60; n++) {
      byte[] data = new byte[n];
      random.nextBytes(data);
      byte[] text = Base64.getUrlEncoder().withoutPadding().encode(data);
      byte[] exact = new byte[Base64Url.decodedLength(text.length)];
      assertThat(Base64Url.decode(text, 0, text.length, exact, 0)).isEqualTo(n);
      assertThat(exact).isEqualTo(data);
      for (int at = 0; at < text.length; at++) {
        for (byte stray : STRAYS) {
          byte[] bad = text.clone();
          bad[at] = stray;
          String what = "length " + text.length + ", " + (stray & 0xff) + " at " + at;
          assertThat(Base64Url.valid(bad, 0, bad.length)).as(what).isFalse();
          assertThat(Base64Url.decode(bad, 0, bad.length, new byte[exact.length], 0)).as(what).isEqualTo(-1);
          assertThat(Base64Url.decode(bad.clone(), 0, bad.length, bad.clone(), 0)).as(what).isEqualTo(-1);
        }
      }
    }
  }

  @Test
  void aStringOfEveryLength_withASpecialByteAnywhere_readsAsByteByByte() {
    for (int length = 0; length < 24; length++) {
      String plain = "abcdefghijklmnopqrstuvwxyz".substring(0, length);
      assertThat(alg(plain)).isEqualTo(plain);
      for (int at = 0; at <= length; at++) {
        String head = plain.substring(0, at);
        String tail = plain.substring(at);
        assertThat(alg(head + "\\n" + tail)).isEqualTo(head + "\n" + tail);
        assertThat(alg(head + "\u00e9" + tail)).isEqualTo(head + "\u00e9" + tail);
        assertThat(alg(head + "\u20ac\\\"" + tail)).isEqualTo(head + "\u20ac\"" + tail);
        assertThat(alg(head + "\u007f~ " + tail)).isEqualTo(head + "\u007f~ " + tail);
        for (String control : new String[] {"\u0000", "\u0001", "\n", "\u001f"}) {
          String json = "{\"alg\":\"" + head + control + tail + "\"}";
          assertThatThrownBy(() -> header(json, 0)).as("%s", json).isInstanceOf(Failure.class);
          assertThatThrownBy(() -> header(json, 16)).as("%s", json).isInstanceOf(Failure.class);
        }
      }
    }
  }

  @Test
  void memberNames_matchOnlyWhole_atEveryDistanceFromTheEnd() {
    for (String other : new String[] {"al", "algo", "alg\\u0020", "kidd", "ki", "critical", "k"}) {
      String json = "{\"" + other + "\":\"x\",\"alg\":\"RS256\",\"kid\":\"k1\"}";
      assertThat(header(json, 0).alg).as(json).isEqualTo("RS256");
      assertThat(header(json, 0).kid).as(json).isEqualTo("k1");
      assertThat(header(json, 0).crit).as(json).isFalse();
    }
    for (int pad = 0; pad < 12; pad++) {
      // The last member's name near the end of the array: its words cannot all be read at once.
      String json = "{\"x\":\"" + "y".repeat(pad) + "\",\"kid\":\"k\"}";
      assertThat(header(json, 0).kid).as(json).isEqualTo("k");
      assertThat(header(json, 9).kid).as(json).isEqualTo("k");
      assertThat(header("{\"x\":\"" + "y".repeat(pad) + "\",\"kid\":null}", 0).kid).isNull();
      String cut = "{\"x\":\"" + "y".repeat(pad) + "\",\"kid";
      assertThatThrownBy(() -> header(cut, 0)).as(cut).isInstanceOf(Failure.class);
    }
  }

  private static String alg(String body) {
    String json = "{\"alg\":\"" + body + "\"}";
    String a = header(json, 0).alg;
    assertThat(header(json, 16).alg).as("with bytes after the JSON: %s", json).isEqualTo(a);
    return a;
  }

  /** The header {@code json} read from an array that holds {@code extra} more bytes after it. */
  private static Header header(String json, int extra) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    byte[] in = Arrays.copyOf(b, b.length + extra);
    Arrays.fill(in, b.length, in.length, (byte) '"');
    return Json.parseHeader(in, 0, b.length);
  }
}
