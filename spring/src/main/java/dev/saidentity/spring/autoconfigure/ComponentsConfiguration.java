package dev.saidentity.spring.autoconfigure;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one {@link Components} registry, imported by each auto-configuration that adds to it or reads it. */
@Configuration(proxyBeanMethods = false)
class ComponentsConfiguration {

  @Bean
  Components saIdentityComponents() {
    return new Components();
  }
}
