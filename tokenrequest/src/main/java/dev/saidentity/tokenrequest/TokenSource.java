package dev.saidentity.tokenrequest;

import java.util.function.Supplier;

/**
 * Where a client gets the bearer token for its next request. Implementations are thread-safe and
 * cheap to call on every request, and never block without a deadline.
 *
 * <p>Every token source is a {@code Supplier<String>} ({@link #get()} is {@link #token()}), so it
 * feeds SDKs that take one without an adapter: an always-fresh, audience-scoped token for AWS STS
 * web identity, Azure client assertions, Google workload identity federation or Spring Vault.
 *
 * <pre>{@code
 * Supplier<String> forAws = ProjectedTokenFile.of(Path.of("/var/run/secrets/tokens/sts.amazonaws.com"));
 * Supplier<String> forVault = TokenSource.of(provider, TokenRequestSpec.builder("shop", "checkout").audience("vault").build());
 * }</pre>
 */
public interface TokenSource extends Supplier<String> {

  /**
   * The current token.
   *
   * @throws TokenRequestException or {@link java.io.UncheckedIOException} when there is none
   */
  String token();

  /**
   * The current token, as {@link #token()}: what an SDK taking a {@code Supplier<String>} asks for
   * each time it needs one.
   *
   * @throws TokenRequestException or {@link java.io.UncheckedIOException} when there is none
   */
  @Override
  default String get() {
    return token();
  }

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
