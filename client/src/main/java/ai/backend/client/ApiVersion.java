package ai.backend.client;

/**
 * The response of {@code GET /}.
 *
 * @param version the API version that the manager speaks, such as {@code v8.20240915}
 * @param manager the manager's release version
 */
public record ApiVersion(String version, String manager) {}
