package ai.backend.client.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The {@code -r} and {@code --clear-resources} options of update commands, which replace or clear a
 * {@code totalResourceSlots} limit.
 */
final class SlotLimitOptions {

  @Option(
      names = {"-r", "--resources"},
      paramLabel = "KEY=VALUE",
      converter = KeyValue.Converter.class,
      description =
          "Resource slot limit, such as cpu=8 or mem=16g. Repeat for more slots. Replaces all"
              + " current limits.")
  List<KeyValue> resources = new ArrayList<>();

  @Option(names = "--clear-resources", description = "Remove all resource slot limits.")
  boolean clear;

  /**
   * Returns the new slots, an empty map for {@code --clear-resources}, or null when neither option
   * is given.
   *
   * @throws ParameterException if both are given, or a slot is invalid
   */
  Map<String, String> value(CommandLine commandLine) {
    if (clear && !resources.isEmpty()) {
      throw new ParameterException(commandLine, "give either -r or --clear-resources, not both");
    }
    if (clear) {
      return Map.of();
    }
    return resources.isEmpty() ? null : KeyValue.toMap(resources, "-r", false, commandLine);
  }
}
