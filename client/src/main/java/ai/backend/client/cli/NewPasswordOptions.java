package ai.backend.client.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The {@code --password} and {@code --password-stdin} options that set a user's password. */
final class NewPasswordOptions {

  @Option(
      names = "--password",
      paramLabel = "PASSWORD",
      description =
          "The password, 8 to 256 characters. Other local users can see command lines, so prefer"
              + " the terminal prompt or --password-stdin.")
  String password;

  @Option(
      names = "--password-stdin",
      description = "Read the password from the first line of standard input.")
  boolean fromStandardInput;

  /**
   * Returns the password that the options give, or null when neither is given and the caller is to
   * prompt for it.
   *
   * @param allowed false when another option of the command already sets the password, so either of
   *     these is a usage error
   * @throws ParameterException if both options are given, or standard input has no password
   */
  String read(CliContext context, CommandLine commandLine, boolean allowed) {
    boolean passwordGiven = password != null || fromStandardInput;
    if (passwordGiven && !allowed) {
      throw new ParameterException(
          commandLine, "give only one of --password, --password-stdin and --password-prompt");
    }
    if (password != null && fromStandardInput) {
      throw new ParameterException(
          commandLine, "give either --password or --password-stdin, not both");
    }
    if (password != null) {
      if (password.isEmpty()) {
        throw new ParameterException(commandLine, "the password is empty");
      }
      return password;
    }
    return fromStandardInput ? PasswordInput.fromStandardInput(context, commandLine) : null;
  }
}
