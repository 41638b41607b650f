package ai.backend.kernel;

import java.nio.file.Path;
import java.util.List;

/**
 * Command lines that start the language drivers.
 *
 * <p>A driver lives in {@code <drivers dir>/<runtime type>/} and speaks the control channel
 * described in {@link DriverProcess}. To add a language, add its driver folder and a case here.
 */
final class DriverCommand {

  private DriverCommand() {}

  /**
   * Returns the command that starts the driver for the configured runtime type.
   *
   * @throws IllegalArgumentException if no driver exists for the runtime type
   */
  static List<String> forConfig(RunnerConfig config) {
    Path driversDir = config.driversDir();
    switch (config.runtimeType()) {
      case "python":
        // -u keeps Python's own stdio unbuffered until the driver replaces it.
        return List.of(
            config.runtimePath(), "-u", driversDir.resolve("python/driver.py").toString());
      default:
        throw new IllegalArgumentException(
            "Unsupported runtime type '"
                + config.runtimeType()
                + "' in "
                + RunnerConfig.RUNTIME_TYPE
                + "; supported types: python.");
    }
  }
}
