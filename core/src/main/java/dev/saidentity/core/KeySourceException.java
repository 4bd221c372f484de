package dev.saidentity.core;

/**
 * Verification keys could not be loaded: a PEM or JWKS document that cannot be read, a file that
 * cannot be opened, or a discovery document that breaks the rules (for example a plain-HTTP URL
 * that is not loopback). The message says what and where; it never contains key or token material.
 */
public class KeySourceException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates an exception. */
  public KeySourceException(String message) {
    super(message);
  }

  /** Creates an exception with a cause. */
  public KeySourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
