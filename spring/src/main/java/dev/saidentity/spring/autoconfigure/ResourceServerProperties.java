package dev.saidentity.spring.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code sa-identity.resource-server.*}: which ServiceAccount tokens this service accepts.
 *
 * <pre>
 * sa-identity:
 *   resource-server:
 *     issuers:
 *       - in-cluster: true            # this cluster: keys from the API server, with the pod's CA and token
 *     audiences: [orders]             # required: at least one
 *     mode: offline-then-review       # offline | online | offline-then-review
 *     allow: [shop/checkout]          # only for the default filter chain
 * </pre>
 *
 * @param enabled whether the resource server is configured at all; default true (it is only when an
 *     issuer is configured)
 * @param issuers the accepted issuers, each with its keys; at least one
 * @param audiences the required audiences: a token must be for at least one of them; at least one
 *     (fail closed: start-up fails without)
 * @param mode when to ask TokenReview after offline validation; default {@code offline}
 * @param leeway the clock-skew tolerance on {@code nbf}, {@code exp}, {@code iat}; default 60 s
 * @param allow for the default filter chain only (when the application defines no {@code
 *     SecurityFilterChain}): the ServiceAccounts allowed, as {@code ns/name} or {@code ns/*}; empty
 *     means any authenticated ServiceAccount
 * @param allowLegacy accept legacy (Secret-based) tokens; default false
 */
@ConfigurationProperties("sa-identity.resource-server")
public record ResourceServerProperties(@DefaultValue("true") boolean enabled, @DefaultValue List<Issuer> issuers,
    @DefaultValue List<String> audiences, @DefaultValue("offline") Mode mode, boolean allowLegacy,
    @DefaultValue("60s") Duration leeway, @DefaultValue List<String> allow) {

  /** Copies the lists. */
  public ResourceServerProperties {
    issuers = List.copyOf(issuers);
    audiences = List.copyOf(audiences);
    allow = List.copyOf(allow);
  }

  /** When TokenReview is asked, after offline validation. */
  public enum Mode {
    /** Offline validation only: fast, no API call; a deleted Pod or ServiceAccount goes unnoticed until the token expires. */
    OFFLINE,
    /** Offline validation, then TokenReview for every token (legacy tokens included). */
    ONLINE,
    /** Offline validation, then TokenReview for tokens bound to a Pod, Secret or Node. */
    OFFLINE_THEN_REVIEW
  }

  /**
   * One accepted issuer and where its keys come from: exactly one of {@code discovery}, {@code
   * jwks-url}, {@code jwks-file}, {@code public-key-file} and {@code in-cluster}.
   *
   * @param issuer the {@code iss} accepted (exact match); with {@code in-cluster} it may be left out and
   *     is then the {@code iss} of the pod's own token
   * @param discovery the issuer URL for OIDC discovery ({@code <url>/.well-known/openid-configuration})
   * @param jwksUrl a JWKS URL
   * @param jwksFile a JWKS file
   * @param publicKeyFile a PEM file of public keys (as the API server's {@code --service-account-key-file})
   * @param inCluster this cluster: the JWKS from the API server ({@code /openid/v1/jwks}), trusting the
   *     mount's {@code ca.crt} and authenticating with the mount's rotating token
   * @param caFile for {@code discovery} and {@code jwks-url}: trust only these PEM CA certificates
   * @param bearerTokenFile for {@code discovery} and {@code jwks-url}: send this (rotating) token file
   * @param mode this issuer's mode, instead of the global one (e.g. {@code offline} for another
   *     cluster, whose tokens this cluster's TokenReview cannot judge)
   */
  public record Issuer(@Nullable String issuer, @Nullable URI discovery, @Nullable URI jwksUrl, @Nullable Path jwksFile,
      @Nullable Path publicKeyFile, boolean inCluster, @Nullable Path caFile, @Nullable Path bearerTokenFile,
      @Nullable Mode mode) {}
}
