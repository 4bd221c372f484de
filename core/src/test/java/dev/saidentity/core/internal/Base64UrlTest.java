package dev.saidentity.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The base64url decoder against the JDK's, into exact arrays and in place. */
class Base64UrlTest {

  @Test
  void decodes_asTheJdkDoes_intoAnExactArray_andInPlace() {
    Random random = new Random(42);
    for (int n = 0; n < 200; n++) {
      byte[] data = new byte[n];
      random.nextBytes(data);
      String text = Base64.getUrlEncoder().withoutPadding().encodeToString(data);
      byte[] in = ("." + text + ".").getBytes(StandardCharsets.US_ASCII);
      int from = 1;
      int to = in.length - 1;
      assertThat(Base64Url.valid(in, from, to)).isTrue();
      byte[] exact = new byte[Base64Url.decodedLength(to - from)];
      assertThat(Base64Url.decode(in, from, to, exact, 0)).isEqualTo(n);
      assertThat(exact).as("length %d", n).isEqualTo(data);
      byte[] place = in.clone();
      assertThat(Base64Url.decode(place, from, to, place, 0)).isEqualTo(n);
      assertThat(Arrays.copyOf(place, n)).as("in place, length %d", n).isEqualTo(data);
      assertThat(place[place.length - 1]).as("nothing written past the segment").isEqualTo((byte) '.');
    }
  }

  @Test
  void strayCharacters_andImpossibleLengths_areRefused() {
    for (String s : new String[] {"ab+c", "ab/c", "abc=", "ab c", "a\u00e9bc", "abcd.", "AAAA\u0000AAA"}) {
      byte[] in = s.getBytes(StandardCharsets.ISO_8859_1);
      assertThat(Base64Url.decode(in, 0, in.length, new byte[in.length], 0)).as(s).isEqualTo(-1);
      assertThat(Base64Url.valid(in, 0, in.length)).as(s).isFalse();
      assertThat(Base64Url.fault(in, 0, in.length)).as(s).isEqualTo(Base64Url.Fault.NOT_BASE64URL);
    }
    byte[] five = "abcde".getBytes(StandardCharsets.US_ASCII);
    assertThat(Base64Url.decode(five, 0, 5, new byte[5], 0)).isEqualTo(-1);
    assertThat(Base64Url.fault(five, 0, 5)).isEqualTo(Base64Url.Fault.IMPOSSIBLE_LENGTH);
    byte[] fiveBad = "abcd+".getBytes(StandardCharsets.US_ASCII);
    assertThat(Base64Url.fault(fiveBad, 0, 5)).as("a stray character is reported first").isEqualTo(Base64Url.Fault.NOT_BASE64URL);
  }
}
