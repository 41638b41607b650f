package ai.backend.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The number of cores that the container's CFS quota gives its programs, from the cgroup files. The
 * agent limits a kernel's CPU with Docker's NanoCPUs, which Docker writes as a quota per period:
 * {@code cpu.max} ("QUOTA PERIOD", or "max PERIOD" for no limit) under cgroup v2, and {@code
 * cpu.cfs_quota_us} (-1 for no limit) with {@code cpu.cfs_period_us} under cgroup v1. A quota of
 * 1.5 cores counts as 2, because a program with 2 threads can use the quota.
 *
 * <p>NOTE: the count is not capped by the CPUs of the host or of a cpuset; the agent never gives a
 * kernel more CPU than its host has.
 */
final class CpuQuota {

  /** Mount point of the cgroup file systems. */
  static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

  /** The process's cgroup memberships, one "ID:CONTROLLERS:PATH" line per hierarchy. */
  static final Path PROC_SELF_CGROUP = Path.of("/proc/self/cgroup");

  private CpuQuota() {}

  /**
   * Returns the quota in whole cores, rounded up, or empty if there is no quota or the files cannot
   * be read.
   *
   * @param cgroupRoot the cgroup mount point, {@link #CGROUP_ROOT} outside tests
   * @param selfCgroup the text of {@code /proc/self/cgroup}, which names the process's own cgroup
   *     below the mount point when the container shares the host's cgroup namespace
   */
  static OptionalInt coreCount(Path cgroupRoot, String selfCgroup) {
    for (Path directory : candidates(cgroupRoot, selfCgroup, "0", "")) {
      Optional<String> cpuMax = read(directory.resolve("cpu.max"));
      if (cpuMax.isPresent()) {
        return parseCpuMax(cpuMax.get());
      }
    }
    for (Path directory : candidates(cgroupRoot, selfCgroup, "cpu", "cpu")) {
      Optional<String> quota = read(directory.resolve("cpu.cfs_quota_us"));
      Optional<String> period = read(directory.resolve("cpu.cfs_period_us"));
      if (quota.isPresent() && period.isPresent()) {
        return cores(quota.get(), period.get());
      }
    }
    return OptionalInt.empty();
  }

  /** Returns the quota of the runner's own container, read from /sys/fs/cgroup. */
  static OptionalInt ofThisContainer() {
    return coreCount(CGROUP_ROOT, read(PROC_SELF_CGROUP).orElse(""));
  }

  /**
   * Returns the folders that may hold a controller's files: the process's cgroup below the mount
   * point first, then the mount point itself, which is the process's cgroup in a container with a
   * cgroup namespace of its own.
   *
   * @param controller "0" for the cgroup v2 line, or a v1 controller name such as "cpu"
   * @param mount the controller's folder below the cgroup root: "" for v2, "cpu" for v1
   */
  private static List<Path> candidates(
      Path cgroupRoot, String selfCgroup, String controller, String mount) {
    Path base = mount.isEmpty() ? cgroupRoot : cgroupRoot.resolve(mount);
    for (String line : selfCgroup.split("\n")) {
      String[] fields = line.split(":", 3);
      if (fields.length == 3 && matches(fields, controller)) {
        String relative = fields[2].strip().replaceFirst("^/+", "");
        if (!relative.isEmpty()) {
          return List.of(base.resolve(relative), base);
        }
      }
    }
    return List.of(base);
  }

  private static boolean matches(String[] fields, String controller) {
    if (controller.equals("0")) {
      return fields[0].equals("0") && fields[1].isEmpty();
    }
    return List.of(fields[1].split(",")).contains(controller);
  }

  /** Parses cgroup v2's cpu.max: "QUOTA PERIOD", or "max PERIOD" for no limit. */
  static OptionalInt parseCpuMax(String text) {
    String[] fields = text.strip().split("\\s+");
    if (fields.length != 2 || fields[0].equals("max")) {
      return OptionalInt.empty();
    }
    return cores(fields[0], fields[1]);
  }

  /** Returns ceil(quota / period), or empty for a negative quota, which means no limit. */
  static OptionalInt cores(String quotaText, String periodText) {
    try {
      long quota = Long.parseLong(quotaText.strip());
      long period = Long.parseLong(periodText.strip());
      if (quota <= 0 || period <= 0) {
        return OptionalInt.empty();
      }
      long cores = (quota + period - 1) / period;
      return OptionalInt.of((int) Math.min(cores, Integer.MAX_VALUE));
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  private static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
