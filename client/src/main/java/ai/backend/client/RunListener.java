package ai.backend.client;

/** Receives the output of a run as {@link BackendClient#runCode} fetches it. */
public interface RunListener {

  /** Handles one output record, in the order the code wrote them. */
  void onConsole(ConsoleItem item);

  /**
   * Handles the end of a batch run's clean or build step ({@code clean-finished} or {@code
   * build-finished}), after the step's output records. The default does nothing.
   */
  default void onStepFinished(ExecutionResult step) {}

  /**
   * Returns the line of standard input to send when the code waits for one.
   *
   * <p>The default raises, because a caller without a source of input cannot provide a line.
   *
   * @param prompt the step that reported {@code waiting-input}
   * @throws BackendClientException if no input can be given
   */
  default String onInputRequest(ExecutionResult prompt) {
    throw new BackendClientException(
        "run " + prompt.runId() + " is waiting for standard input, and this caller provides none");
  }
}
