package ai.backend.client.admin;

import java.util.Map;

/**
 * An agent as {@code GET /admin/agents} returns it.
 *
 * @param id the agent's id, which its configuration sets
 * @param status {@code ALIVE}, or {@code LOST} when no heartbeat arrived within the manager's
 *     heartbeat timeout
 * @param scalingGroup the scaling group that the agent's configuration names
 * @param version the agent's release version
 * @param availableSlots the agent's capacity, such as {@code cpu=4} and {@code mem} in bytes
 * @param freeSlots the part of the capacity that no session occupies
 * @param heartbeatIntervalSeconds the seconds between two heartbeats of the agent
 * @param firstContact the time of the agent's first heartbeat (ISO 8601)
 * @param lastHeartbeat the time of the agent's latest heartbeat (ISO 8601)
 * @param lostAt the time the agent became LOST, or null while it is not LOST
 */
public record Agent(
    String id,
    String status,
    String scalingGroup,
    String hostname,
    String version,
    Map<String, String> availableSlots,
    Map<String, String> freeSlots,
    Integer heartbeatIntervalSeconds,
    String firstContact,
    String lastHeartbeat,
    String lostAt) {

  public Agent {
    availableSlots = Slots.copyOf(availableSlots);
    freeSlots = Slots.copyOf(freeSlots);
  }
}
