package ai.backend.client;

/**
 * The response of {@code POST /session}.
 *
 * @param sessionId the session's UUID
 * @param sessionName the session's name
 * @param status the session's status, PENDING for a new session
 * @param created false when a live session of the requested name already existed and the manager
 *     returned it in place of a new one
 */
public record SessionCreated(
    String sessionId, String sessionName, String status, boolean created) {}
