package dev.saidentity.tokenrequest;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A token could not be had from the API server. The {@link #reason()} says why and the message what
 * to do; {@link #isRetryable()} says whether trying again later may help. Never contains token text.
 */
public class TokenRequestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why a request failed. */
  public enum Reason {
    /** 401: the client's own credentials were refused. */
    UNAUTHORIZED,
    /** 403: the caller may not {@code create} {@code serviceaccounts/token}. */
    FORBIDDEN,
    /** 404: the ServiceAccount (or the bound object) does not exist. */
    NOT_FOUND,
    /** 409: the ServiceAccount or bound object was recreated (uid mismatch). */
    CONFLICT,
    /** 400 or 422: the API server refused the request's fields. */
    INVALID,
    /** 429, 5xx or a connection failure: try again later. */
    UNAVAILABLE,
    /** The cached token expired and refreshing it failed. */
    EXPIRED,
    /** An answer that could not be understood. */
    UNEXPECTED
  }

  private final Reason reason;
  private final int status;
  private final transient @Nullable Duration retryAfter;

  /** Creates an exception. */
  public TokenRequestException(Reason reason, int status, @Nullable Duration retryAfter, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.status = status;
    this.retryAfter = retryAfter;
  }

  /** Why it failed. */
  public Reason reason() {
    return reason;
  }

  /** The HTTP status, or 0 when no answer was received. */
  public int status() {
    return status;
  }

  /** The server's {@code Retry-After}, if it sent one. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Whether trying again later may succeed (429, 5xx, connection failures). */
  public boolean isRetryable() {
    return reason == Reason.UNAVAILABLE;
  }
}
