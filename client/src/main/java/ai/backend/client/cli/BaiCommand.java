package ai.backend.client.cli;

import ai.backend.client.BackendApiException;
import ai.backend.client.BackendClientConfig;
import ai.backend.client.BackendClientException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code bai} command. Exit codes: the code's own for {@code run} and {@code exec} (124 when
 * the run reached its time limit, 130 after a second Ctrl-C), 0 for success, 1 for errors of the
 * manager, the connection or the configuration, 2 for invalid command lines and arguments.
 *
 * <p>The global option {@code --owner ACCESS_KEY}, given before the command, makes every session
 * call act on behalf of that keypair ({@code owner_access_key}), which admins may do.
 */
@Command(
    name = "bai",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = "Runs code in Backend.AI compute sessions through the manager's REST API.",
    subcommands = {
      RunCommand.class,
      ExecCommand.class,
      PsCommand.class,
      InfoCommand.class,
      RmCommand.class,
      UploadCommand.class,
      DownloadCommand.class,
      LsCommand.class,
      LogsCommand.class,
      InterruptCommand.class,
      RestartCommand.class,
      ImagesCommand.class,
      PresetsCommand.class,
      EventsCommand.class,
      LoginCommand.class,
      VersionCommand.class
      // AdminCommand is added by addAdminCommand.
    },
    footerHeading = "%nConfiguration:%n",
    footer = {
      "  BACKEND_ENDPOINT      manager URL (default http://127.0.0.1:8080)",
      "  BACKEND_ACCESS_KEY    API access key",
      "  BACKEND_SECRET_KEY    API secret key",
      "  BACKEND_KEYPAIR_FILE  keypair file, read when the key variables are unset:",
      "                        a properties file with endpoint, access_key and",
      "                        secret_key (default: var/admin-keypair.properties",
      "                        under the repository root)"
    })
public final class BaiCommand implements Callable<Integer> {

  public static final int EXIT_ERROR = 1;
  public static final int EXIT_USAGE = 2;

  @Spec private CommandSpec spec;

  private final CliContext context;

  public BaiCommand(CliContext context) {
    this.context = context;
  }

  CliContext context() {
    return context;
  }

  @Option(
      names = "--owner",
      paramLabel = "ACCESS_KEY",
      description =
          "Act on the sessions of this keypair (owner_access_key): run, exec, ps, info, rm, the"
              + " other session commands, presets and events. For admins; give it before the"
              + " command.")
  void setOwner(String accessKey) {
    if (accessKey.isBlank()) {
      throw new ParameterException(spec.commandLine(), "the value of --owner is empty");
    }
    context.setOwnerAccessKey(accessKey.trim());
  }

  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(),
        "missing command: use run, exec, ps, info, rm, upload, download, ls, logs, interrupt,"
            + " restart, images, presets, events, login, admin or version");
  }

  public static void main(String[] args) {
    CliContext context =
        new CliContext(
            System.getenv(),
            BackendClientConfig.homeDirectory(),
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8));
    int exitCode = execute(args, context, out, err);
    out.flush();
    err.flush();
    System.exit(exitCode);
  }

  /** Runs the command line and returns the process exit code. */
  public static int execute(String[] args, CliContext context, PrintWriter out, PrintWriter err) {
    CommandLine commandLine = new CommandLine(new BaiCommand(context));
    addAdminCommand(commandLine, args);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setParameterExceptionHandler(BaiCommand::handleParameterException);
    commandLine.setExecutionExceptionHandler(
        (exception, failedCommand, parseResult) ->
            handleExecutionException(exception, failedCommand, context));
    int exitCode = commandLine.execute(args);
    out.flush();
    err.flush();
    return exitCode;
  }

  /**
   * Adds {@code bai admin}. Building picocli's model of its subcommands (45 when measured) made
   * every {@code bai} command start slower: the fastest of 12 runs of {@code java -jar
   * backend-ai-client.jar --version} took 0.60 s in place of 0.37 s on a 2-core machine. So the
   * full command is built only when an argument is {@code admin}, and otherwise a stand-in of the
   * same name and description shows in the help.
   */
  private static void addAdminCommand(CommandLine commandLine, String[] args) {
    if (Arrays.asList(args).contains(AdminCommand.NAME)) {
      commandLine.addSubcommand(AdminCommand.NAME, new AdminCommand());
      return;
    }
    CommandSpec standIn =
        CommandSpec.wrapWithoutInspection(
            (Callable<Integer>)
                () -> {
                  throw new IllegalStateException("the stand-in of bai admin was run");
                });
    standIn
        .usageMessage()
        .description(AdminCommand.class.getAnnotation(Command.class).description());
    commandLine.addSubcommand(AdminCommand.NAME, standIn);
  }

  private static int handleParameterException(ParameterException exception, String[] args) {
    CommandLine failedCommand = exception.getCommandLine();
    PrintWriter err = failedCommand.getErr();
    err.println("bai: " + exception.getMessage());
    UnmatchedArgumentException.printSuggestions(exception, err);
    err.println("Try '" + failedCommand.getCommandSpec().qualifiedName() + " --help' for usage.");
    err.flush();
    return EXIT_USAGE;
  }

  private static int handleExecutionException(
      Exception exception, CommandLine failedCommand, CliContext context) {
    PrintWriter err = failedCommand.getErr();
    if (exception instanceof BackendClientException clientException) {
      err.println("bai: " + clientException.getMessage());
      if (exception instanceof BackendApiException apiException && apiException.status() == 401) {
        BackendClientConfig config = context.configIfLoaded();
        if (config != null) {
          err.println(
              "bai: the manager rejected the keypair with access key "
                  + config.accessKey()
                  + " from "
                  + config.keypairSource());
        }
      }
    } else if (exception instanceof IllegalArgumentException invalidArgument) {
      // The SDK raises this for arguments it cannot send, such as an empty session name.
      err.println("bai: " + invalidArgument.getMessage());
      err.flush();
      return EXIT_USAGE;
    } else {
      err.println("bai: internal error: " + exception);
      exception.printStackTrace(err);
    }
    err.flush();
    return EXIT_ERROR;
  }
}
