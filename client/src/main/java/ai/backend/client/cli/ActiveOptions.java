package ai.backend.client.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The {@code --active} and {@code --inactive} options of update commands. */
final class ActiveOptions {

  @Option(names = "--active", description = "Make it active.")
  boolean active;

  @Option(names = "--inactive", description = "Make it inactive.")
  boolean inactive;

  /**
   * Returns true for {@code --active}, false for {@code --inactive}, or null when neither is given.
   *
   * @throws ParameterException if both are given
   */
  Boolean value(CommandLine commandLine) {
    if (active && inactive) {
      throw new ParameterException(commandLine, "give either --active or --inactive, not both");
    }
    if (active) {
      return true;
    }
    return inactive ? false : null;
  }
}
