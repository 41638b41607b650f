package ai.backend.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Command lines that start the language drivers.
 *
 * <p>A driver lives in {@code <drivers dir>/<runtime type>/} and speaks the control channel
 * described in {@link DriverProcess}. To add a language, add its driver folder and a case here. A
 * runtime type without a driver but with a {@link BatchDefaults} file runs batch mode only.
 */
final class DriverCommand {

  private DriverCommand() {}

  /**
   * Returns the command that starts the driver for the configured runtime type without the jail, or
   * an empty result for a runtime type that has only batch mode.
   *
   * @throws IllegalArgumentException if the runtime type has neither a driver nor batch defaults
   */
  static Optional<List<String>> forConfig(RunnerConfig config) {
    return forConfig(config, Jail.off());
  }

  /**
   * Returns the command that starts the driver for the configured runtime type under the jail, or
   * without it if the jail is off, or an empty result for a runtime type that has only batch mode.
   *
   * @throws IllegalArgumentException if the runtime type has neither a driver nor batch defaults
   */
  static Optional<List<String>> forConfig(RunnerConfig config, Jail jail) {
    Path driversDir = config.driversDir();
    String runtimePath = config.runtimePath();
    switch (config.runtimeType()) {
      case "python":
        // -u keeps Python's own stdio unbuffered until the driver replaces it. -B stops Python
        // from writing .pyc files next to the driver and lablup, which live in the read-only
        // bundle. The driver calls setpgrp() itself.
        return Optional.of(
            jail.wrap(
                List.of(
                    runtimePath, "-u", "-B", driversDir.resolve("python/driver.py").toString())));
      case "nodejs":
        return Optional.of(
            inOwnGroup(jail, runtimePath, driversDir.resolve("nodejs/driver.js").toString()));
      case "r":
        return Optional.of(
            inOwnGroup(jail, runtimePath, driversDir.resolve("r/driver.R").toString()));
      default:
        if (Files.isRegularFile(BatchDefaults.file(driversDir, config.runtimeType()))) {
          return Optional.empty();
        }
        throw new IllegalArgumentException(
            "Unsupported runtime type '"
                + config.runtimeType()
                + "' in "
                + RunnerConfig.RUNTIME_TYPE
                + ": it has no driver and no "
                + BatchDefaults.file(driversDir, config.runtimeType())
                + "; types with a driver: python, nodejs, r.");
    }
  }

  /**
   * Returns a command that makes the driver lead its process group. Node.js and R cannot do that
   * themselves, so setsid does it, unless the jail runs them, which gives its program a group of
   * its own. setsid must not run under the jail: it would fork, because the program already leads
   * its group, and exit at once, and the jail would take that exit for the driver's.
   */
  private static List<String> inOwnGroup(Jail jail, String... command) {
    if (jail.enabled()) {
      return jail.wrap(List.of(command));
    }
    List<String> withSetsid = new ArrayList<>();
    withSetsid.add(setsid());
    withSetsid.addAll(List.of(command));
    return List.copyOf(withSetsid);
  }

  /** Returns setsid's path, or its bare name, which fails to start with a clear error if absent. */
  private static String setsid() {
    return ProcessGroups.setsid().orElse("setsid");
  }
}
