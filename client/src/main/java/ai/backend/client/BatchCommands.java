package ai.backend.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shell commands of a batch run, which the kernel runs in {@code /home/work} in the order
 * clean, build, exec.
 *
 * @param clean the command that removes earlier build output, {@code *} for the image's default, or
 *     null to skip the step
 * @param build the build command, {@code *} for the image's default, or null to skip the step
 * @param exec the command that runs the program, {@code *} for the image's default, or null for the
 *     default
 */
public record BatchCommands(String clean, String build, String exec) {

  /** The value that selects the image's default command for a step. */
  public static final String IMAGE_DEFAULT = "*";

  /** Returns the image's default build and exec commands, without a clean step. */
  public static BatchCommands imageDefaults() {
    return new BatchCommands(null, IMAGE_DEFAULT, IMAGE_DEFAULT);
  }

  /** Returns the request options {@code clean}, {@code build} and {@code exec} that are set. */
  Map<String, Object> toOptions() {
    Map<String, Object> options = new LinkedHashMap<>();
    putIfSet(options, "clean", clean);
    putIfSet(options, "build", build);
    options.put("exec", exec == null || exec.isEmpty() ? IMAGE_DEFAULT : exec);
    return options;
  }

  private static void putIfSet(Map<String, Object> options, String key, String command) {
    if (command != null && !command.isEmpty()) {
      options.put(key, command);
    }
  }
}
