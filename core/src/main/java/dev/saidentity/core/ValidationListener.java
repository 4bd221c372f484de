package dev.saidentity.core;

import dev.saidentity.core.TokenValidationException.Reason;

/**
 * Hears the outcome of each validation of a {@link TokenValidator} (for metrics, tracing or audit
 * counters of your own; {@link TokenValidator#stats()} already counts outcomes without one). Set
 * with {@link TokenValidator.Builder#listener(ValidationListener)}.
 *
 * <pre>{@code
 * TokenValidator validator = TokenValidator.builder()
 *     .issuer(issuer).keys(keys)
 *     .listener(new ValidationListener() {
 *       public void onRefused(TokenValidationException.Reason reason) {
 *         refusals.increment(reason);
 *       }
 *     })
 *     .build();
 * }</pre>
 *
 * <p>Called on the validating thread after the outcome is known, so it must be quick and must not
 * block. An exception it throws is caught and logged at debug (its type only): it never changes
 * the outcome of a validation. Implementations must be thread-safe.
 */
public interface ValidationListener {

  /** A token was accepted (from the cache or after verifying its signature). Default: nothing. */
  default void onValid(ValidatedToken token) {}

  /** A token was refused for {@code reason}. Default: nothing. */
  default void onRefused(Reason reason) {}
}
