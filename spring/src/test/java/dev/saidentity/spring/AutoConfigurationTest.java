package dev.saidentity.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.spring.autoconfigure.ServiceAccountClientAutoConfiguration;
import dev.saidentity.spring.autoconfigure.ServiceAccountHealthAutoConfiguration;
import dev.saidentity.spring.autoconfigure.ServiceAccountResourceServerAutoConfiguration;
import dev.saidentity.testing.FakeTokenIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The back-off rules and start-up failures, with {@link ApplicationContextRunner}. */
class AutoConfigurationTest {

  static final FakeTokenIssuer ISSUER = FakeTokenIssuer.create();

  @TempDir
  Path dir;

  ApplicationContextRunner runner() throws Exception {
    Path pem = dir.resolve("sa.pub");
    Files.writeString(pem, ISSUER.publicKeyPem());
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ServiceAccountResourceServerAutoConfiguration.class,
            ServiceAccountClientAutoConfiguration.class, ServiceAccountHealthAutoConfiguration.class))
        .withPropertyValues("sa-identity.resource-server.issuers[0].issuer=" + ISSUER.issuer(),
            "sa-identity.resource-server.issuers[0].public-key-file=" + pem);
  }

  @Test
  void withIssuerAndAudience_theProviderAndTheMethodSecurityBeanExist() throws Exception {
    runner().withPropertyValues("sa-identity.resource-server.audiences=orders").run(ctx -> {
      assertThat(ctx).hasSingleBean(ServiceAccountAuthenticationProvider.class).hasSingleBean(ServiceAccountResourceServer.class)
          .hasBean("serviceAccounts").hasSingleBean(ServiceAccountTokenInterceptor.class)
          .hasSingleBean(ServiceAccountHealthIndicator.class);
      String token = ISSUER.projected(dev.saidentity.core.ServiceAccount.of("shop", "checkout", "u-1")).audience("orders").mint();
      assertThat(ctx.getBean(ServiceAccountAuthenticationProvider.class).verify(token).isValid()).isTrue();
    });
  }

  @Test
  void withoutIssuers_thereIsNoResourceServer() {
    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ServiceAccountResourceServerAutoConfiguration.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(ServiceAccountAuthenticationProvider.class));
  }

  @Test
  void withoutAudiences_startUpFails_closed() throws Exception {
    runner().run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
        .hasMessageStartingWith("sa-identity.resource-server.audiences is empty: at least one required audience must be set"));
  }

  @Test
  void anIssuerWithTwoKeySettings_failsStartUp() throws Exception {
    runner().withPropertyValues("sa-identity.resource-server.audiences=orders", "sa-identity.resource-server.issuers[0].jwks-file=/x")
        .run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause().hasMessage(
            "sa-identity.resource-server.issuers[0]: set exactly one of discovery, jwks-url, jwks-file, public-key-file, in-cluster (found 2)"));
  }

  @Test
  void theApplicationsOwnBeansWin() throws Exception {
    ServiceAccountAuthenticationProvider own = ServiceAccountAuthenticationProvider.of(ISSUER.validator().audience("x").build());
    ServiceAccountTokenInterceptor ownInterceptor = ServiceAccountTokenInterceptor.builder().build();
    runner().withPropertyValues("sa-identity.resource-server.audiences=orders")
        .withBean(ServiceAccountAuthenticationProvider.class, () -> own)
        .withBean(ServiceAccountTokenInterceptor.class, () -> ownInterceptor)
        .run(ctx -> {
          assertThat(ctx.getBean(ServiceAccountAuthenticationProvider.class)).isSameAs(own);
          assertThat(ctx.getBean(ServiceAccountTokenInterceptor.class)).isSameAs(ownInterceptor);
          assertThat(ctx.getBean(ServiceAccountResourceServer.class).provider()).isSameAs(own);
        });
  }

  @Test
  void theApplicationsValidator_isUsedInsteadOfTheProperties() throws Exception {
    runner().withPropertyValues("sa-identity.resource-server.audiences=orders")
        .withBean(dev.saidentity.core.TokenValidator.class, () -> ISSUER.validator().audience("billing").build())
        .run(ctx -> {
          String token = ISSUER.projected(dev.saidentity.core.ServiceAccount.of("shop", "checkout", "u-1")).audience("billing").mint();
          assertThat(ctx.getBean(ServiceAccountAuthenticationProvider.class).verify(token).isValid()).isTrue();
        });
  }

  @Test
  void aTargetWithNeitherFileNorAudience_failsStartUp() throws Exception {
    runner().withPropertyValues("sa-identity.resource-server.audiences=orders", "sa-identity.client.targets.orders.hosts=orders")
        .run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
            .hasMessage("sa-identity.client.targets.orders: set exactly one of token-file and audience"));
  }
}
