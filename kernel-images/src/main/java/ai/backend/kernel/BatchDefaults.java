package ai.backend.kernel;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Default commands of batch mode for one runtime type, which a request's {@code *} stands for.
 *
 * <p>They come from {@code <drivers dir>/<runtime type>/batch.properties}, read as a Java
 * properties file in UTF-8 with the keys {@code clean}, {@code build} and {@code exec}. An empty
 * value means that the step does nothing, and a missing key or file means that the runtime type has
 * no default for that step.
 *
 * @param source the file the commands were read from
 * @param commands command per operation ({@code clean}, {@code build}, {@code exec})
 */
record BatchDefaults(Path source, Map<String, String> commands) {

  static final String FILE_NAME = "batch.properties";
  static final Set<String> OPERATIONS = Set.of("clean", "build", "exec");

  private static final RunnerLog LOG = RunnerLog.forClass(BatchDefaults.class);

  BatchDefaults {
    commands = Map.copyOf(commands);
  }

  static Path file(Path driversDir, String runtimeType) {
    return driversDir.resolve(runtimeType).resolve(FILE_NAME);
  }

  /**
   * Reads the defaults of a runtime type. A missing or unreadable file gives no defaults. An
   * unreadable file and unknown keys are logged.
   */
  static BatchDefaults load(Path driversDir, String runtimeType) {
    Path source = file(driversDir, runtimeType);
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(source, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (NoSuchFileException e) {
      LOG.info(
          "No batch defaults for runtime type " + runtimeType + ": " + source + " is missing.");
      return new BatchDefaults(source, Map.of());
    } catch (IOException | IllegalArgumentException e) {
      LOG.error("Reading the batch defaults " + source + " failed; using none: " + e);
      return new BatchDefaults(source, Map.of());
    }
    Map<String, String> commands = new TreeMap<>();
    for (String key : properties.stringPropertyNames()) {
      if (OPERATIONS.contains(key)) {
        commands.put(key, properties.getProperty(key).strip());
      } else {
        LOG.warning("Ignored the unknown key '" + key + "' in " + source + ".");
      }
    }
    LOG.info("Batch defaults from " + source + ": " + commands);
    return new BatchDefaults(source, commands);
  }

  /** Returns the default command of an operation, empty text for "nothing to do". */
  Optional<String> command(String operation) {
    return Optional.ofNullable(commands.get(operation));
  }
}
