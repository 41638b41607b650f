package ai.backend.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The container's memory cgroup: its memory limit and the number of processes that the kernel's OOM
 * killer has killed in it.
 *
 * <p>Under cgroup v2 the count is the {@code oom_kill} field of {@code memory.events} and the limit
 * is {@code memory.max} ("max" for no limit). Under cgroup v1 the count is the {@code oom_kill}
 * line of {@code memory.oom_control}, which Linux has since 4.13, and the limit is {@code
 * memory.limit_in_bytes}, where a value near 2^63 means no limit. Both counts include the cgroup's
 * descendants. Without these files both values are empty.
 */
final class MemoryCgroup {

  /**
   * Smallest {@code memory.limit_in_bytes} value read as no limit. cgroup v1 shows no limit as 2^63
   * - 1 rounded down to whole pages, and no real limit comes near 1 EiB.
   */
  static final long NO_LIMIT_THRESHOLD = 1L << 60;

  private static final String V2_EVENTS = "memory.events";
  private static final String V2_LIMIT = "memory.max";
  private static final String V1_EVENTS = "memory.oom_control";
  private static final String V1_LIMIT = "memory.limit_in_bytes";
  private static final String OOM_KILL_FIELD = "oom_kill";

  private final Optional<Path> eventsFile;
  private final Optional<Path> limitFile;

  private MemoryCgroup(Optional<Path> eventsFile, Optional<Path> limitFile) {
    this.eventsFile = eventsFile;
    this.limitFile = limitFile;
  }

  /** Returns the memory cgroup of the runner's own container, read from /sys/fs/cgroup. */
  static MemoryCgroup ofThisContainer() {
    return find(CpuQuota.CGROUP_ROOT, read(CpuQuota.PROC_SELF_CGROUP).orElse(""));
  }

  /**
   * Finds the files of the process's memory cgroup: cgroup v2's if {@code memory.events} exists,
   * else cgroup v1's if {@code memory/memory.oom_control} exists, else none.
   *
   * @param cgroupRoot the cgroup mount point, /sys/fs/cgroup outside tests
   * @param selfCgroup the text of /proc/self/cgroup, which names the process's own cgroup below the
   *     mount point when the container shares the host's cgroup namespace
   */
  static MemoryCgroup find(Path cgroupRoot, String selfCgroup) {
    for (Path directory : candidates(cgroupRoot, selfCgroup, true)) {
      if (Files.isReadable(directory.resolve(V2_EVENTS))) {
        return new MemoryCgroup(
            Optional.of(directory.resolve(V2_EVENTS)), Optional.of(directory.resolve(V2_LIMIT)));
      }
    }
    for (Path directory : candidates(cgroupRoot, selfCgroup, false)) {
      if (Files.isReadable(directory.resolve(V1_EVENTS))) {
        return new MemoryCgroup(
            Optional.of(directory.resolve(V1_EVENTS)), Optional.of(directory.resolve(V1_LIMIT)));
      }
    }
    return new MemoryCgroup(Optional.empty(), Optional.empty());
  }

  /** Returns the file that contains the OOM kill count, or empty without a memory cgroup. */
  Optional<Path> eventsFile() {
    return eventsFile;
  }

  /** Returns how many processes the OOM killer has killed in the cgroup, or empty if unknown. */
  OptionalLong oomKillCount() {
    return eventsFile
        .flatMap(MemoryCgroup::read)
        .map(MemoryCgroup::parseOomKill)
        .orElse(OptionalLong.empty());
  }

  /** Returns the memory limit in bytes, or empty if there is none or it cannot be read. */
  OptionalLong limitBytes() {
    return limitFile
        .flatMap(MemoryCgroup::read)
        .map(MemoryCgroup::parseLimit)
        .orElse(OptionalLong.empty());
  }

  /**
   * Parses the {@code oom_kill} count from "KEY VALUE" lines, the format of both v2's memory.events
   * and v1's memory.oom_control. Returns empty if the line is missing or invalid.
   */
  static OptionalLong parseOomKill(String text) {
    for (String line : text.split("\n")) {
      String[] fields = line.strip().split("\\s+");
      if (fields.length == 2 && fields[0].equals(OOM_KILL_FIELD)) {
        return parseCount(fields[1]);
      }
    }
    return OptionalLong.empty();
  }

  /**
   * Parses a limit in bytes: v2's memory.max ("max" for no limit) or v1's memory.limit_in_bytes.
   * Returns empty for no limit, a value of at least {@link #NO_LIMIT_THRESHOLD}, or invalid text.
   */
  static OptionalLong parseLimit(String text) {
    String value = text.strip();
    if (value.equals("max")) {
      return OptionalLong.empty();
    }
    OptionalLong bytes = parseCount(value);
    if (bytes.isEmpty() || bytes.getAsLong() == 0 || bytes.getAsLong() >= NO_LIMIT_THRESHOLD) {
      return OptionalLong.empty();
    }
    return bytes;
  }

  private static OptionalLong parseCount(String text) {
    try {
      long value = Long.parseLong(text);
      return value < 0 ? OptionalLong.empty() : OptionalLong.of(value);
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * Returns the folders that may contain the memory controller's files: the process's cgroup below
   * the mount point first, then the mount point itself. The mount point is the process's cgroup in
   * a container with a cgroup namespace of its own, and under Docker's cgroup v1 mounts.
   */
  private static List<Path> candidates(Path cgroupRoot, String selfCgroup, boolean v2) {
    Path base = v2 ? cgroupRoot : cgroupRoot.resolve("memory");
    for (String line : selfCgroup.split("\n")) {
      String[] fields = line.split(":", 3);
      if (fields.length != 3) {
        continue;
      }
      boolean matches =
          v2
              ? fields[0].equals("0") && fields[1].isEmpty()
              : List.of(fields[1].split(",")).contains("memory");
      String relative = fields[2].strip().replaceFirst("^/+", "");
      if (matches && !relative.isEmpty()) {
        return List.of(base.resolve(relative), base);
      }
    }
    return List.of(base);
  }

  private static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
