package ai.backend.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Sends signals to process groups through the shell's kill builtin, because {@link Process} can
 * only send SIGTERM and SIGKILL, and only to one process.
 */
final class ProcessGroups {

  private static final RunnerLog LOG = RunnerLog.forClass(ProcessGroups.class);
  private static final long KILL_COMMAND_TIMEOUT_SECONDS = 5;

  /** Install locations of setsid in Debian's util-linux and in BusyBox. */
  private static final List<Path> SETSID_PATHS =
      List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

  private ProcessGroups() {}

  /**
   * Returns the path of the setsid program, which runs a command as the leader of a new session and
   * so of a new process group. Java cannot start a process in a group of its own otherwise.
   */
  static Optional<String> setsid() {
    return SETSID_PATHS.stream().filter(Files::isExecutable).map(Path::toString).findFirst();
  }

  /**
   * Sends a signal, such as {@code INT} or {@code KILL}, to the process group {@code groupId}. A
   * group that no longer exists is not an error: a failure is logged only while {@code leaderAlive}
   * returns true.
   */
  static void signal(long groupId, String signal, BooleanSupplier leaderAlive) {
    List<String> command = List.of("/bin/sh", "-c", "kill -s " + signal + " -- -" + groupId);
    try {
      Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(KILL_COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        LOG.warning("Timed out sending SIG" + signal + " to process group " + groupId + ".");
      } else if (kill.exitValue() != 0 && leaderAlive.getAsBoolean()) {
        LOG.warning(
            "Sending SIG" + signal + " to process group " + groupId + " failed: " + output.strip());
      }
    } catch (IOException e) {
      LOG.error("Cannot run /bin/sh to send SIG" + signal + " to process group " + groupId, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
