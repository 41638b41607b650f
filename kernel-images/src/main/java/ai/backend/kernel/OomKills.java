package ai.backend.kernel;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Tells whether the kernel's OOM killer stopped a process of the container during a request, by
 * comparing the memory cgroup's OOM kill count before the request with the count after its process
 * ended, and words the result for the user.
 *
 * <p>NOTE: the count covers the whole container, so a background process that user code left
 * running and that the OOM killer stops during a request is reported with that request.
 */
final class OomKills {

  /** Count returned when the cgroup files are missing, so no OOM kill is ever reported. */
  static final long UNKNOWN = -1;

  /** Exit code of a process killed by SIGKILL, which is how the OOM killer stops a process. */
  static final int SIGKILL_EXIT_CODE = 137;

  /**
   * How long a check waits for the count to grow after a process died of SIGKILL. Linux sends the
   * signal before it counts the kill, so a fast reader could see the old count.
   */
  static final long COUNT_SETTLE_MILLIS = 200;

  private static final long COUNT_POLL_MILLIS = 10;
  private static final long MIB = 1024L * 1024;
  private static final long GIB = 1024L * MIB;

  /** The memory-backed folders of a kernel, whose files count against the session's memory. */
  static final List<Path> TMPFS_FOLDERS =
      List.of(Path.of("/home/work"), Path.of("/tmp"), Path.of("/var/tmp"), Path.of("/dev/shm"));

  /** Share of the limit from which the message names the files in {@link #TMPFS_FOLDERS}. */
  static final double FILES_SHARE_NAMED = 0.1;

  private final MemoryCgroup cgroup;
  private final LongSupplier tmpfsBytes;

  OomKills(MemoryCgroup cgroup) {
    this(cgroup, () -> tmpfsBytesUsed(TMPFS_FOLDERS));
  }

  /**
   * @param tmpfsBytes returns the bytes that files take in the kernel's tmpfs folders
   */
  OomKills(MemoryCgroup cgroup, LongSupplier tmpfsBytes) {
    this.cgroup = cgroup;
    this.tmpfsBytes = tmpfsBytes;
  }

  /**
   * Returns the bytes in use on the tmpfs mounts among {@code folders}, each mount counted once.
   */
  static long tmpfsBytesUsed(List<Path> folders) {
    long used = 0;
    Set<FileStore> seen = new HashSet<>();
    for (Path folder : folders) {
      try {
        FileStore store = Files.getFileStore(folder);
        if (store.type().equals("tmpfs") && seen.add(store)) {
          used += store.getTotalSpace() - store.getUnallocatedSpace();
        }
      } catch (IOException e) {
        // A folder that is missing or unreadable contains no files of the session.
      }
    }
    return used;
  }

  /** Returns the cgroup's OOM kill count now, or {@link #UNKNOWN}. */
  long count() {
    OptionalLong count = cgroup.oomKillCount();
    return count.isPresent() ? count.getAsLong() : UNKNOWN;
  }

  /**
   * Returns how many processes the OOM killer stopped since the count was {@code before}, or 0 if
   * either count is unknown. If {@code exitCode} is {@link #SIGKILL_EXIT_CODE} and the count has
   * not grown yet, waits up to {@link #COUNT_SETTLE_MILLIS} for it.
   */
  long killsSince(long before, int exitCode) {
    if (before == UNKNOWN) {
      return 0;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COUNT_SETTLE_MILLIS);
    while (true) {
      long now = count();
      if (now == UNKNOWN) {
        return 0;
      }
      if (now > before) {
        return now - before;
      }
      if (exitCode != SIGKILL_EXIT_CODE || System.nanoTime() >= deadline) {
        return 0;
      }
      try {
        Thread.sleep(COUNT_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 0;
      }
    }
  }

  /**
   * Returns the stderr text for a run whose program the OOM killer stopped.
   *
   * @param restartedRuntime the runtime type whose interpreter was restarted, so that its variables
   *     are lost, or null in batch mode
   */
  String programStoppedMessage(String restartedRuntime) {
    String restart =
        restartedRuntime == null
            ? ""
            : " The " + restartedRuntime + " interpreter was restarted, so its variables are lost.";
    return "The program was stopped because the session ran out of memory"
        + limitClause()
        + "."
        + restart
        + " "
        + advice();
  }

  /** Returns the stderr text for a run that went on after the OOM killer stopped a process. */
  String processStoppedMessage() {
    return "A process of this session was stopped because the session ran out of memory"
        + limitClause()
        + ". "
        + advice();
  }

  /** Returns the limit for the log, such as "256 MiB", or "unknown". */
  String describeLimit() {
    OptionalLong limit = cgroup.limitBytes();
    return limit.isPresent() ? formatSize(limit.getAsLong()) : "unknown";
  }

  private String limitClause() {
    OptionalLong limit = cgroup.limitBytes();
    return limit.isPresent() ? " (limit " + formatSize(limit.getAsLong()) + ")" : "";
  }

  private String advice() {
    return filesClause()
        + "Use less memory or start a session with more (for example -r mem="
        + suggestedGib(cgroup.limitBytes())
        + "g).\n";
  }

  /** Names the files in memory-backed folders when they take a tenth of the limit or more. */
  private String filesClause() {
    OptionalLong limit = cgroup.limitBytes();
    long files = tmpfsBytes.getAsLong();
    if (limit.isEmpty() || files < limit.getAsLong() * FILES_SHARE_NAMED) {
      return "";
    }
    return "Files in /home/work, /tmp, /var/tmp and /dev/shm are kept in memory and take "
        + formatSize(files)
        + " of it; delete those you no longer need. ";
  }

  /** Returns the smallest power of two in GiB above the limit, or 1 if the limit is unknown. */
  static long suggestedGib(OptionalLong limit) {
    long gib = 1;
    while (limit.isPresent() && gib * GIB <= limit.getAsLong() && gib < (1L << 20)) {
      gib *= 2;
    }
    return gib;
  }

  /** Formats a size as whole or one-decimal GiB from 1 GiB on, and as whole MiB below. */
  static String formatSize(long bytes) {
    if (bytes >= GIB) {
      if (bytes % GIB == 0) {
        return bytes / GIB + " GiB";
      }
      return String.format(Locale.ROOT, "%.1f GiB", (double) bytes / GIB);
    }
    if (bytes >= MIB) {
      return Math.round((double) bytes / MIB) + " MiB";
    }
    return bytes + " bytes";
  }
}
