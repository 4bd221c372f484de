package dev.saidentity.testing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A request the {@link FakeKubernetesApiServer} received. Immutable. {@link #toString()} shows the
 * method, path and user only: the {@code Authorization} header and TokenRequest/TokenReview bodies
 * hold tokens.
 *
 * @param method the HTTP method
 * @param path the path, without the query
 * @param query the raw query, empty when none
 * @param headers the headers, names in lower case
 * @param body the body bytes
 * @param user the authenticated user's name ({@code system:anonymous} when none)
 * @param receivedAt when it arrived, by the server's clock
 */
public record RecordedRequest(String method, String path, String query, Map<String, List<String>> headers, byte[] body,
    String user, Instant receivedAt) {

  /** Copies the components. */
  public RecordedRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    headers = Map.copyOf(headers);
    body = body.clone();
  }

  /** The body bytes (a copy). */
  @Override
  public byte[] body() {
    return body.clone();
  }

  /** About how many bytes this request holds: the body and the header fields. */
  long size() {
    long n = body.length + path.length() + query.length();
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      for (String v : h.getValue()) {
        n += h.getKey().length() + v.length() + 4;
      }
    }
    return n;
  }

    /** The body as UTF-8 text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** A header's first value. */
  public Optional<String> header(String name) {
    List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  @Override
  public boolean equals(Object o) {
    return this == o;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }

  @Override
  public String toString() {
    return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " as " + user;
  }
}
