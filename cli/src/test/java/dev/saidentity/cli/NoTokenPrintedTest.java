package dev.saidentity.cli;

import dev.saidentity.testing.TokenLeakGuard;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Runs last: no JWT reached this suite's stdout or stderr (the commands' own output goes to their writers). */
@Order(Integer.MAX_VALUE)
class NoTokenPrintedTest {

  @Test
  void theSuitePrintedNoToken() {
    TokenLeakGuard.assertNoTokenPrinted();
  }
}
