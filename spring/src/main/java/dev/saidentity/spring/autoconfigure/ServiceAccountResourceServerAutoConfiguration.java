package dev.saidentity.spring.autoconfigure;

import dev.saidentity.core.KeySource;
import dev.saidentity.core.RemoteKeySource;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.ValidationResult;
import dev.saidentity.spring.ServiceAccountAuthenticationProvider;
import dev.saidentity.spring.ServiceAccountExpressions;
import dev.saidentity.spring.ServiceAccountResourceServer;
import dev.saidentity.spring.ServiceAccounts;
import dev.saidentity.spring.autoconfigure.ResourceServerProperties.Issuer;
import dev.saidentity.spring.autoconfigure.ResourceServerProperties.Mode;
import dev.saidentity.tokenrequest.CallerVerifier;
import dev.saidentity.tokenrequest.ProjectedTokenFile;
import dev.saidentity.tokenrequest.TokenReviewer;
import io.kubernetes.client.openapi.ApiClient;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The inbound half: when {@code sa-identity.resource-server.issuers} is set, a {@link
 * ServiceAccountAuthenticationProvider} (one validator per issuer; TokenReview as the mode says), a
 * {@link ServiceAccountResourceServer} to apply to a filter chain, the {@code serviceAccounts} bean
 * for method security, and, when the application defines no {@link SecurityFilterChain}, a default
 * chain in which every request needs a ServiceAccount token (of those in {@code allow}, when set).
 * Every bean backs off when the application defines its own; an application {@link TokenValidator},
 * {@link CallerVerifier}, {@link TokenReviewer}, {@link ApiClient} or {@link Clock} bean is used
 * instead of the one built from properties.
 */
@AutoConfiguration(beforeName = {
    "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
    "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
    "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration"})
@ConditionalOnClass({HttpSecurity.class, BearerTokenAuthenticationToken.class})
@ConditionalOnBooleanProperty(name = "sa-identity.resource-server.enabled", matchIfMissing = true)
@Conditional(OnIssuersConfigured.class)
@EnableConfigurationProperties({ResourceServerProperties.class, KubernetesProperties.class})
@Import(ComponentsConfiguration.class)
public class ServiceAccountResourceServerAutoConfiguration {

  /** Created by Spring. */
  public ServiceAccountResourceServerAutoConfiguration() {}

  /**
   * The provider, from the properties (or the application's validator or verifier).
   *
   * @throws IllegalStateException when no audience is required, or an issuer's keys are not set exactly once
   */
  @Bean
  @ConditionalOnMissingBean
  public ServiceAccountAuthenticationProvider serviceAccountAuthenticationProvider(ResourceServerProperties props,
      KubernetesProperties k8s, ObjectProvider<TokenValidator> validators, ObjectProvider<CallerVerifier> verifiers,
      ObjectProvider<TokenReviewer> reviewers, ObjectProvider<ApiClient> clients, ObjectProvider<Clock> clocks,
      ObjectProvider<Components> components) {
    Components parts = components.getIfAvailable(Components::new);
    CallerVerifier appVerifier = verifiers.getIfUnique();
    if (appVerifier != null) {
      return ServiceAccountAuthenticationProvider.of(appVerifier);
    }
    Clock clock = KubernetesSupport.clock(clocks);
    Supplier<TokenReviewer> reviewer = new Supplier<>() {
      private @Nullable TokenReviewer made;

      @Override
      public synchronized TokenReviewer get() {
        if (made == null) {
          made = reviewers.getIfAvailable(() -> TokenReviewer.builder(KubernetesSupport.apiClient(clients, k8s)).clock(clock).build());
          parts.reviewer("inbound", made);
        }
        return made;
      }
    };
    TokenValidator appValidator = validators.getIfUnique();
    if (appValidator != null) {
      parts.validator("inbound", appValidator);
      return ServiceAccountAuthenticationProvider.of(List.of(verifier(appValidator, props.mode(), reviewer)), List.of());
    }
    if (props.audiences().isEmpty()) {
      throw new IllegalStateException("sa-identity.resource-server.audiences is empty: at least one required audience must be set"
          + " (the audience your callers request their tokens for, e.g. this service's name); without one any token of the"
          + " cluster, whatever it was meant for, would be accepted");
    }
    List<Function<String, ValidationResult>> out = new ArrayList<>();
    List<AutoCloseable> resources = new ArrayList<>();
    for (int i = 0; i < props.issuers().size(); i++) {
      Issuer cfg = props.issuers().get(i);
      String where = "sa-identity.resource-server.issuers[" + i + "]";
      KeySource keys = keys(cfg, where, k8s, resources);
      String issuer = cfg.issuer();
      if (issuer == null || issuer.isEmpty()) {
        if (!cfg.inCluster()) {
          throw new IllegalStateException(where + ".issuer is required (only in-cluster may leave it out)");
        }
        issuer = KubernetesSupport.podToken(k8s.mount(), where + ".issuer is not set").issuer()
            .orElseThrow(() -> new IllegalStateException(where + ".issuer is not set and the pod's token has no iss"));
      }
      TokenValidator v = TokenValidator.builder().issuer(issuer).audiences(props.audiences()).keys(keys).clock(clock)
          .leeway(props.leeway()).allowLegacyTokens(props.allowLegacy()).build();
      parts.validator(cfg.inCluster() ? "in-cluster" : issuer.length() <= 128 ? issuer : "issuer-" + i, v);
      out.add(verifier(v, cfg.mode() != null ? cfg.mode() : props.mode(), reviewer));
    }
    return ServiceAccountAuthenticationProvider.of(out, resources);
  }

  private static Function<String, ValidationResult> verifier(TokenValidator v, Mode mode, Supplier<TokenReviewer> reviewer) {
    if (mode == Mode.OFFLINE) {
      return v::tryValidate;
    }
    CallerVerifier cv = CallerVerifier.builder(v, reviewer.get())
        .review(mode == Mode.ONLINE ? CallerVerifier.Review.ALWAYS : CallerVerifier.Review.BOUND_TOKENS).build();
    return cv::verify;
  }

  private static KeySource keys(Issuer cfg, String where, KubernetesProperties k8s, List<AutoCloseable> resources) {
    int set = (cfg.discovery() != null ? 1 : 0) + (cfg.jwksUrl() != null ? 1 : 0) + (cfg.jwksFile() != null ? 1 : 0)
        + (cfg.publicKeyFile() != null ? 1 : 0) + (cfg.inCluster() ? 1 : 0);
    if (set != 1) {
      throw new IllegalStateException(where + ": set exactly one of discovery, jwks-url, jwks-file, public-key-file, in-cluster"
          + " (found " + set + ")");
    }
    if (cfg.jwksFile() != null) {
      return KeySource.fromJwksFile(cfg.jwksFile());
    }
    if (cfg.publicKeyFile() != null) {
      return KeySource.fromPemFile(cfg.publicKeyFile());
    }
    RemoteKeySource.Builder b;
    if (cfg.inCluster()) {
      URI api = k8s.apiServerUrl();
      b = RemoteKeySource.jwks(URI.create(api.toString().replaceAll("/+$", "") + "/openid/v1/jwks"))
          .caCertificatesFile(k8s.mount().resolve("ca.crt"))
          .bearerToken(ProjectedTokenFile.of(k8s.mount().resolve("token")));
    } else {
      b = cfg.discovery() != null ? RemoteKeySource.discovery(cfg.discovery()) : RemoteKeySource.jwks(java.util.Objects.requireNonNull(cfg.jwksUrl()));
      if (cfg.caFile() != null) {
        b.caCertificatesFile(cfg.caFile());
      }
      if (cfg.bearerTokenFile() != null) {
        b.bearerToken(ProjectedTokenFile.of(cfg.bearerTokenFile()));
      }
    }
    RemoteKeySource keys = b.build();
    resources.add(keys);
    return keys;
  }

  /** The customizer that makes a filter chain a ServiceAccount resource server. */
  @Bean
  @ConditionalOnMissingBean
  public ServiceAccountResourceServer serviceAccountResourceServer(ServiceAccountAuthenticationProvider provider) {
    return new ServiceAccountResourceServer(provider);
  }

  /** {@code @serviceAccounts.allow(authentication, 'ns/name')} for method security. */
  @Bean(name = "serviceAccounts")
  @ConditionalOnMissingBean(name = "serviceAccounts")
  public ServiceAccountExpressions serviceAccounts() {
    return new ServiceAccountExpressions();
  }

  /** The default filter chain, only when the application has none. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnMissingBean(SecurityFilterChain.class)
  static class DefaultChain {

    @Bean
    SecurityFilterChain serviceAccountSecurityFilterChain(HttpSecurity http, ServiceAccountResourceServer resourceServer,
        ResourceServerProperties props) throws Exception {
      http.authorizeHttpRequests(a -> {
        if (props.allow().isEmpty()) {
          a.anyRequest().authenticated();
        } else {
          a.anyRequest().access(ServiceAccounts.allow(props.allow()));
        }
      });
      http.oauth2ResourceServer(resourceServer);
      http.sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
      return http.build();
    }
  }
}
