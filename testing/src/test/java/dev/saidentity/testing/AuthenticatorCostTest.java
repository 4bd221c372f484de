package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.core.KeySource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fake's authenticator goes through core's parser: a forged token whose NumericDate would need
 * exact arithmetic on a ten-million-digit number is declined in milliseconds of CPU, before any key
 * is looked at (it cost seconds when core parsed dates with BigDecimal).
 */
class AuthenticatorCostTest {

  static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void hugeNumericDates_areDeclinedInMilliseconds() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
    Authenticator auth = new Authenticator("admin-token", "https://issuer.example.com", List.of("https://issuer.example.com"),
        KeySource.of(g.generateKeyPair().getPublic()), clock, new ObjectStore(clock));
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    auth.authenticate("warm.up.token", null);
    for (String claim : new String[] {"exp", "nbf", "iat"}) {
      for (String value : new String[] {"1e10000000", "-1e10000000", "1e-10000000", "9.9E+99999999"}) {
        String payload = "{\"iss\":\"https://issuer.example.com\",\"" + claim + "\":" + value
            + ",\"kubernetes.io\":{\"namespace\":\"ns\",\"serviceaccount\":{\"name\":\"sa\",\"uid\":\"u\"}}}";
        String forged = b64("{\"alg\":\"ES256\"}") + "." + b64(payload) + "." + b64("not a signature");
        long start = mx.getCurrentThreadCpuTime();
        Authenticator.Result r = auth.authenticate(forged, null);
        long ms = (mx.getCurrentThreadCpuTime() - start) / 1_000_000;
        assertThat(ms).as("%s: %s took %d ms of CPU", claim, value, ms).isLessThan(200);
        assertThat(r.user).isNull();
        assertThat(r.error).isNotEmpty();
      }
    }
  }
}
