package dev.saidentity.spring;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * An authenticated ServiceAccount: the {@link #getPrincipal() principal} is a {@link
 * ServiceAccountPrincipal}; there are no credentials (the token is not kept). The authorities are
 * {@code SA_<namespace>:<name>} and {@code NS_<namespace>}, e.g. {@code SA_shop:checkout} and {@code
 * NS_shop}, for {@code hasAuthority(..)} rules. Immutable once created.
 */
public final class ServiceAccountAuthentication extends AbstractAuthenticationToken {

  private static final long serialVersionUID = 1L;

  /** The prefix of the ServiceAccount authority: {@code SA_<namespace>:<name>}. */
  public static final String SERVICE_ACCOUNT_AUTHORITY_PREFIX = "SA_";
  /** The prefix of the namespace authority: {@code NS_<namespace>}. */
  public static final String NAMESPACE_AUTHORITY_PREFIX = "NS_";

  private final ServiceAccountPrincipal principal;

  /** An authenticated ServiceAccount with the authorities {@link #authorities(ServiceAccountPrincipal)} derives. */
  public ServiceAccountAuthentication(ServiceAccountPrincipal principal) {
    super(authorities(principal));
    this.principal = Objects.requireNonNull(principal, "principal");
    super.setAuthenticated(true);
  }

  /** {@code SA_<namespace>:<name>} and {@code NS_<namespace>}. */
  public static List<GrantedAuthority> authorities(ServiceAccountPrincipal principal) {
    List<GrantedAuthority> out = new ArrayList<>(2);
    out.add(new SimpleGrantedAuthority(SERVICE_ACCOUNT_AUTHORITY_PREFIX + principal.namespace() + ":" + principal.name()));
    out.add(new SimpleGrantedAuthority(NAMESPACE_AUTHORITY_PREFIX + principal.namespace()));
    return List.copyOf(out);
  }

  /** Always the empty string: the token is not kept. */
  @Override
  public Object getCredentials() {
    return "";
  }

  /** The {@link ServiceAccountPrincipal}. */
  @Override
  public ServiceAccountPrincipal getPrincipal() {
    return principal;
  }

  /**
   * Refuses to mark this authentication trusted again once it was not.
   *
   * @throws IllegalArgumentException if {@code authenticated} is true
   */
  @Override
  public void setAuthenticated(boolean authenticated) {
    if (authenticated) {
      throw new IllegalArgumentException("a ServiceAccountAuthentication is authenticated when created, never afterwards");
    }
    super.setAuthenticated(false);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServiceAccountAuthentication && super.equals(o) && principal.equals(((ServiceAccountAuthentication) o).principal);
  }

  @Override
  public int hashCode() {
    return super.hashCode() * 31 + principal.hashCode();
  }
}
