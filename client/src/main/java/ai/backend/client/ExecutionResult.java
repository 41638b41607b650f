package ai.backend.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The {@code result} of {@code POST /session/{idOrName}}: the output of one step of a run.
 *
 * @param runId the run that the step belongs to
 * @param status {@code finished}, {@code continued} (call again in {@code continue} mode), {@code
 *     waiting-input} (send a line in {@code input} mode), in batch mode {@code clean-finished} and
 *     {@code build-finished}, or {@code exec-timeout} when the run took longer than its time limit
 * @param console the output records of this step, in the order the code wrote them
 * @param exitCode the program's exit code once the run has finished, otherwise null
 * @param options extra data of the step, or null. For {@code waiting-input}, {@code isPassword} is
 *     true when the input must not be shown.
 * @param files files that the run uploaded, or an empty list
 */
public record ExecutionResult(
    String runId,
    String status,
    List<ConsoleItem> console,
    Integer exitCode,
    JsonNode options,
    List<JsonNode> files) {

  public static final String FINISHED = "finished";
  public static final String CONTINUED = "continued";
  public static final String WAITING_INPUT = "waiting-input";
  public static final String CLEAN_FINISHED = "clean-finished";
  public static final String BUILD_FINISHED = "build-finished";
  public static final String EXEC_TIMEOUT = "exec-timeout";

  public ExecutionResult {
    console = console == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(console));
    files = files == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(files));
  }

  /** Returns true when the client must call again in {@code continue} mode. */
  public boolean isContinued() {
    return CONTINUED.equals(status);
  }

  /** Returns true when the code waits for a line of standard input. */
  public boolean isWaitingInput() {
    return WAITING_INPUT.equals(status);
  }

  /**
   * Returns true when the code waits for a password, which the caller should read without echo. The
   * manager sends {@code isPassword}, and {@code is_password} is Backend.AI's older spelling.
   */
  public boolean isPasswordInput() {
    if (options == null || !options.isObject()) {
      return false;
    }
    JsonNode flag =
        options.has("isPassword") ? options.get("isPassword") : options.get("is_password");
    return flag != null && flag.asBoolean(false);
  }

  /** Returns the concatenated text of the {@code stdout} records. */
  public String stdout() {
    return joinText(console, ConsoleItem.STDOUT);
  }

  /** Returns the concatenated text of the {@code stderr} records. */
  public String stderr() {
    return joinText(console, ConsoleItem.STDERR);
  }

  static String joinText(List<ConsoleItem> items, String type) {
    StringBuilder text = new StringBuilder();
    for (ConsoleItem item : items) {
      if (type.equals(item.type())) {
        text.append(item.text());
      }
    }
    return text.toString();
  }
}
