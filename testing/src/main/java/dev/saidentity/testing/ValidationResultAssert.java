package dev.saidentity.testing;

import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.ValidationResult;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a {@link ValidationResult}; see {@link SaIdentityAssertions#assertThat(ValidationResult)}. */
public final class ValidationResultAssert extends AbstractAssert<ValidationResultAssert, ValidationResult> {

  ValidationResultAssert(ValidationResult actual) {
    super(actual, ValidationResultAssert.class);
  }

  /** The token was valid. */
  public ValidationResultAssert isValid() {
    isNotNull();
    if (!actual.isValid()) {
      failWithMessage("Expecting the token to be valid but it was refused with %s: %s", actual.reason().orElseThrow(), actual.message());
    }
    return this;
  }

  /** The token was refused, for {@code reason}. */
  public ValidationResultAssert isRefusedWith(Reason reason) {
    isNotNull();
    if (actual.isValid()) {
      failWithMessage("Expecting the token to be refused with %s but it was valid (%s)", reason, actual.token().orElseThrow());
    } else if (actual.reason().orElseThrow() != reason) {
      failWithMessage("Expecting the token to be refused with %s but it was refused with %s: %s", reason, actual.reason().orElseThrow(),
          actual.message());
    }
    return this;
  }

  /** The refusal's message is exactly {@code expected}. */
  public ValidationResultAssert hasMessage(String expected) {
    isNotNull();
    if (!actual.message().equals(expected)) {
      failWithMessage("Expecting the refusal message%n  \"%s\"%nbut was%n  \"%s\"", expected, actual.message());
    }
    return this;
  }

  /** The refusal's message contains {@code part}. */
  public ValidationResultAssert hasMessageContaining(String part) {
    isNotNull();
    if (!actual.message().contains(part)) {
      failWithMessage("Expecting the refusal message%n  \"%s\"%nto contain%n  \"%s\"", actual.message(), part);
    }
    return this;
  }

  /** Continues with assertions on the validated token. */
  public TokenAssert token() {
    isValid();
    return SaIdentityAssertions.assertThat(actual.token().orElseThrow());
  }
}
