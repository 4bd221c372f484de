package dev.saidentity.testing;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A fault the {@link FakeKubernetesApiServer} injects into one answer: a status code (with an
 * optional {@code Retry-After}), a delay before the real answer, or a dropped connection.
 *
 * <pre>{@code
 * String tokenPath = "/api/v1/namespaces/payments/serviceaccounts/api/token";
 * server.enqueueFault("POST", tokenPath, Fault.tooManyRequests(Duration.ofSeconds(2)));  // first answer
 * server.enqueueFault("POST", tokenPath, Fault.status(503));                             // second answer
 * }</pre>
 *
 * @param status the status code to answer instead of the real answer, or 0 for the real answer
 * @param retryAfter the {@code Retry-After} header, if any
 * @param delay how long to wait before answering
 * @param drop close the connection without answering
 */
public record Fault(int status, @Nullable Duration retryAfter, Duration delay, boolean drop) {

  /** Checks the components. */
  public Fault {
    Objects.requireNonNull(delay, "delay");
    if (status != 0 && (status < 100 || status > 599)) {
      throw new IllegalArgumentException("status must be an HTTP status code: " + status);
    }
  }

  /** Answers with this status code and a Kubernetes {@code Status} body. */
  public static Fault status(int code) {
    return new Fault(code, null, Duration.ZERO, false);
  }

  /** Answers 429 Too Many Requests with {@code Retry-After}. */
  public static Fault tooManyRequests(Duration retryAfter) {
    return new Fault(429, Objects.requireNonNull(retryAfter, "retryAfter"), Duration.ZERO, false);
  }

  /** Waits, then answers normally. */
  public static Fault delay(Duration delay) {
    return new Fault(0, null, delay, false);
  }

  /** Closes the connection without an answer. */
  public static Fault dropConnection() {
    return new Fault(0, null, Duration.ZERO, true);
  }
}
