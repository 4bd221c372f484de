package dev.saidentity.spring;

import jakarta.servlet.http.HttpServletResponse;
import java.util.Objects;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.oauth2.server.resource.OAuth2ResourceServerConfigurer;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;

/**
 * Makes a Spring Security filter chain a ServiceAccount resource server: bearer tokens (RFC 6750,
 * {@code Authorization} header only) are authenticated by a {@link
 * ServiceAccountAuthenticationProvider}; a refused token gets {@code 401} with {@code
 * WWW-Authenticate: Bearer error="invalid_token", error_description=".."}, a missing one {@code 401}
 * with {@code WWW-Authenticate: Bearer}, a caller without access {@code 403} with {@code
 * error="insufficient_scope"}, and an unavailable TokenReview {@code 503} (fail closed, nothing
 * cached). Requests carrying a bearer token are exempt from CSRF, as with any Spring resource server.
 *
 * <pre>{@code
 * @Bean
 * SecurityFilterChain api(HttpSecurity http, ServiceAccountResourceServer serviceAccounts) throws Exception {
 *   return http
 *       .authorizeHttpRequests(a -> a.requestMatchers("/orders/**").access(ServiceAccounts.allow("shop/checkout"))
 *           .anyRequest().denyAll())
 *       .oauth2ResourceServer(serviceAccounts)
 *       .build();
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ServiceAccountResourceServer implements Customizer<OAuth2ResourceServerConfigurer<HttpSecurity>> {

  /** The challenge of a 403 (RFC 6750 section 3.1). */
  static final String FORBIDDEN_CHALLENGE =
      "Bearer error=\"insufficient_scope\", error_description=\"this ServiceAccount is not allowed to make this request\"";

  private final ServiceAccountAuthenticationProvider provider;
  private final BearerTokenResolver resolver;

  /** A resource server with Spring Security's default resolver (header only, RFC 6750 checks). */
  public ServiceAccountResourceServer(ServiceAccountAuthenticationProvider provider) {
    this(provider, new DefaultBearerTokenResolver());
  }

  /** A resource server with another bearer-token resolver. */
  public ServiceAccountResourceServer(ServiceAccountAuthenticationProvider provider, BearerTokenResolver resolver) {
    this.provider = Objects.requireNonNull(provider, "provider");
    this.resolver = Objects.requireNonNull(resolver, "resolver");
  }

  /** The provider that authenticates the tokens. */
  public ServiceAccountAuthenticationProvider provider() {
    return provider;
  }

  @Override
  public void customize(OAuth2ResourceServerConfigurer<HttpSecurity> resourceServer) {
    BearerTokenAuthenticationEntryPoint entryPoint = new BearerTokenAuthenticationEntryPoint();
    AuthenticationEntryPointFailureHandler refused = new AuthenticationEntryPointFailureHandler(entryPoint);
    AuthenticationFailureHandler failures = (request, response, e) -> {
      if (e instanceof AuthenticationServiceException) {
        response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setHeader("Retry-After", "1");
        return;
      }
      refused.onAuthenticationFailure(request, response, e);
    };
    resourceServer.authenticationManagerResolver(request -> provider)
        .bearerTokenResolver(resolver)
        .authenticationEntryPoint(entryPoint)
        .accessDeniedHandler((request, response, e) -> {
          // Spring's BearerTokenAccessDeniedHandler names the error only for OAuth2 token authentications.
          response.setStatus(HttpServletResponse.SC_FORBIDDEN);
          response.setHeader("WWW-Authenticate", FORBIDDEN_CHALLENGE);
        })
        .withObjectPostProcessor(new ObjectPostProcessor<BearerTokenAuthenticationFilter>() {
          @Override
          public <O extends BearerTokenAuthenticationFilter> O postProcess(O filter) {
            filter.setAuthenticationFailureHandler(failures);
            return filter;
          }
        });
  }

  @Override
  public String toString() {
    return "ServiceAccountResourceServer[" + provider + "]";
  }
}
