package dev.saidentity.core;

/** How serious a finding is; ordered, so that a threshold ({@code --fail-on}) compares. */
public enum Severity {
  /** Worth knowing. */
  INFO,
  /** Should be fixed. */
  WARNING,
  /** Must be fixed. */
  ERROR;

  /** Whether this is at least {@code threshold}. */
  public boolean atLeast(Severity threshold) {
    return compareTo(threshold) >= 0;
  }

  /** The lower-case name used in JSON and on the command line. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The severity for a lower- or upper-case name.
   *
   * @throws IllegalArgumentException for anything but info, warning, error
   */
  public static Severity of(String name) {
    for (Severity s : values()) {
      if (s.name().equalsIgnoreCase(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("severity must be info, warning or error, got '" + name + "'");
  }
}
