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

  /** A value for a message: at most 64 characters (then "..."), control characters as '?'. */
  public static String printable(String s) {
    String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    StringBuilder sb = new StringBuilder(t.length());
    for (int i = 0; i < t.length(); i++) {
      char ch = t.charAt(i);
      sb.append(ch < 0x20 || ch == 0x7f ? '?' : ch);
    }
    return sb.toString();
  }
}
