package ai.backend.client;

/**
 * The response of {@code DELETE /session/{idOrName}}.
 *
 * @param status TERMINATING while the agent stops the kernel, or TERMINATED
 */
public record SessionDestroyed(String sessionId, String status) {}
