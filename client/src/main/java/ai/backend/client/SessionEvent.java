package ai.backend.client;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A change of a session's status, as {@code GET /events/session} streams it.
 *
 * @param event Backend.AI's event name: {@code session_enqueued} (PENDING), {@code
 *     session_scheduled}, {@code session_preparing}, {@code session_started} (RUNNING), {@code
 *     session_terminating}, {@code session_terminated}, {@code session_cancelled} or {@code
 *     session_failure} (ERROR)
 * @param sessionId the session's UUID
 * @param ownerAccessKey the access key of the keypair that owns the session
 * @param userUuid the UUID of the user who owns the session
 * @param domain the name of the session's domain
 * @param scalingGroup the scaling group in which the session runs or waits
 * @param agent the id of the agent that runs the session, or null before scheduling
 * @param status the status the session has just entered, such as {@code RUNNING}
 * @param reason the manager's status info, such as an error message, or null
 * @param at the time of the change (ISO 8601)
 * @param data the event's JSON object with every field the manager sent, in compact form on one
 *     line
 */
public record SessionEvent(
    String event,
    String sessionId,
    String sessionName,
    String ownerAccessKey,
    String userUuid,
    String domain,
    String scalingGroup,
    String agent,
    String status,
    String reason,
    String at,
    @JsonIgnore String data) {

  /** Returns the name and id in the form {@code name (id)}, or whichever of them is known. */
  public String displayName() {
    if (sessionName == null || sessionName.isBlank()) {
      return sessionId;
    }
    return sessionId == null ? sessionName : sessionName + " (" + sessionId + ")";
  }
}
