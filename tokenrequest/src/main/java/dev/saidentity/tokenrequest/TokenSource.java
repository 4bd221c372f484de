package dev.saidentity.tokenrequest;

/**
 * Where a client gets the bearer token for its next request. Implementations are thread-safe and
 * cheap to call on every request, and never block without a deadline.
 */
public interface TokenSource {

  /**
   * The current token.
   *
   * @throws TokenRequestException or {@link java.io.UncheckedIOException} when there is none
   */
  String token();

  /** The server answered 401 to the current token: get a new one next time. Default: nothing. */
  default void invalidate() {}

  /**
   * The server answered 401 to {@code rejected}: get a new one next time, unless the current token is
   * already another one (when many requests fail with one token, only the first replaces it). Default:
   * {@link #invalidate()}.
   */
  default void invalidate(String rejected) {
    invalidate();
  }

  /**
   * The tokens of a {@link CachingTokenProvider} for one spec. {@code token()} may wait for a request
   * in flight, at most the provider's {@linkplain CachingTokenProvider.Builder#maxWait maximum wait}.
   */
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
      public void invalidate(String rejected) {
        provider.invalidate(spec, rejected);
      }

      @Override
      public String toString() {
        return "TokenSource[" + spec + "]";
      }
    };
  }
}
