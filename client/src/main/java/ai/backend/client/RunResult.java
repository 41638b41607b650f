package ai.backend.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The outcome of a whole run, after following {@code continued} and {@code waiting-input} steps.
 *
 * @param runId the run id that every step of the run carried
 * @param status the status of the last step, normally {@code finished}
 * @param exitCode the exit code of the last step, or null when the manager sent none
 * @param console the output records of all steps, in order
 * @param steps the number of requests that the run took
 */
public record RunResult(
    String runId, String status, Integer exitCode, List<ConsoleItem> console, int steps) {

  public RunResult {
    console = console == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(console));
  }

  /** Returns the concatenated text of the {@code stdout} records of all steps. */
  public String stdout() {
    return ExecutionResult.joinText(console, ConsoleItem.STDOUT);
  }

  /** Returns the concatenated text of the {@code stderr} records of all steps. */
  public String stderr() {
    return ExecutionResult.joinText(console, ConsoleItem.STDERR);
  }
}
