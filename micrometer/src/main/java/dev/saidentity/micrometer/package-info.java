/**
 * Micrometer metrics for sa-identity: {@link dev.saidentity.micrometer.SaIdentityMetrics}, a {@code
 * MeterBinder} over token providers, token files, validators and TokenReview clients.
 */
@NullMarked
package dev.saidentity.micrometer;

import org.jspecify.annotations.NullMarked;
