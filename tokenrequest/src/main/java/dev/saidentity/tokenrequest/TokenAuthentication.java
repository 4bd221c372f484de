package dev.saidentity.tokenrequest;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.credentials.Authentication;
import java.io.IOException;
import java.util.Objects;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A client-java {@link Authentication} that puts the current token of a {@link TokenSource} on every
 * request, and on a 401 invalidates the token that request sent ({@link TokenSource#invalidate(String)},
 * so that a burst of 401s for one token replaces it once, not once per request) and retries once with
 * the current one. The {@code Authorization} header is set by an OkHttp interceptor and never logged.
 * Deadlines are the client's (see {@link InClusterClient}) and the source's.
 *
 * <pre>{@code
 * ApiClient client = new ClientBuilder().setBasePath(url).setCertificateAuthority(caPem)
 *     .setAuthentication(new TokenAuthentication(ProjectedTokenFile.of(tokenPath))).build();
 * }</pre>
 */
public final class TokenAuthentication implements Authentication {

  private final TokenSource source;

  /** Authenticates with the tokens of {@code source}. */
  public TokenAuthentication(TokenSource source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  @Override
  public void provide(ApiClient client) {
    OkHttpClient withToken = client.getHttpClient().newBuilder().addInterceptor(new BearerInterceptor(source)).build();
    client.setHttpClient(withToken);
  }

  /** Sets {@code Authorization: Bearer <current token>}; on 401 invalidates the token sent and retries once. */
  static final class BearerInterceptor implements Interceptor {
    private final TokenSource source;

    BearerInterceptor(TokenSource source) {
      this.source = source;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      Request request = chain.request();
      String sent = source.token();
      Response response = chain.proceed(withToken(request, sent));
      if (response.code() != 401) {
        return response;
      }
      response.close();
      source.invalidate(sent);
      return chain.proceed(withToken(request, source.token()));
    }

    private static Request withToken(Request r, String token) {
      return r.newBuilder().header("Authorization", "Bearer " + token).build();
    }
  }

  @Override
  public String toString() {
    return "TokenAuthentication[" + source + "]";
  }
}
