package dev.saidentity.testing;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.core.ValidatedToken;
import dev.saidentity.core.ValidationResult;

/**
 * AssertJ entry points for sa-identity's types, with exact, readable failure messages.
 *
 * <pre>{@code
 * import static dev.saidentity.testing.SaIdentityAssertions.assertThat;
 *
 * assertThat(validator.tryValidate(token)).isValid();
 * assertThat(validator.tryValidate(expired)).isRefusedWith(Reason.EXPIRED);
 * assertThat(validator.validate(token)).hasUsername("system:serviceaccount:payments:api").isBoundToPod("api-1");
 * assertThat(ServiceAccount.of("payments", "default")).isDefault();
 * }</pre>
 */
public final class SaIdentityAssertions {

  private SaIdentityAssertions() {}

  /** Assertions on a ServiceAccount identity. */
  public static ServiceAccountAssert assertThat(ServiceAccount actual) {
    return new ServiceAccountAssert(actual);
  }

  /** Assertions on the outcome of {@code TokenValidator.tryValidate}. */
  public static ValidationResultAssert assertThat(ValidationResult actual) {
    return new ValidationResultAssert(actual);
  }

  /** Assertions on a validated token. */
  public static TokenAssert assertThat(ValidatedToken actual) {
    return new TokenAssert(actual == null ? null : actual.claims(), actual);
  }

  /** Assertions on a decoded (unverified) token. */
  public static TokenAssert assertThat(UnverifiedToken actual) {
    return new TokenAssert(actual, null);
  }
}
