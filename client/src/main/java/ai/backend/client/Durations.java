package ai.backend.client;

import java.math.BigDecimal;
import java.time.Duration;

/** Formats durations for messages. */
public final class Durations {

  private Durations() {}

  /** Formats a duration in seconds, such as {@code 120 s} or {@code 0.25 s}. */
  public static String format(Duration duration) {
    BigDecimal seconds = BigDecimal.valueOf(duration.toMillis()).movePointLeft(3);
    return seconds.stripTrailingZeros().toPlainString() + " s";
  }
}
