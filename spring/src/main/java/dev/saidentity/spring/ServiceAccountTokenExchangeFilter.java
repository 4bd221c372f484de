package dev.saidentity.spring;

import dev.saidentity.tokenrequest.TokenSource;
import java.util.Objects;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The {@link ServiceAccountTokenInterceptor}'s behaviour for Spring WebFlux's {@code WebClient}: the
 * same targets, the same token per host, the same single retry of an idempotent request after a
 * {@code 401}. The token is fetched on Reactor's bounded-elastic scheduler (a token file read or a
 * TokenRequest may block, with its own deadline).
 *
 * <pre>{@code
 * WebClient orders = WebClient.builder().filter(new ServiceAccountTokenExchangeFilter(interceptor)).build();
 * }</pre>
 *
 * <p>Immutable and thread-safe. Needs {@code spring-webflux} (an optional dependency of the starter).
 */
public final class ServiceAccountTokenExchangeFilter implements ExchangeFilterFunction {

  private final ServiceAccountTokenInterceptor targets;

  /** A filter with the interceptor's targets. */
  public ServiceAccountTokenExchangeFilter(ServiceAccountTokenInterceptor targets) {
    this.targets = Objects.requireNonNull(targets, "targets");
  }

  @Override
  public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
    TokenSource source = targets.sourceFor(request.url());
    if (source == null || request.headers().containsHeader(HttpHeaders.AUTHORIZATION)) {
      return next.exchange(request);
    }
    return token(source).flatMap(token -> next.exchange(withToken(request, token)).flatMap(response -> {
      if (response.statusCode().value() != 401) {
        return Mono.just(response);
      }
      source.invalidate(token);
      if (!ServiceAccountTokenInterceptor.IDEMPOTENT.contains(request.method())) {
        return Mono.just(response);
      }
      return response.releaseBody().then(token(source)).flatMap(fresh -> next.exchange(withToken(request, fresh)));
    }));
  }

  private static Mono<String> token(TokenSource source) {
    return Mono.fromCallable(source::token).subscribeOn(Schedulers.boundedElastic());
  }

  private static ClientRequest withToken(ClientRequest request, String token) {
    return ClientRequest.from(request).headers(h -> h.setBearerAuth(token)).build();
  }

  @Override
  public String toString() {
    return "ServiceAccountTokenExchangeFilter[" + targets + "]";
  }
}
