/**
 * Auto-configuration of the sa-identity Spring Boot starter and its {@code sa-identity.*} properties.
 * Every bean backs off when the application defines its own.
 */
@NullMarked
package dev.saidentity.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
