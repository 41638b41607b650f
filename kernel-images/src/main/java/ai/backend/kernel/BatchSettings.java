package ai.backend.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Settings for starting batch commands.
 *
 * @param setsid path of the setsid program, or empty if the image has none
 * @param environment variables set for batch commands on top of the runner's environment
 * @param readSyscalls system call numbers of {@code read}, {@code readv} and {@code pread64} on
 *     this CPU, which the stdin watch looks for; an empty set turns the watch off
 */
record BatchSettings(
    Optional<String> setsid, Map<String, String> environment, Set<Long> readSyscalls) {

  private static final RunnerLog LOG = RunnerLog.forClass(BatchSettings.class);

  /**
   * The LD_PRELOAD library of coreutils' stdbuf in Debian 12. Its constructor sets the buffering of
   * stdin, stdout and stderr from {@code _STDBUF_I}, {@code _STDBUF_O} and {@code _STDBUF_E}.
   */
  static final Path LIBSTDBUF = Path.of("/usr/libexec/coreutils/libstdbuf.so");

  BatchSettings {
    environment = Map.copyOf(environment);
    readSyscalls = Set.copyOf(readSyscalls);
  }

  /**
   * Returns the settings for this host: setsid, the line-buffering variables if {@code config}
   * turns them on and the image has {@link #LIBSTDBUF}, and the read system calls of {@code
   * os.arch}.
   *
   * @param runnerEnvironment the runner's environment, whose LD_PRELOAD is kept
   */
  static BatchSettings detect(RunnerConfig config, Map<String, String> runnerEnvironment) {
    Optional<String> setsid = ProcessGroups.setsid();
    if (setsid.isEmpty()) {
      LOG.warning("setsid is not installed, so batch mode requests fail.");
    }
    Map<String, String> environment = Map.of();
    if (!config.batchLineBuffered()) {
      LOG.info(
          "Batch commands keep the C library's default buffering because "
              + RunnerConfig.BATCH_LINE_BUFFERED
              + " is false.");
    } else if (Files.isReadable(LIBSTDBUF)) {
      environment = lineBufferedEnvironment(runnerEnvironment.get("LD_PRELOAD"), LIBSTDBUF);
    } else {
      LOG.info(
          LIBSTDBUF
              + " is missing, so batch commands keep the C library's default buffering and a"
              + " prompt without a newline may show only after the input.");
    }
    String osArch = System.getProperty("os.arch");
    Set<Long> readSyscalls = StdinWaitDetector.readSyscalls(osArch);
    if (readSyscalls.isEmpty()) {
      LOG.warning(
          "No system call table for the architecture "
              + osArch
              + ", so batch programs that read stdin cause no waiting-input records.");
    }
    return new BatchSettings(setsid, environment, readSyscalls);
  }

  /**
   * Returns the variables that make the C stdio of batch programs line-buffered: {@code library}
   * appended to {@code inheritedPreload}, and {@code _STDBUF_O=L} and {@code _STDBUF_I=L}.
   *
   * <p>With a line-buffered stdout, output arrives line by line instead of in blocks of 4 KiB. A
   * line-buffered stdin makes glibc flush a line-buffered stdout before it reads from stdin, so a
   * prompt without a newline appears before the program waits. The stdbuf command rejects {@code
   * -iL}, but its library accepts {@code L} for stdin.
   *
   * @param inheritedPreload the runner's LD_PRELOAD, or null
   */
  static Map<String, String> lineBufferedEnvironment(String inheritedPreload, Path library) {
    Map<String, String> environment = new LinkedHashMap<>();
    // ld.so splits LD_PRELOAD at spaces and colons.
    String preload =
        inheritedPreload == null || inheritedPreload.isBlank()
            ? library.toString()
            : inheritedPreload.strip() + " " + library;
    environment.put("LD_PRELOAD", preload);
    environment.put("_STDBUF_O", "L");
    environment.put("_STDBUF_I", "L");
    return environment;
  }
}
