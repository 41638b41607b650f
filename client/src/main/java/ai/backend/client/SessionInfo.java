package ai.backend.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A session as {@code GET /session/{idOrName}} and {@code GET /session} return it.
 *
 * @param status one of PENDING, SCHEDULED, PREPARING, RUNNING, TERMINATING, TERMINATED, ERROR and
 *     CANCELLED
 * @param statusInfo the manager's reason for the status, such as an error message, or null
 * @param createdAt the creation time as the manager formats it (ISO-8601)
 * @param terminatedAt the termination time, or null while the session lives
 * @param agent the id of the agent that runs the session, or null before scheduling
 * @param occupiedSlots the resource slots the session occupies, such as {@code cpu} and {@code mem}
 * @param requestedSlots the resource slots the session requested
 */
public record SessionInfo(
    String sessionId,
    String sessionName,
    String image,
    String status,
    String statusInfo,
    String createdAt,
    String terminatedAt,
    String agent,
    Map<String, String> occupiedSlots,
    Map<String, String> requestedSlots) {

  public static final String RUNNING = "RUNNING";

  /** Statuses from which a session can no longer become RUNNING. */
  public static final Set<String> DEAD_STATUSES =
      Set.of("TERMINATING", "TERMINATED", "ERROR", "CANCELLED");

  public SessionInfo {
    occupiedSlots = copyOf(occupiedSlots);
    requestedSlots = copyOf(requestedSlots);
  }

  private static Map<String, String> copyOf(Map<String, String> slots) {
    return slots == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(slots));
  }

  /** Returns true when the status is RUNNING. */
  public boolean isRunning() {
    return RUNNING.equals(status);
  }

  /** Returns true when the session can no longer become RUNNING. */
  public boolean isDead() {
    return DEAD_STATUSES.contains(status);
  }

  /** Returns the name and id in the form {@code name (id)}, or whichever of them is known. */
  public String displayName() {
    if (sessionName == null || sessionName.isBlank()) {
      return sessionId;
    }
    return sessionId == null ? sessionName : sessionName + " (" + sessionId + ")";
  }
}
