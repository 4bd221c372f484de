/**
 * Implementation details of sa-identity core. <strong>Not API</strong>: exported only to the
 * sibling module {@code dev.saidentity.testing} (a qualified export, which is why javadoc lists
 * it); anything here may change in any release.
 */
@NullMarked
package dev.saidentity.core.internal;

import org.jspecify.annotations.NullMarked;
