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
 * @param scratchPath host directory mounted read-write at {@code /home/work}, or {@code null} for
 *     none
 * @param tmpfs tmpfs mounts by container path, with their mount options such as {@code
 *     size=268435456,mode=1777}
 * @param shmBytes size of {@code /dev/shm}
 * @param dockerInit true to run Docker's init as PID 1, false when {@code cmd} starts an init of
 *     its own
 *     <p>The container's root file system is read-only: the mounts are the only places it writes.
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
    String network,
    Path scratchPath,
    Map<String, String> tmpfs,
    long shmBytes,
    boolean dockerInit) {

  /** The mount point of the scratch directory, the kernel user's home folder. */
  public static final String SCRATCH_MOUNT_POINT = "/home/work";
}
