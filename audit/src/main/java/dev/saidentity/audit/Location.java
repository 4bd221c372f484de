package dev.saidentity.audit;

import java.util.Objects;

/**
 * Where an object was read: the file as named on the command line or found in a directory named
 * there (relative when that was relative; {@code -} for standard input) and the 1-based line where
 * the object starts (its first key; for an item of a {@code List}, the item's first key).
 *
 * @param file the file as named
 * @param line the 1-based line
 */
public record Location(String file, int line) {
  /**
   * Checks the components.
   *
   * @throws IllegalArgumentException when {@code line} is below 1
   */
  public Location {
    Objects.requireNonNull(file, "file");
    if (line < 1) {
      throw new IllegalArgumentException("line must be at least 1, got " + line);
    }
  }

  /** {@code file:line}. */
  @Override
  public String toString() {
    return file + ":" + line;
  }
}
