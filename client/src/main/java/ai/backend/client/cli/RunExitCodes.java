package ai.backend.client.cli;

import ai.backend.client.ExecutionResult;
import ai.backend.client.RunResult;
import java.io.PrintWriter;

/** Maps the outcome of a run to the exit code of {@code bai run} and {@code bai exec}. */
final class RunExitCodes {

  private RunExitCodes() {}

  /**
   * Returns the run's exit code; when the manager sent none, 0 for a {@code finished} run and 1,
   * with a message, for any other final status.
   */
  static int of(RunResult run, PrintWriter err) {
    if (run.exitCode() != null) {
      return run.exitCode();
    }
    if (ExecutionResult.FINISHED.equals(run.status())) {
      return 0;
    }
    err.println("bai: run " + run.runId() + " ended with status " + run.status());
    err.flush();
    return 1;
  }
}
