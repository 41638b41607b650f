package ai.backend.agent.docker;

import java.util.Map;

/**
 * The state of one container as the engine reports it.
 *
 * @param running whether its main process runs
 * @param exitCode the main process's exit code once it stopped, else {@code null}
 * @param ipAddress its address on the requested network, or {@code null} when it has none
 */
public record ContainerState(
    String id,
    String name,
    String status,
    boolean running,
    Integer exitCode,
    String ipAddress,
    Map<String, String> labels) {}
