package dev.saidentity.core.internal;

import org.jspecify.annotations.Nullable;

/** The JOSE header members sa-identity looks at. {@code jku}, {@code x5u}, {@code jwk} and {@code x5c} are never used. */
public final class Header {
  public @Nullable String alg;
  public @Nullable String kid;
  public boolean crit;
}
