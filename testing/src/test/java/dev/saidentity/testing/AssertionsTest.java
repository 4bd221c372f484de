package dev.saidentity.testing;

import static dev.saidentity.testing.SaIdentityAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.UnverifiedToken;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The assertions pass when they should, and fail with their exact messages when they should not. */
class AssertionsTest {

  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  final SettableClock clock = SettableClock.at(T);
  final FakeTokenIssuer issuer = FakeTokenIssuer.builder().clock(clock).build();
  final ServiceAccount sa = ServiceAccount.of("payments", "api", "uid-1");
  final String token = issuer.projected(sa).audience("vault").boundToPod("api-1", "p1").tokenId("j").mint();
  final TokenValidator validator = issuer.validator().audience("vault").build();

  @Test
  void serviceAccountAssertions() {
    assertThat(sa).hasNamespace("payments").hasName("api").hasUid("uid-1").hasUsername("system:serviceaccount:payments:api").isNotDefault();
    assertThatThrownBy(() -> assertThat(sa).isDefault())
        .isInstanceOf(AssertionError.class).hasMessage("Expecting system:serviceaccount:payments:api to be a default ServiceAccount but it is not");
    assertThatThrownBy(() -> assertThat(sa).hasNamespace("other"))
        .hasMessage("Expecting ServiceAccount system:serviceaccount:payments:api to be in namespace \"other\" but it is in \"payments\"");
    assertThatThrownBy(() -> assertThat(ServiceAccount.of("a", "b")).hasUid("u"))
        .hasMessage("Expecting ServiceAccount system:serviceaccount:a:b to have uid \"u\" but it has none");
  }

  @Test
  void validationResultAssertions() {
    assertThat(validator.tryValidate(token)).isValid().token().isBoundToPod("api-1").hasAudiences("vault");
    clock.advance(Duration.ofHours(2));
    assertThat(validator.tryValidate(token)).isRefusedWith(Reason.EXPIRED)
        .hasMessage("service account token has expired: now 2026-01-01T02:00:00Z is after exp 2026-01-01T01:00:00Z plus leeway 60s")
        .hasMessageContaining("plus leeway 60s");
    assertThatThrownBy(() -> assertThat(validator.tryValidate(token)).isValid())
        .hasMessage("Expecting the token to be valid but it was refused with EXPIRED: service account token has expired:"
            + " now 2026-01-01T02:00:00Z is after exp 2026-01-01T01:00:00Z plus leeway 60s");
    assertThatThrownBy(() -> assertThat(validator.tryValidate(token)).isRefusedWith(Reason.AUDIENCE_MISMATCH))
        .hasMessageStartingWith("Expecting the token to be refused with AUDIENCE_MISMATCH but it was refused with EXPIRED: ");
  }

  @Test
  void tokenAssertions_nameTheTokenByFingerprint() {
    UnverifiedToken u = UnverifiedToken.decode(token);
    assertThat(u).isProjected().hasUsername("system:serviceaccount:payments:api").expiresAt(T.plusSeconds(3600));
    assertThatThrownBy(() -> assertThat(u).isLegacy())
        .hasMessage("Expecting token system:serviceaccount:payments:api (" + u.fingerprint() + ") to be LEGACY but it is PROJECTED");
    assertThatThrownBy(() -> assertThat(u).isBoundToSecret("s"))
        .hasMessage("Expecting token system:serviceaccount:payments:api (" + u.fingerprint() + ") to be bound to Secret \"s\" but it is bound to no Secret");
    assertThatThrownBy(() -> assertThat(validator.validate(token)).isStale())
        .hasMessage("Expecting token system:serviceaccount:payments:api (" + u.fingerprint()
            + ") to be stale at 2026-01-01T00:00:00Z but its warnafter is not set");
    assertThatThrownBy(() -> assertThat(u).isStale()).hasMessageContaining("staleness is known only for a validated token");
  }
}
