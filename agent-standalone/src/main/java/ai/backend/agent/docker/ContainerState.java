package ai.backend.agent.docker;

import java.util.Map;

/**
 * The state of one container as the engine reports it.
 *
 * @param running whether its main process runs
 * @param exitCode the main process's exit code once it stopped, else {@code null}
 * @param ipAddress its address on the requested network, or {@code null} when it has none
 * @param nanoCpus its CPU limit in billionths of a core, 0 when unlimited
 * @param memBytes its memory limit in bytes, 0 when unlimited
 */
public record ContainerState(
    String id,
    String name,
    String status,
    boolean running,
    Integer exitCode,
    String ipAddress,
    long nanoCpus,
    long memBytes,
    Map<String, String> labels) {}
