package ai.backend.agent.docker;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything the agent sets on a kernel container.
 *
 * @param user the {@code UID:GID} the container's processes run as
 * @param env environment entries as {@code NAME=value}
 * @param memBytes memory limit in bytes; swap is limited to the same total, so there is none
 * @param nanoCpus CPU limit in billionths of a core
 * @param bundlePath host directory mounted read-only at {@code bundleMountPoint}
 */
public record ContainerSpec(
    String name,
    String image,
    String user,
    List<String> env,
    Map<String, String> labels,
    long memBytes,
    long nanoCpus,
    long pidsLimit,
    Path bundlePath,
    String bundleMountPoint,
    List<String> cmd,
    String network) {}
