/**
 * Spring Boot and Spring Security integration of sa-identity: authenticate inbound bearer tokens as
 * Kubernetes ServiceAccounts ({@link dev.saidentity.spring.ServiceAccountAuthenticationProvider},
 * {@link dev.saidentity.spring.ServiceAccountPrincipal}), authorize them ({@link
 * dev.saidentity.spring.ServiceAccounts}), attach audience-scoped tokens to outbound calls ({@link
 * dev.saidentity.spring.ServiceAccountTokenInterceptor}) and report token health ({@link
 * dev.saidentity.spring.ServiceAccountHealthIndicator}).
 */
@NullMarked
package dev.saidentity.spring;

import org.jspecify.annotations.NullMarked;
