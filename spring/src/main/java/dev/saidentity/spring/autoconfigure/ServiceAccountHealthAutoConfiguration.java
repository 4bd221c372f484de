package dev.saidentity.spring.autoconfigure;

import dev.saidentity.spring.ServiceAccountHealthIndicator;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The pod's identity as Actuator health ({@code serviceAccount}), when Spring Boot's health support
 * is present and {@code management.health.serviceaccount.enabled} is not false. Backs off when the
 * application defines its own {@link ServiceAccountHealthIndicator}.
 */
@AutoConfiguration
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnEnabledHealthIndicator("serviceaccount")
@EnableConfigurationProperties(KubernetesProperties.class)
public class ServiceAccountHealthAutoConfiguration {

  /** Created by Spring. */
  public ServiceAccountHealthAutoConfiguration() {}

  /** The indicator for the mount {@code sa-identity.kubernetes.mount}. */
  @Bean(name = "serviceAccountHealthIndicator")
  @ConditionalOnMissingBean
  public ServiceAccountHealthIndicator serviceAccountHealthIndicator(KubernetesProperties k8s, ObjectProvider<Clock> clocks) {
    return new ServiceAccountHealthIndicator(k8s.mount(), k8s.environment(), KubernetesSupport.clock(clocks));
  }
}
