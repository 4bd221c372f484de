package dev.saidentity.spring;

import dev.saidentity.core.Tokens;
import dev.saidentity.tokenrequest.TokenSource;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Attaches an audience-scoped ServiceAccount token to outbound requests, per target host: {@code
 * Authorization: Bearer <token>} from the host's {@link TokenSource} (a {@link
 * dev.saidentity.tokenrequest.ProjectedTokenFile} or a {@link
 * dev.saidentity.tokenrequest.CachingTokenProvider} through {@link TokenSource#of}). A request to any
 * other host, or one that already has an {@code Authorization} header, is sent as it is: a token never
 * leaves for a host it was not meant for.
 *
 * <p>On a {@code 401} the token is invalidated ({@link TokenSource#invalidate(String)}: re-read or
 * re-requested, once however many requests failed with it), and an idempotent request ({@code GET},
 * {@code HEAD}, {@code OPTIONS}, {@code TRACE}, {@code PUT}, {@code DELETE}) is retried exactly once
 * with the new token; the answer to the retry is returned, whatever it is. A {@code POST} or {@code
 * PATCH} answered {@code 401} is returned as it is (its next call gets the new token).
 *
 * <pre>{@code
 * RestClient orders = RestClient.builder()
 *     .requestInterceptor(ServiceAccountTokenInterceptor.builder()
 *         .target("orders.shop.svc", ProjectedTokenFile.of(Path.of("/var/run/secrets/tokens/orders")))
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe. Hosts match case-insensitively, as {@code host} (any port) or
 * {@code host:port}.
 */
public final class ServiceAccountTokenInterceptor implements ClientHttpRequestInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountTokenInterceptor.class);
  /** The methods retried once after a 401. */
  static final Set<HttpMethod> IDEMPOTENT =
      Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

  private final Map<String, TokenSource> targets;

  private ServiceAccountTokenInterceptor(Map<String, TokenSource> targets) {
    this.targets = Map.copyOf(targets);
  }

  /** A builder with no target. */
  public static Builder builder() {
    return new Builder();
  }

  /** The token source for a URI's host, if it is a target. */
  @Nullable TokenSource sourceFor(URI uri) {
    String host = uri.getHost();
    if (host == null) {
      return null;
    }
    host = host.toLowerCase(Locale.ROOT);
    int port = uri.getPort();
    if (port < 0) {
      port = "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }
    TokenSource s = targets.get(host + ":" + port);
    return s != null ? s : targets.get(host);
  }

  @Override
  public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution) throws IOException {
    TokenSource source = sourceFor(request.getURI());
    HttpHeaders headers = request.getHeaders();
    if (source == null || headers.containsHeader(HttpHeaders.AUTHORIZATION)) {
      return execution.execute(request, body);
    }
    String token = source.token();
    headers.setBearerAuth(token);
    ClientHttpResponse response = execution.execute(request, body);
    if (response.getStatusCode().value() != 401) {
      return response;
    }
    source.invalidate(token);
    if (!IDEMPOTENT.contains(request.getMethod())) {
      LOG.debug("{} {} answered 401 to token {}: invalidated, not retried ({} is not idempotent)", request.getMethod(),
          request.getURI().getHost(), Tokens.fingerprint(token), request.getMethod());
      return response;
    }
    String fresh = source.token();
    LOG.debug("{} {} answered 401 to token {}: retrying once with token {}", request.getMethod(), request.getURI().getHost(),
        Tokens.fingerprint(token), Tokens.fingerprint(fresh));
    response.close();
    headers.setBearerAuth(fresh);
    return execution.execute(request, body);
  }

  @Override
  public String toString() {
    return "ServiceAccountTokenInterceptor" + targets.keySet();
  }

  /** Settings of a {@link ServiceAccountTokenInterceptor}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, TokenSource> targets = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Send tokens from {@code source} to {@code host} ({@code name} for any port, or {@code name:port}).
     *
     * @throws IllegalArgumentException if the host is empty, has a scheme or path, or is given twice
     */
    public Builder target(String host, TokenSource source) {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(source, "source");
      String h = host.strip().toLowerCase(Locale.ROOT);
      if (h.isEmpty() || h.contains("/") || h.contains("@")) {
        throw new IllegalArgumentException("host must be a host name or host:port, got \"" + host + "\"");
      }
      if (targets.putIfAbsent(h, source) != null) {
        throw new IllegalArgumentException("host \"" + host + "\" is given twice");
      }
      return this;
    }

    /** The interceptor. */
    public ServiceAccountTokenInterceptor build() {
      return new ServiceAccountTokenInterceptor(targets);
    }
  }
}
