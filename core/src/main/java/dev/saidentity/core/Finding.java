package dev.saidentity.core;

import java.util.Objects;

/**
 * A finding of a check: a stable id (such as {@code SAI-103}), a severity, what was found and how to
 * remedy it. Immutable.
 *
 * @param id the stable id
 * @param severity how serious
 * @param message what was found (never token text)
 * @param remedy what to do about it
 */
public record Finding(String id, Severity severity, String message, String remedy) {

  /** Checks the components. */
  public Finding {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(remedy, "remedy");
  }
}
