package ai.backend.common.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;

/** A reply from an agent to a request-reply command such as {@link AgentCommand.Execute}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = AgentReply.ExecuteResult.class, name = "execute_result"),
  @JsonSubTypes.Type(value = AgentReply.CommandFailed.class, name = "command_failed"),
})
public sealed interface AgentReply {

  /**
   * The outcome of one execute call, in Backend.AI's form.
   *
   * @param status {@code finished}, {@code continued}, {@code waiting-input}, {@code
   *     build-finished}, {@code clean-finished} or {@code exec-timeout}
   * @param console console items, each a two-element list {@code [type, data]}
   * @param exitCode exit code of the finished run, or {@code null} while it runs
   */
  record ExecuteResult(
      String runId,
      String status,
      List<List<Object>> console,
      Integer exitCode,
      Map<String, Object> options,
      List<Map<String, Object>> files)
      implements AgentReply {}

  /**
   * A command the agent could not carry out.
   *
   * @param code a short machine-readable reason such as {@code kernel-not-found}
   * @param message what failed, in words a user can act on
   */
  record CommandFailed(String code, String message) implements AgentReply {}
}
