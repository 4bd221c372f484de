package dev.saidentity.spring.autoconfigure;

import dev.saidentity.micrometer.SaIdentityMetrics;
import dev.saidentity.spring.ServiceAccountAuthenticationProvider;
import dev.saidentity.spring.ServiceAccountTokenInterceptor;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The Micrometer binder ({@link SaIdentityMetrics}) over what the starter built: the validators
 * (named {@code in-cluster}, the issuer, or {@code inbound} for the application's own), the
 * TokenReview client ({@code inbound}), the token files (by target name) and the TokenRequest provider
 * ({@code outbound}). Only when Micrometer and {@code sa-identity-micrometer} are on the class path;
 * Spring Boot binds it to every registry. Backs off when the application defines its own {@link
 * SaIdentityMetrics}.
 */
@AutoConfiguration(after = {ServiceAccountResourceServerAutoConfiguration.class, ServiceAccountClientAutoConfiguration.class})
@ConditionalOnClass({MeterBinder.class, SaIdentityMetrics.class})
@Import(ComponentsConfiguration.class)
public class ServiceAccountMetricsAutoConfiguration {

  /** Created by Spring. */
  public ServiceAccountMetricsAutoConfiguration() {}

  /** The binder over the parts the inbound and outbound auto-configurations built. */
  @Bean
  @ConditionalOnMissingBean
  public SaIdentityMetrics saIdentityMetrics(Components parts, ObjectProvider<ServiceAccountAuthenticationProvider> inbound,
      ObjectProvider<ServiceAccountTokenInterceptor> outbound) {
    // Their creation fills the parts: create them first (both are optional).
    inbound.getIfAvailable();
    outbound.getIfAvailable();
    SaIdentityMetrics.Builder b = SaIdentityMetrics.builder();
    parts.forEachValidator(b::validator);
    parts.forEachReviewer(b::tokenReviewer);
    parts.forEachTokenFile(b::tokenFile);
    parts.forEachProvider(b::tokenProvider);
    return b.build();
  }
}
