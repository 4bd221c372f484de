package dev.saidentity.tokenrequest;

/**
 * Where a client gets the bearer token for its next request. Implementations are thread-safe and
 * cheap to call on every request.
 */
public interface TokenSource {

  /**
   * The current token.
   *
   * @throws TokenRequestException or {@link java.io.UncheckedIOException} when there is none
   */
  String token();

  /** The server answered 401 to the current token: get a new one next time. */
  default void invalidate() {}

  /** The tokens of a {@link CachingTokenProvider} for one spec. */
  static TokenSource of(CachingTokenProvider provider, TokenRequestSpec spec) {
    return new TokenSource() {
      @Override
      public String token() {
        return provider.token(spec);
      }

      @Override
      public void invalidate() {
        provider.invalidate(spec);
      }

      @Override
      public String toString() {
        return "TokenSource[" + spec + "]";
      }
    };
  }
}
