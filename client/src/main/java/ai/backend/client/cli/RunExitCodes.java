package ai.backend.client.cli;

import ai.backend.client.ExecutionResult;
import ai.backend.client.RunResult;
import java.io.PrintWriter;

/** Maps the outcome of a run to the exit code of {@code bai run} and {@code bai exec}. */
final class RunExitCodes {

  /** The exit code for a run stopped at its time limit, as {@code timeout(1)} uses. */
  static final int EXEC_TIMEOUT = 124;

  private RunExitCodes() {}

  /**
   * Returns the exit code for a run: {@link #EXEC_TIMEOUT} for {@code exec-timeout}, the build's
   * exit code when the build failed, otherwise the run's exit code. When the manager sent no exit
   * code, it returns 0 for a {@code finished} run and 1, with a message, for any other final
   * status.
   */
  static int of(RunResult run, PrintWriter err) {
    if (ExecutionResult.EXEC_TIMEOUT.equals(run.status())) {
      err.println(
          "bai: run " + run.runId() + " reached its time limit and was stopped (exec-timeout)");
      err.flush();
      return EXEC_TIMEOUT;
    }
    if (ExecutionResult.BUILD_FINISHED.equals(run.status())) {
      int exitCode = run.exitCode() == null ? 1 : run.exitCode();
      err.println("bai: the build failed with exit code " + exitCode + "; the program was not run");
      err.flush();
      return exitCode;
    }
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
