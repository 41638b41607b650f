package ai.backend.kernel;

/**
 * One two-frame ZeroMQ message between the agent and the runner.
 *
 * @param type the first frame: an operation from the agent or a record type from the runner
 * @param payload the second frame as text, which is JSON for some types
 */
public record Record(String type, String payload) {

  public static Record finished(String type, int exitCode) {
    return new Record(type, "{\"exitCode\":" + exitCode + "}");
  }
}
