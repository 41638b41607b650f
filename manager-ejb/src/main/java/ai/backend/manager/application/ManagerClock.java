package ai.backend.manager.application;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** The manager's notion of now: UTC, in microseconds as both databases store it. */
public final class ManagerClock {

  private ManagerClock() {}

  public static OffsetDateTime now() {
    return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
  }
}
