package ai.backend.client.cli;

import ai.backend.client.BackendClient;
import ai.backend.client.LoginKeyPair;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai login}: exchanges a user's password for a new keypair. */
@Command(
    name = "login",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Logs in with a password and gets a new keypair.",
      "Sends the username and password to the manager (POST /auth/authorize), which creates a"
          + " keypair that expires after a day by default. Needs no keypair: the manager is the"
          + " one BACKEND_ENDPOINT or the keypair file names, or http://127.0.0.1:8080.",
      "The password is read from the terminal without echo, or with --password-stdin from the"
          + " first line of standard input. The secret key is printed once, or with --save"
          + " written to a keypair file for BACKEND_KEYPAIR_FILE."
    })
final class LoginCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Option(
      names = {"-d", "--domain"},
      paramLabel = "DOMAIN",
      defaultValue = "default",
      description = "Domain of the user. Default: ${DEFAULT-VALUE}.")
  private String domain;

  @Option(
      names = {"-u", "--username"},
      paramLabel = "NAME",
      required = true,
      description = "Email or username.")
  private String username;

  @Option(
      names = "--password-stdin",
      description = "Read the password from the first line of standard input.")
  private boolean passwordFromStandardInput;

  @Option(
      names = "--save",
      paramLabel = "FILE",
      description =
          "Write the endpoint, access key and secret key to this new file (mode 600) in place of"
              + " printing the secret key.")
  private Path saveFile;

  @Override
  public Integer call() {
    CliContext context = parent.context();
    URI endpoint = context.endpoint();
    String password =
        passwordFromStandardInput
            ? PasswordInput.fromStandardInput(context, spec.commandLine())
            : PasswordInput.prompt(
                context, spec.commandLine(), "Password for " + username + " at " + endpoint, false);
    LoginKeyPair keyPair = BackendClient.authorize(endpoint, domain, username, password);

    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "Logged in to "
            + endpoint
            + " as "
            + username
            + " ("
            + keyPair.role()
            + "), with the new keypair "
            + keyPair.accessKey()
            + ".");
    if (keyPair.expiresAt() != null) {
      out.println("The keypair expires at " + PsCommand.formatTimestamp(keyPair.expiresAt()) + ".");
    }
    SecretKeyOutput.deliver(
        out,
        spec.commandLine().getErr(),
        saveFile == null ? null : context.workingDirectory().resolve(saveFile),
        endpoint,
        keyPair.accessKey(),
        keyPair.secretKey(),
        "log in again with --save FILE");
    return 0;
  }
}
