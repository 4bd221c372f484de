package dev.saidentity.spring;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;

/**
 * Who may call: "these ServiceAccounts, or any ServiceAccount in this namespace". A rule is {@code
 * <namespace>/<name>} (one ServiceAccount), {@code <namespace>/*} (any in the namespace) or the full
 * username {@code system:serviceaccount:<namespace>:<name>}. Rules are checked when given (a namespace
 * is a DNS-1123 label, a name a DNS-1123 subdomain), so a typo fails at start-up, not at the first call.
 *
 * <pre>{@code
 * http.authorizeHttpRequests(a -> a
 *     .requestMatchers("/orders/**").access(ServiceAccounts.allow("shop/checkout", "billing/*"))
 *     .anyRequest().denyAll());
 * }</pre>
 *
 * <p>For method security, the auto-configuration registers a bean named {@code serviceAccounts}:
 * {@code @PreAuthorize("@serviceAccounts.allow(authentication, 'shop/checkout')")}. Thread-safe.
 */
public final class ServiceAccounts {

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final String USERNAME_PREFIX = "system:serviceaccount:";

  private final Set<String> serviceAccounts;
  private final Set<String> namespaces;
  private final List<String> rules;

  private ServiceAccounts(Collection<String> rules) {
    Set<String> sas = new HashSet<>();
    Set<String> nss = new HashSet<>();
    for (String rule : rules) {
      Objects.requireNonNull(rule, "rule");
      String r = rule.startsWith(USERNAME_PREFIX) ? rule.substring(USERNAME_PREFIX.length()).replaceFirst(":", "/") : rule;
      int slash = r.indexOf('/');
      if (slash < 0) {
        throw new IllegalArgumentException("rule \"" + rule + "\" is not <namespace>/<name>, <namespace>/* or system:serviceaccount:<namespace>:<name>");
      }
      String ns = r.substring(0, slash);
      String name = r.substring(slash + 1);
      if (!LABEL.matcher(ns).matches()) {
        throw new IllegalArgumentException("rule \"" + rule + "\": the namespace \"" + ns + "\" is not a DNS-1123 label");
      }
      if (name.equals("*") && !rule.startsWith(USERNAME_PREFIX)) {
        nss.add(ns);
      } else if (name.length() <= 253 && SUBDOMAIN.matcher(name).matches()) {
        sas.add(ns + "/" + name);
      } else {
        throw new IllegalArgumentException("rule \"" + rule + "\": the name \"" + name + "\" is not a DNS-1123 subdomain");
      }
    }
    if (sas.isEmpty() && nss.isEmpty()) {
      throw new IllegalArgumentException("at least one rule is required");
    }
    this.serviceAccounts = Set.copyOf(sas);
    this.namespaces = Set.copyOf(nss);
    this.rules = List.copyOf(rules);
  }

  /**
   * Allows these ServiceAccounts or namespaces (see the class comment); anyone else, and any caller
   * that is not a ServiceAccount, is denied.
   *
   * @throws IllegalArgumentException if there is no rule or a rule is malformed
   */
  public static <T> AuthorizationManager<T> allow(String... rules) {
    return new Manager<>(new ServiceAccounts(List.of(rules)));
  }

  /**
   * Allows these ServiceAccounts or namespaces; see {@link #allow(String...)}.
   *
   * @throws IllegalArgumentException if there is no rule or a rule is malformed
   */
  public static <T> AuthorizationManager<T> allow(Collection<String> rules) {
    return new Manager<>(new ServiceAccounts(new ArrayList<>(rules)));
  }

  /**
   * Whether the rules allow this caller: a {@link ServiceAccountPrincipal} of an authenticated
   * {@link Authentication} whose ServiceAccount or namespace is listed.
   *
   * @throws IllegalArgumentException if there is no rule or a rule is malformed
   */
  public static boolean allows(@Nullable Authentication authentication, String... rules) {
    return new ServiceAccounts(List.of(rules)).test(authentication);
  }

  boolean test(@Nullable Authentication a) {
    if (a == null || !a.isAuthenticated() || !(a.getPrincipal() instanceof ServiceAccountPrincipal)) {
      return false;
    }
    ServiceAccountPrincipal p = (ServiceAccountPrincipal) a.getPrincipal();
    return namespaces.contains(p.namespace()) || serviceAccounts.contains(p.namespace() + "/" + p.name());
  }

  @Override
  public String toString() {
    return "ServiceAccounts.allow" + rules;
  }

  private static final class Manager<T> implements AuthorizationManager<T> {
    private final ServiceAccounts rules;

    Manager(ServiceAccounts rules) {
      this.rules = rules;
    }

    @Override
    public AuthorizationResult authorize(Supplier<? extends @Nullable Authentication> authentication, T object) {
      return new AuthorizationDecision(rules.test(authentication.get()));
    }

    @Override
    public String toString() {
      return rules.toString();
    }
  }
}
