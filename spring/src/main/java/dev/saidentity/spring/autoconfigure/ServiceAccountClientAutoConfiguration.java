package dev.saidentity.spring.autoconfigure;

import dev.saidentity.core.ServiceAccount;
import dev.saidentity.spring.ServiceAccountTokenInterceptor;
import dev.saidentity.spring.autoconfigure.ClientProperties.Target;
import dev.saidentity.tokenrequest.CachingTokenProvider;
import dev.saidentity.tokenrequest.ProjectedTokenFile;
import dev.saidentity.tokenrequest.TokenRequestClient;
import dev.saidentity.tokenrequest.TokenRequestSpec;
import dev.saidentity.tokenrequest.TokenSource;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.client.ClientHttpRequestInterceptor;

/**
 * The outbound half: a {@link ServiceAccountTokenInterceptor} for the {@code sa-identity.client.targets},
 * added to every {@code RestClient.Builder} Spring Boot creates. A target with {@code token-file}
 * reads a projected token file; one with {@code audience} requests tokens with TokenRequest through
 * one {@link CachingTokenProvider} (the application's, when it defines one). Backs off when the
 * application defines its own interceptor.
 */
@AutoConfiguration(afterName = "org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration")
@ConditionalOnClass({RestClientCustomizer.class, ClientHttpRequestInterceptor.class})
@EnableConfigurationProperties({ClientProperties.class, KubernetesProperties.class})
@Import(ComponentsConfiguration.class)
public class ServiceAccountClientAutoConfiguration {

  /** Created by Spring. */
  public ServiceAccountClientAutoConfiguration() {}

  /**
   * The interceptor for the configured targets (none: it sends no token anywhere).
   *
   * @throws IllegalStateException when a target has no host, or not exactly one of token-file and audience
   */
  @Bean
  @ConditionalOnMissingBean
  public ServiceAccountTokenInterceptor serviceAccountTokenInterceptor(ClientProperties props, KubernetesProperties k8s,
      ObjectProvider<CachingTokenProvider> providers, ObjectProvider<ApiClient> clients, ObjectProvider<Clock> clocks,
      ObjectProvider<Components> components) {
    Components parts = components.getIfAvailable(Components::new);
    ServiceAccountTokenInterceptor.Builder b = ServiceAccountTokenInterceptor.builder();
    CachingTokenProvider provider = null;
    ServiceAccount self = null;
    for (Map.Entry<String, Target> e : new TreeMap<>(props.targets()).entrySet()) {
      String where = "sa-identity.client.targets." + e.getKey();
      Target t = e.getValue();
      if (t.hosts().isEmpty()) {
        throw new IllegalStateException(where + ".hosts is empty: name the hosts that get this target's token");
      }
      if ((t.tokenFile() == null) == (t.audience() == null)) {
        throw new IllegalStateException(where + ": set exactly one of token-file and audience");
      }
      TokenSource source;
      if (t.tokenFile() != null) {
        ProjectedTokenFile file = ProjectedTokenFile.of(t.tokenFile(), KubernetesSupport.clock(clocks), ProjectedTokenFile.DEFAULT_MAX_AGE);
        parts.tokenFile(e.getKey(), file);
        source = file;
      } else {
        if (provider == null) {
          provider = providers.getIfAvailable(() -> {
            CachingTokenProvider own = CachingTokenProvider.builder(TokenRequestClient.create(KubernetesSupport.apiClient(clients, k8s)))
                .clock(KubernetesSupport.clock(clocks)).build();
            parts.own(own);
            return own;
          });
          parts.provider("outbound", provider);
        }
        if (self == null) {
          self = self(props.serviceAccount(), k8s);
        }
        TokenRequestSpec.Builder spec = TokenRequestSpec.builder(self.namespace(), self.name()).audience(java.util.Objects.requireNonNull(t.audience()));
        if (t.expiration() != null) {
          spec.expiration(t.expiration());
        }
        source = TokenSource.of(provider, spec.build());
      }
      for (String host : t.hosts()) {
        b.target(host, source);
      }
    }
    return b.build();
  }

  private static ServiceAccount self(@Nullable String configured, KubernetesProperties k8s) {
    if (configured != null && !configured.isEmpty()) {
      int slash = configured.indexOf('/');
      if (slash <= 0 || slash == configured.length() - 1) {
        throw new IllegalStateException("sa-identity.client.service-account must be <namespace>/<name>, got \"" + configured + "\"");
      }
      return ServiceAccount.of(configured.substring(0, slash), configured.substring(slash + 1));
    }
    return KubernetesSupport.podToken(k8s.mount(), "sa-identity.client.service-account is not set").serviceAccount();
  }

  /** Adds the interceptor to every {@code RestClient.Builder} Spring Boot creates. */
  @Bean
  @ConditionalOnMissingBean(name = "serviceAccountRestClientCustomizer")
  public RestClientCustomizer serviceAccountRestClientCustomizer(ServiceAccountTokenInterceptor interceptor) {
    return builder -> builder.requestInterceptor(interceptor);
  }
}
