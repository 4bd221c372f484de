package dev.saidentity.core.internal.yaml;

/**
 * YAML that cannot be loaded: a syntax error, or a size, depth or node limit. {@link #getMessage()}
 * is one line, {@code line L, column C: reason} (or {@code character N: reason} when the parser
 * knows no line), and never contains the input beyond a mapping key.
 */
public final class YamlException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String reason;
  private final int line;
  private final int column;

  /**
   * Creates an exception.
   *
   * @param reason what is wrong, one line
   * @param line the 1-based line, or 0 when unknown
   * @param column the 1-based column, or the 0-based character offset when the line is unknown
   */
  public YamlException(String reason, int line, int column) {
    super((line > 0 ? "line " + line + ", column " + column : "character " + column) + ": " + reason, null, false, false);
    this.reason = reason;
    this.line = line;
    this.column = column;
  }

  /** What is wrong, without the position. */
  public String reason() {
    return reason;
  }

  /** The 1-based line, or 0 when unknown. */
  public int line() {
    return line;
  }

  /** The 1-based column (when {@link #line()} is known), else the 0-based character offset in the stream. */
  public int column() {
    return column;
  }
}
