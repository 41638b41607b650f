package ai.backend.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Makes drivers and batch commands the OOM killer's first choice, ahead of the runner's JVM, by
 * setting their {@code oom_score_adj} to {@link #USER_CODE_ADJ}.
 *
 * <p>Raising a process's own value needs no privilege, and children inherit it at fork and keep it
 * across exec. The runner cannot set it from outside after the start, because a shell may fork
 * before the runner's write. Under the jail, the jail sets it ({@code --oom-score-adj}) when the
 * program's exec has made the program's /proc files its user's: the jail is not dumpable, so until
 * then they belong to root. Without the jail, {@link #wrap} starts each program through {@code
 * /bin/sh}, which sets its own value and then execs the program with the same pid, and {@link
 * #confirm} checks the result and logs one warning if it failed. A shell in front of the jail would
 * run outside it, with the user's LD_PRELOAD.
 */
final class OomScore {

  /** The maximum oom_score_adj, which makes the OOM killer choose the process first. */
  static final int USER_CODE_ADJ = 1000;

  static final Path SHELL = Path.of("/bin/sh");

  /** How long {@link #confirm} waits for the started shell to set the value. */
  static final long CONFIRM_MILLIS = 1_000;

  private static final long CONFIRM_POLL_MILLIS = 2;

  private static final String WRAPPER_SCRIPT =
      "{ echo " + USER_CODE_ADJ + " > /proc/self/oom_score_adj; } 2>/dev/null; exec \"$@\"";

  private static final RunnerLog LOG = RunnerLog.forClass(OomScore.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private OomScore() {}

  /**
   * Returns the command line that sets oom_score_adj and then execs {@code command}, or {@code
   * command} itself if /bin/sh is missing.
   */
  static List<String> wrap(List<String> command) {
    if (!Files.isExecutable(SHELL) || isJail(command)) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of(SHELL.toString(), "-c", WRAPPER_SCRIPT, "sh"));
    wrapped.addAll(command);
    return wrapped;
  }

  /** Returns true if the command starts the jail, which sets the value itself. */
  static boolean isJail(List<String> command) {
    return !command.isEmpty() && command.get(0).endsWith("/" + Jail.BINARY);
  }

  /**
   * Waits up to {@link #CONFIRM_MILLIS} until the process's oom_score_adj is {@link
   * #USER_CODE_ADJ}, then writes it from the runner, which works for a process that was started
   * without the wrapper and is not the jail. Logs one warning per runner if that write fails too.
   * Returns at once if the process exits, and does nothing after the warning.
   */
  static void confirm(long pid, BooleanSupplier alive) {
    if (WARNED.get()) {
      return;
    }
    Path file = Path.of("/proc", Long.toString(pid), "oom_score_adj");
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONFIRM_MILLIS);
    String value = "";
    while (alive.getAsBoolean()) {
      try {
        value = Files.readString(file, StandardCharsets.US_ASCII).strip();
      } catch (IOException e) {
        return;
      }
      if (value.equals(Integer.toString(USER_CODE_ADJ))) {
        return;
      }
      if (System.nanoTime() >= deadline) {
        write(file, value);
        return;
      }
      try {
        Thread.sleep(CONFIRM_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void write(Path file, String oldValue) {
    try {
      Files.writeString(file, Integer.toString(USER_CODE_ADJ), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      warnOnce(
          "Setting "
              + file
              + " to "
              + USER_CODE_ADJ
              + " failed ("
              + e
              + "); it stays "
              + oldValue
              + ", so the OOM killer may stop the runner before user code");
    }
  }

  private static void warnOnce(String message) {
    if (WARNED.compareAndSet(false, true)) {
      LOG.warning(message + "; this warning is not repeated.");
    }
  }
}
