/** Implementation details of sa-identity core; not exported, not API. */
@NullMarked
package dev.saidentity.core.internal;

import org.jspecify.annotations.NullMarked;
