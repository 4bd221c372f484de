package dev.saidentity.spring.autoconfigure;

import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code sa-identity.resource-server.issuers} has at least one entry. */
final class OnIssuersConfigured extends SpringBootCondition {

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    int n = Binder.get(context.getEnvironment())
        .bind("sa-identity.resource-server.issuers", Bindable.listOf(ResourceServerProperties.Issuer.class))
        .map(List::size)
        .orElse(0);
    return n == 0
        ? ConditionOutcome.noMatch("no sa-identity.resource-server.issuers")
        : ConditionOutcome.match(n + " sa-identity.resource-server.issuers");
  }
}
