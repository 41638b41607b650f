package ai.backend.common.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Map;

/** A command that the manager sends to one agent's queue. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = AgentCommand.CreateKernel.class, name = "create_kernel"),
  @JsonSubTypes.Type(value = AgentCommand.DestroyKernel.class, name = "destroy_kernel"),
  @JsonSubTypes.Type(value = AgentCommand.Execute.class, name = "execute"),
})
public sealed interface AgentCommand {

  /** Kernel the command is about. */
  String kernelId();

  /**
   * Starts a container for a kernel.
   *
   * @param image the local Docker image reference, for example {@code
   *     backendai/python:3.11-debian12}
   * @param resources resource slots granted to the kernel, as decimal strings; {@code mem} is in
   *     bytes
   * @param environ environment variables the user asked for
   */
  record CreateKernel(
      String sessionId,
      String kernelId,
      String image,
      Map<String, String> resources,
      Map<String, String> environ,
      String accessKey)
      implements AgentCommand {}

  /** Stops and removes the container of a kernel. */
  record DestroyKernel(String sessionId, String kernelId, String reason) implements AgentCommand {}

  /**
   * Runs code in a kernel; the agent replies with an {@link AgentReply} to the message's {@code
   * JMSReplyTo}.
   *
   * @param mode {@code query}, {@code continue}, {@code input}, {@code batch} or {@code complete}
   * @param flushTimeoutMillis how long the agent collects output before it returns a {@code
   *     continued} result
   */
  record Execute(
      String sessionId,
      String kernelId,
      String runId,
      String mode,
      String code,
      Map<String, Object> options,
      long flushTimeoutMillis)
      implements AgentCommand {}
}
