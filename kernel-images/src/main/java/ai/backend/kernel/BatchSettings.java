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
 * @param jail the jail that batch commands run under, or {@link Jail#off()}
 */
record BatchSettings(
    Optional<String> setsid, Map<String, String> environment, Set<Long> readSyscalls, Jail jail) {

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

  /** Creates settings without the jail. */
  BatchSettings(Optional<String> setsid, Map<String, String> environment, Set<Long> readSyscalls) {
    this(setsid, environment, readSyscalls, Jail.off());
  }

  /** Returns true if batch commands can start: under the jail, or without it through setsid. */
  boolean canStart() {
    return jail.enabled() || setsid.isPresent();
  }

  /**
   * Returns the settings for this host without the jail.
   *
   * @see #detect(RunnerConfig, Map, Jail)
   */
  static BatchSettings detect(RunnerConfig config, Map<String, String> runnerEnvironment) {
    return detect(config, runnerEnvironment, Jail.off());
  }

  /**
   * Returns the settings for this host: setsid, the jail's variables, the line-buffering variables
   * if {@code config} turns them on and the image has {@link #LIBSTDBUF}, and the read system calls
   * of {@code os.arch}.
   *
   * @param runnerEnvironment the runner's environment, whose LD_PRELOAD is kept after the jail's
   *     hook and before libstdbuf
   */
  static BatchSettings detect(
      RunnerConfig config, Map<String, String> runnerEnvironment, Jail jail) {
    Optional<String> setsid = ProcessGroups.setsid();
    if (setsid.isEmpty() && !jail.enabled()) {
      LOG.warning("setsid is not installed, so batch mode requests fail.");
    }
    Map<String, String> environment = new LinkedHashMap<>(jail.environment());
    String inheritedPreload =
        environment.getOrDefault("LD_PRELOAD", runnerEnvironment.get("LD_PRELOAD"));
    if (!config.batchLineBuffered()) {
      LOG.info(
          "Batch commands keep the C library's default buffering because "
              + RunnerConfig.BATCH_LINE_BUFFERED
              + " is false.");
    } else if (Files.isReadable(LIBSTDBUF)) {
      environment.putAll(lineBufferedEnvironment(inheritedPreload, LIBSTDBUF));
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
    return new BatchSettings(setsid, environment, readSyscalls, jail);
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
