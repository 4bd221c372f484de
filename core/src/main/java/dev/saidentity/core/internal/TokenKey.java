package dev.saidentity.core.internal;

import org.jspecify.annotations.Nullable;

/**
 * A token as a cache key (the validated-token cache's): hashed over its last 32 characters (the
 * signature's end, which no one can choose without the signing key) so that a token arriving as a new
 * String is not hashed over its full kilobyte; equality is still the whole token. Its {@code
 * toString()} is the class's, never the token.
 */
public final class TokenKey {

  private final String token;
  private final int hash;

  /** The key of {@code token}. */
  public TokenKey(String token) {
    this.token = token;
    int h = token.length();
    for (int i = Math.max(0, token.length() - 32); i < token.length(); i++) {
      h = 31 * h + token.charAt(i);
    }
    this.hash = h;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof TokenKey && ((TokenKey) o).token.equals(token);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
