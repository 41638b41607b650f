package ai.backend.client.cli;

import ai.backend.client.BackendClient;
import ai.backend.client.RunListener;
import ai.backend.client.RunResult;
import java.io.PrintWriter;
import java.util.function.Function;

/**
 * Follows one run in a session for {@code bai run} and {@code bai exec}: prints its output as it
 * arrives, reads requested input from the terminal, turns Ctrl-C into interrupt requests and maps
 * the outcome to an exit code.
 */
final class InteractiveRun {

  private InteractiveRun() {}

  /**
   * Runs code through {@code run}, which receives the printer and returns the finished run.
   *
   * @return the exit code for the run
   */
  static int follow(
      CliContext context,
      String session,
      PrintWriter out,
      PrintWriter err,
      Function<RunListener, RunResult> run) {
    BackendClient client = context.client();
    ConsolePrinter printer = new ConsolePrinter(out, err, context.stdin(), context.console());
    CtrlCHandler ctrlC =
        new CtrlCHandler(
            () -> client.interrupt(session),
            () -> context.exit(CtrlCHandler.EXIT_CODE),
            System::nanoTime,
            err);
    RunResult result;
    try (InterruptTrap.Installation installation = context.interruptTrap().install(ctrlC)) {
      result = run.apply(printer);
    }
    return RunExitCodes.of(result, err);
  }
}
