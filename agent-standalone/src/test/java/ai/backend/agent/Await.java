package ai.backend.agent;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it is true or a deadline passes. */
public final class Await {

  private Await() {}

  /**
   * Waits until {@code condition} is true, failing with {@code description} after {@code limit}.
   */
  public static void until(Duration limit, String description, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError(
            "timed out after " + limit.toSeconds() + " s waiting until " + description);
      }
      Thread.sleep(50);
    }
  }
}
