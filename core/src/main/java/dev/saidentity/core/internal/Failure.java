package dev.saidentity.core.internal;

import dev.saidentity.core.TokenValidationException;
import dev.saidentity.core.TokenValidationException.Reason;

/**
 * A refusal on the validation path. Carries no stack trace (it is control flow, raised on hot
 * paths); the public API turns it into a {@link TokenValidationException} or a result value.
 */
public final class Failure extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final Reason reason;
  private final String upstream;
  private final String details;

  public Failure(Reason reason, String upstream, String details) {
    super(upstream, null, false, false);
    this.reason = reason;
    this.upstream = upstream;
    this.details = details;
  }

  public Failure(Reason reason, String upstream) {
    this(reason, upstream, "");
  }

  public static Failure malformed(String what) {
    return new Failure(Reason.MALFORMED, "malformed token", what);
  }

  public Reason reason() {
    return reason;
  }

  public String upstream() {
    return upstream;
  }

  public String details() {
    return details;
  }

  public String message() {
    return details.isEmpty() ? upstream : upstream + ": " + details;
  }

  public TokenValidationException toException() {
    return new TokenValidationException(reason, upstream, details);
  }
}
