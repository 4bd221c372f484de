/**
 * The public API of sa-identity core.
 *
 * <ul>
 *   <li>{@link dev.saidentity.core.ServiceAccount}: the identity (namespace, name, uid, username, groups).
 *   <li>{@link dev.saidentity.core.UnverifiedToken}: decoding for inspection only, no signature check.
 *   <li>{@link dev.saidentity.core.TokenValidator}: offline validation as the Kubernetes API server does it.
 *   <li>{@link dev.saidentity.core.KeySource}: where verification keys come from (PEM, JWKS, OIDC discovery).
 * </ul>
 *
 * <p>Everything here is null-marked: a parameter or return value may be null only where it says
 * {@code @Nullable}; absent values are {@link java.util.Optional}.
 */
@NullMarked
package dev.saidentity.core;

import org.jspecify.annotations.NullMarked;
