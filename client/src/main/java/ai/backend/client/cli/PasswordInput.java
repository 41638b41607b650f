package ai.backend.client.cli;

import java.io.IOException;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Reads a password from the terminal without echo or from the first line of standard input. The
 * password is never printed, and never read from an environment variable.
 */
final class PasswordInput {

  private PasswordInput() {}

  /**
   * Reads the first line of standard input, without its line end, for {@code --password-stdin}.
   *
   * @throws ParameterException if standard input is empty or cannot be read
   */
  static String fromStandardInput(CliContext context, CommandLine commandLine) {
    String line;
    try {
      line = context.stdin().readLine();
    } catch (IOException e) {
      throw new ParameterException(
          commandLine, "failed to read the password from standard input: " + e.getMessage());
    }
    if (line == null || line.isEmpty()) {
      throw new ParameterException(
          commandLine,
          "--password-stdin expects the password on the first line of standard input, which is"
              + " empty");
    }
    return line;
  }

  /**
   * Prompts for a password on the terminal, twice when {@code confirm} is true.
   *
   * @throws ParameterException if there is no terminal, nothing was entered, or the two entries
   *     differ
   */
  static String prompt(
      CliContext context, CommandLine commandLine, String prompt, boolean confirm) {
    CliContext.PasswordPrompt terminal = context.passwordPrompt();
    if (terminal == null) {
      throw new ParameterException(
          commandLine,
          "no terminal to read the password from; pass it on standard input with"
              + " --password-stdin");
    }
    char[] first = terminal.readPassword(prompt + ": ");
    if (first == null || first.length == 0) {
      throw new ParameterException(commandLine, "no password entered");
    }
    try {
      if (confirm) {
        char[] second = terminal.readPassword("Retype the password: ");
        boolean same = second != null && Arrays.equals(first, second);
        if (second != null) {
          Arrays.fill(second, '\0');
        }
        if (!same) {
          throw new ParameterException(commandLine, "the two passwords differ; nothing was sent");
        }
      }
      return new String(first);
    } finally {
      Arrays.fill(first, '\0');
    }
  }
}
