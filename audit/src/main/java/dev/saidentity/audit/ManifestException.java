package dev.saidentity.audit;

/** A manifest file that cannot be read: missing, unreadable, or not YAML/JSON. The message names the file and position. */
public class ManifestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates an exception. */
  public ManifestException(String message) {
    super(message);
  }
}
