package ai.backend.common.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;

/** An event that an agent sends to the manager's event queue. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = AgentEvent.Heartbeat.class, name = "heartbeat"),
  @JsonSubTypes.Type(value = AgentEvent.KernelStarted.class, name = "kernel_started"),
  @JsonSubTypes.Type(
      value = AgentEvent.KernelCreationFailed.class,
      name = "kernel_creation_failed"),
  @JsonSubTypes.Type(value = AgentEvent.KernelTerminated.class, name = "kernel_terminated"),
})
public sealed interface AgentEvent {

  /** Agent that sent the event. */
  String agentId();

  /**
   * The periodic sign of life of an agent, with its capacity and what it runs.
   *
   * @param availableSlots total resource slots the agent offers, as decimal strings ({@code mem} in
   *     bytes)
   * @param occupiedSlots slots taken by the kernels it runs
   * @param kernels the kernels whose containers exist on the agent
   * @param images the kernel images the agent can start
   * @param intervalSeconds how often the agent sends heartbeats
   */
  record Heartbeat(
      String agentId,
      String hostname,
      String version,
      String scalingGroup,
      Map<String, String> availableSlots,
      Map<String, String> occupiedSlots,
      List<KernelInfo> kernels,
      List<ImageInfo> images,
      int intervalSeconds)
      implements AgentEvent {}

  /** A container that the agent runs for a kernel. */
  record KernelInfo(String sessionId, String kernelId, String containerId, String status) {}

  /** A kernel image present on the agent, with its Backend.AI labels. */
  record ImageInfo(String name, String id, long sizeBytes, Map<String, String> labels) {}

  /** The kernel's container runs and its runner reported ready. */
  record KernelStarted(String agentId, String sessionId, String kernelId, String containerId)
      implements AgentEvent {}

  /** The kernel could not be started; the agent removed whatever it had created. */
  record KernelCreationFailed(String agentId, String sessionId, String kernelId, String reason)
      implements AgentEvent {}

  /** The kernel's container is gone, because it was destroyed or because it exited. */
  record KernelTerminated(
      String agentId, String sessionId, String kernelId, String reason, Integer exitCode)
      implements AgentEvent {}
}
