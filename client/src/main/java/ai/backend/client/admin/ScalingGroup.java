package ai.backend.client.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A scaling group: a set of agents with its own scheduler, and the domains, groups and keypairs
 * allowed to run sessions in it.
 *
 * @param isActive false when no new session may use the group
 * @param scheduler the order in which pending sessions are placed: {@code fifo}, {@code lifo} or
 *     {@code drf} (dominant resource fairness across keypairs)
 * @param agentSelection {@code dispersed} (the agent with the most free room) or {@code
 *     concentrated} (the agent with the least room that still fits)
 * @param pendingTimeout seconds a session may stay PENDING before it is cancelled, 0 for no limit
 * @param domains the names of the domains allowed to use the group
 * @param groups the ids of the groups allowed to use the group
 * @param keypairs the access keys allowed to use the group
 * @param agents the agents of the group with their status, empty when the manager does not send
 *     them
 * @param pendingSessions the number of PENDING sessions in the group, or null when the manager does
 *     not send it
 * @param createdAt the creation time (ISO 8601)
 * @param modifiedAt the time of the last change (ISO 8601)
 */
public record ScalingGroup(
    String name,
    String description,
    @JsonProperty("isActive") Boolean isActive,
    String scheduler,
    String agentSelection,
    Integer pendingTimeout,
    List<String> domains,
    List<String> groups,
    List<String> keypairs,
    List<AgentStatus> agents,
    Long pendingSessions,
    String createdAt,
    String modifiedAt) {

  /**
   * An agent of a scaling group.
   *
   * @param status {@code ALIVE} or {@code LOST}
   */
  public record AgentStatus(String id, String status) {}

  public ScalingGroup {
    domains = domains == null ? List.of() : List.copyOf(domains);
    groups = groups == null ? List.of() : List.copyOf(groups);
    keypairs = keypairs == null ? List.of() : List.copyOf(keypairs);
    agents = agents == null ? List.of() : List.copyOf(agents);
  }
}
