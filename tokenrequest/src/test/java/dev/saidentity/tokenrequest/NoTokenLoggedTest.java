package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.testing.TokenLeakGuard;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Runs last: nothing in this module's suite (SLF4J at debug included) printed a JWT. */
@Order(Integer.MAX_VALUE)
class NoTokenLoggedTest {

  @Test
  void theSuitePrintedNoToken() {
    assertThat(TokenLeakGuard.captured()).as("debug logging ran, so the capture works").isNotEmpty();
    TokenLeakGuard.assertNoTokenPrinted();
  }
}
