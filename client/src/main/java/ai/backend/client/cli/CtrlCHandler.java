package ai.backend.client.cli;

import ai.backend.client.BackendClientException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Handles Ctrl-C while code runs: the first press sends an interrupt to the session, and a second
 * press within {@link #EXIT_WINDOW} of the previous one ends the process with {@link #EXIT_CODE}.
 */
final class CtrlCHandler implements Runnable {

  /** The maximum time between two Ctrl-C presses that ends the process. */
  static final Duration EXIT_WINDOW = Duration.ofSeconds(2);

  /** The shell's exit code for a process ended by SIGINT, 128 + 2. */
  static final int EXIT_CODE = 130;

  private final Runnable sendInterrupt;
  private final Runnable exit;
  private final LongSupplier nanoTime;
  private final PrintWriter err;
  private boolean pressedBefore;
  private long lastPressNanos;

  /**
   * Creates a handler.
   *
   * @param sendInterrupt sends the interrupt request and may raise {@link BackendClientException}
   * @param exit ends the process
   * @param nanoTime the clock, {@link System#nanoTime} outside tests
   */
  CtrlCHandler(Runnable sendInterrupt, Runnable exit, LongSupplier nanoTime, PrintWriter err) {
    this.sendInterrupt = sendInterrupt;
    this.exit = exit;
    this.nanoTime = nanoTime;
    this.err = err;
  }

  @Override
  public void run() {
    boolean exitNow;
    synchronized (this) {
      long now = nanoTime.getAsLong();
      exitNow = pressedBefore && now - lastPressNanos <= EXIT_WINDOW.toNanos();
      pressedBefore = true;
      lastPressNanos = now;
    }
    if (exitNow) {
      err.println();
      err.println("bai: exiting");
      err.flush();
      exit.run();
      return;
    }
    err.println();
    err.println(
        "bai: interrupting the run; press Ctrl-C again within "
            + EXIT_WINDOW.toSeconds()
            + " s to exit");
    err.flush();
    // The request runs outside the lock, so a second Ctrl-C can exit while it is still pending.
    try {
      sendInterrupt.run();
    } catch (BackendClientException e) {
      err.println("bai: failed to interrupt the run: " + e.getMessage());
      err.flush();
    }
  }
}
