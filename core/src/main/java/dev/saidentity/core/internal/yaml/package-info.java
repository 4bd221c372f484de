/**
 * The one YAML loading path of sa-identity (audit's manifests, the fake API server's YAML bodies and
 * seeds): SnakeYAML's event parser under a size, depth and node budget. Not API: exported only to
 * the audit and testing modules. Needs SnakeYAML, an optional dependency of core.
 */
@NullMarked
package dev.saidentity.core.internal.yaml;

import org.jspecify.annotations.NullMarked;
