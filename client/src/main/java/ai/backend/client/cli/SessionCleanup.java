package ai.backend.client.cli;

import ai.backend.client.BackendApiException;
import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientException;
import java.io.PrintWriter;

/**
 * Destroys the session of a {@code bai run} exactly once, from the command's {@code finally} block
 * or from a JVM shutdown hook when the user presses Ctrl-C.
 *
 * <p>Both paths call the synchronized {@link #destroy}, so a shutdown hook that fires while the
 * command destroys the session waits for that call instead of exiting before it completes.
 */
final class SessionCleanup {

  private final BackendClient client;
  private final PrintWriter err;
  private String target;
  private boolean finished;

  SessionCleanup(BackendClient client, PrintWriter err) {
    this.client = client;
    this.err = err;
  }

  /** Sets the id or name of the session to destroy. */
  synchronized void track(String idOrName) {
    target = idOrName;
  }

  /** Leaves the session running, for sessions this command did not create. */
  synchronized void release() {
    target = null;
  }

  /**
   * Destroys the tracked session unless it is already done. Failures are printed with the command
   * that removes the session by hand and are not raised, so they never hide the run's own error.
   */
  synchronized void destroy() {
    if (finished || target == null) {
      return;
    }
    finished = true;
    try {
      client.destroySession(target);
    } catch (BackendApiException e) {
      if (e.status() != 404) {
        printFailure(e);
      }
    } catch (BackendClientException e) {
      printFailure(e);
    }
  }

  /** Returns a thread that destroys the session when the JVM shuts down. */
  Thread shutdownHook() {
    return new Thread(this::destroyOnShutdown, "bai-session-cleanup");
  }

  private void destroyOnShutdown() {
    synchronized (this) {
      if (!finished && target != null) {
        err.println("bai: interrupted; destroying session " + target);
        err.flush();
      }
    }
    destroy();
  }

  private void printFailure(BackendClientException e) {
    err.println("bai: failed to destroy session " + target + ": " + e.getMessage());
    err.println("bai: remove it with: bai rm " + target);
    err.flush();
  }
}
