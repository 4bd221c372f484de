package dev.saidentity.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.security.core.Authentication;

/**
 * The {@code serviceAccounts} bean for method security expressions:
 * {@code @PreAuthorize("@serviceAccounts.allow(authentication, 'shop/checkout', 'billing/*')")}. The
 * rules are those of {@link ServiceAccounts}. Stateless; thread-safe.
 */
public final class ServiceAccountExpressions {

  /** The bean. */
  public ServiceAccountExpressions() {}

  /**
   * Whether the caller is one of these ServiceAccounts, or in one of these namespaces.
   *
   * @throws IllegalArgumentException if there is no rule or a rule is malformed
   */
  public boolean allow(@Nullable Authentication authentication, String... rules) {
    return ServiceAccounts.allows(authentication, rules);
  }

  @Override
  public String toString() {
    return "ServiceAccountExpressions";
  }
}
