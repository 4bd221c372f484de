package dev.saidentity.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.testing.FakeTokenIssuer;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.Authentication;

class ServiceAccountsTest {

  static final FakeTokenIssuer ISSUER = FakeTokenIssuer.create();

  static Authentication caller(String ns, String name) {
    String token = ISSUER.projected(ServiceAccount.of(ns, name, "uid-" + name)).audience("orders").mint();
    return new ServiceAccountAuthentication(ServiceAccountPrincipal.of(ISSUER.validator().audience("orders").build().validate(token)));
  }

  @Test
  void aServiceAccountRule_allowsThatServiceAccountOnly() {
    assertThat(ServiceAccounts.allows(caller("shop", "checkout"), "shop/checkout")).isTrue();
    assertThat(ServiceAccounts.allows(caller("shop", "cart"), "shop/checkout")).isFalse();
    assertThat(ServiceAccounts.allows(caller("other", "checkout"), "shop/checkout")).isFalse();
  }

  @Test
  void aNamespaceRule_allowsAnyServiceAccountOfTheNamespace() {
    assertThat(ServiceAccounts.allows(caller("billing", "invoices"), "shop/checkout", "billing/*")).isTrue();
    assertThat(ServiceAccounts.allows(caller("billing2", "invoices"), "billing/*")).isFalse();
  }

  @Test
  void theFullUsername_isARuleToo() {
    assertThat(ServiceAccounts.allows(caller("shop", "checkout"), "system:serviceaccount:shop:checkout")).isTrue();
  }

  @Test
  void aCallerThatIsNotAServiceAccount_orNone_isDenied() {
    assertThat(ServiceAccounts.allows(new TestingAuthenticationToken("shop/checkout", "", "SA_shop:checkout"), "shop/checkout")).isFalse();
    assertThat(ServiceAccounts.allows(null, "shop/checkout")).isFalse();
  }

  @Test
  void malformedRules_failWhenGiven() {
    assertThatThrownBy(() -> ServiceAccounts.allow("checkout")).hasMessage(
        "rule \"checkout\" is not <namespace>/<name>, <namespace>/* or system:serviceaccount:<namespace>:<name>");
    assertThatThrownBy(() -> ServiceAccounts.allow("Shop/checkout"))
        .hasMessage("rule \"Shop/checkout\": the namespace \"Shop\" is not a DNS-1123 label");
    assertThatThrownBy(() -> ServiceAccounts.allow("shop/check_out"))
        .hasMessage("rule \"shop/check_out\": the name \"check_out\" is not a DNS-1123 subdomain");
    assertThatThrownBy(() -> ServiceAccounts.allow()).hasMessage("at least one rule is required");
  }

  @Test
  void theAuthorities_areTheServiceAccountAndItsNamespace() {
    assertThat(caller("shop", "checkout").getAuthorities().stream().map(a -> a.getAuthority()).toList())
        .containsExactly("SA_shop:checkout", "NS_shop");
  }

  @Test
  void theErrorDescription_keepsToRfc6750sCharacters_andIsCapped() {
    assertThat(ServiceAccountAuthenticationProvider.description(Reason.ISSUER_MISMATCH, "token issuer \"a\\b\u00e9\" is invalid"))
        .isEqualTo("ISSUER_MISMATCH: token issuer 'a'b?' is invalid");
    assertThat(ServiceAccountAuthenticationProvider.description(Reason.MALFORMED, "x".repeat(500))).hasSize(200);
  }

  @Test
  void thePrincipal_printsNoToken() {
    String token = ISSUER.projected(ServiceAccount.of("shop", "checkout", "u")).audience("orders").mint();
    ServiceAccountPrincipal p = ServiceAccountPrincipal.of(ISSUER.validator().audience("orders").build().validate(token));

    assertThat(p.toString()).doesNotContain(token.substring(token.lastIndexOf('.') + 1)).contains(p.tokenFingerprint());
    assertThat(new ServiceAccountAuthentication(p).toString()).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
  }
}
