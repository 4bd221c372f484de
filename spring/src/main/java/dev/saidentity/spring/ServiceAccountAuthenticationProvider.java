package dev.saidentity.spring;

import dev.saidentity.core.TokenValidationException.Reason;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.Tokens;
import dev.saidentity.core.ValidationResult;
import dev.saidentity.tokenrequest.CallerVerifier;
import dev.saidentity.tokenrequest.TokenRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;

/**
 * Authenticates a bearer token ({@link BearerTokenAuthenticationToken}) as a Kubernetes ServiceAccount
 * with sa-identity's validators: offline ({@link TokenValidator}) or offline then TokenReview ({@link
 * CallerVerifier}). The result is a {@link ServiceAccountAuthentication} whose principal is a {@link
 * ServiceAccountPrincipal}.
 *
 * <p><b>Several issuers.</b> Each issuer has its own validator (its own keys: a key of one cluster
 * never vouches for another cluster's identities). They are asked in order; the next one is asked
 * only when a validator refuses with {@code ISSUER_MISMATCH} (not its issuer), {@code UNKNOWN_KEY} or
 * {@code INVALID_SIGNATURE} (a legacy token, whose issuer all clusters share, signed by another
 * cluster). Any other refusal decides.
 *
 * <p><b>Refusals.</b> A refused token is an {@link InvalidBearerTokenException}, which Spring
 * Security answers with {@code 401} and {@code WWW-Authenticate: Bearer error="invalid_token",
 * error_description="<REASON>: <the API server's wording>"}: the reason, never the token, at most 200
 * characters of RFC 6750's allowed set. The full message is logged once at debug with the token's
 * fingerprint. When TokenReview cannot be had (the API server is unavailable), the token is refused
 * with an {@link AuthenticationServiceException} (fail closed; {@link ServiceAccountResourceServer}
 * answers it with {@code 503}).
 *
 * <pre>{@code
 * ServiceAccountAuthenticationProvider provider = ServiceAccountAuthenticationProvider.of(validator);
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} closes the key sources the auto-configuration created for it.
 */
public final class ServiceAccountAuthenticationProvider implements AuthenticationProvider, AuthenticationManager, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountAuthenticationProvider.class);
  /** The longest {@code error_description}. */
  static final int MAX_DESCRIPTION = 200;

  private final List<Function<String, ValidationResult>> verifiers;
  private final List<AutoCloseable> resources;

  private ServiceAccountAuthenticationProvider(List<Function<String, ValidationResult>> verifiers, List<AutoCloseable> resources) {
    if (verifiers.isEmpty()) {
      throw new IllegalArgumentException("at least one validator is required");
    }
    this.verifiers = List.copyOf(verifiers);
    this.resources = List.copyOf(resources);
  }

  /**
   * Offline validation with these validators, one per issuer, asked in order.
   *
   * @throws IllegalArgumentException if none is given
   */
  public static ServiceAccountAuthenticationProvider of(TokenValidator... validators) {
    List<Function<String, ValidationResult>> l = new ArrayList<>();
    for (TokenValidator v : validators) {
      l.add(Objects.requireNonNull(v, "validator")::tryValidate);
    }
    return new ServiceAccountAuthenticationProvider(l, List.of());
  }

  /**
   * Offline validation then TokenReview with these verifiers, one per issuer, asked in order.
   *
   * @throws IllegalArgumentException if none is given
   */
  public static ServiceAccountAuthenticationProvider of(CallerVerifier... verifiers) {
    List<Function<String, ValidationResult>> l = new ArrayList<>();
    for (CallerVerifier v : verifiers) {
      l.add(Objects.requireNonNull(v, "verifier")::verify);
    }
    return new ServiceAccountAuthenticationProvider(l, List.of());
  }

  /**
   * Any verifiers (a {@code TokenValidator::tryValidate} or a {@code CallerVerifier::verify} per
   * issuer), asked in order, and resources to close with this provider.
   *
   * @throws IllegalArgumentException if no verifier is given
   */
  public static ServiceAccountAuthenticationProvider of(List<Function<String, ValidationResult>> verifiers, List<AutoCloseable> resources) {
    return new ServiceAccountAuthenticationProvider(verifiers, resources);
  }

  /**
   * Authenticates a {@link BearerTokenAuthenticationToken}; returns null for any other type.
   *
   * @throws InvalidBearerTokenException when the token is refused
   * @throws AuthenticationServiceException when TokenReview is needed and cannot be had
   */
  @Override
  public @Nullable Authentication authenticate(Authentication authentication) throws AuthenticationException {
    if (!(authentication instanceof BearerTokenAuthenticationToken)) {
      return null;
    }
    String token = ((BearerTokenAuthenticationToken) authentication).getToken();
    ValidationResult r;
    try {
      r = verify(token);
    } catch (TokenRequestException e) {
      LOG.debug("token {} not verified: TokenReview unavailable ({}, HTTP {})", Tokens.fingerprint(token), e.reason(), e.status());
      throw new AuthenticationServiceException("TokenReview is unavailable (" + e.reason() + "): the token cannot be verified");
    }
    if (!r.isValid()) {
      Reason reason = r.reason().orElseThrow();
      LOG.debug("refused bearer token {}: {}: {}", Tokens.fingerprint(token), reason, r.message());
      throw new InvalidBearerTokenException(description(reason, r.upstreamMessage()));
    }
    return new ServiceAccountAuthentication(ServiceAccountPrincipal.of(r.token().orElseThrow()));
  }

  /**
   * Verifies a token with the issuers' verifiers in turn (see the class comment).
   *
   * @throws TokenRequestException when TokenReview is needed and cannot be had
   */
  public ValidationResult verify(String token) {
    ValidationResult first = null;
    for (Function<String, ValidationResult> v : verifiers) {
      ValidationResult r = v.apply(token);
      if (r.isValid()) {
        return r;
      }
      Reason reason = r.reason().orElseThrow();
      boolean notMine = reason == Reason.ISSUER_MISMATCH || reason == Reason.UNKNOWN_KEY || reason == Reason.INVALID_SIGNATURE;
      if (!notMine) {
        return r;
      }
      if (first == null || (first.reason().orElseThrow() == Reason.ISSUER_MISMATCH && reason != Reason.ISSUER_MISMATCH)) {
        first = r;
      }
    }
    return Objects.requireNonNull(first);
  }

  /** {@code <REASON>: <upstream wording>}, in RFC 6750's character set ({@code "} and {@code \} become {@code '}), capped. */
  static String description(Reason reason, String upstream) {
    StringBuilder sb = new StringBuilder(reason.name());
    if (!upstream.isEmpty()) {
      sb.append(": ");
      for (int i = 0; i < upstream.length() && sb.length() < MAX_DESCRIPTION; i++) {
        char c = upstream.charAt(i);
        if (c == '"' || c == '\\') {
          sb.append('\'');
        } else if (c >= 0x20 && c <= 0x7e) {
          sb.append(c);
        } else {
          sb.append('?');
        }
      }
    }
    return sb.length() > MAX_DESCRIPTION ? sb.substring(0, MAX_DESCRIPTION) : sb.toString();
  }

  /** Whether {@code authentication} is a {@link BearerTokenAuthenticationToken}. */
  @Override
  public boolean supports(Class<?> authentication) {
    return BearerTokenAuthenticationToken.class.isAssignableFrom(authentication);
  }

  /** Closes the resources given at construction (remote key sources); failures are logged. */
  @Override
  public void close() {
    for (AutoCloseable c : resources) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("could not close {}: {}", c, e.getClass().getSimpleName());
      }
    }
  }

  @Override
  public String toString() {
    return "ServiceAccountAuthenticationProvider[" + verifiers.size() + " issuer(s)]";
  }
}
