package dev.saidentity.micrometer;

import java.time.Duration;
import java.util.Optional;

/** Durations as the seconds Micrometer's base unit wants. */
final class Seconds {

  private Seconds() {}

  static double of(Duration d) {
    return d.getSeconds() + d.getNano() / 1e9;
  }

  /** The seconds, or NaN (Micrometer's "no value") when absent. */
  static double of(Optional<Duration> d) {
    return d.isPresent() ? of(d.get()) : Double.NaN;
  }
}
