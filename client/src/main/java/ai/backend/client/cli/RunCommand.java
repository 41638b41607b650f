package ai.backend.client.cli;

import ai.backend.client.BackendApiException;
import ai.backend.client.BackendClient;
import ai.backend.client.RunResult;
import ai.backend.client.SessionCreated;
import ai.backend.client.SessionSpec;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai run}: creates a session, runs code in it and destroys it. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Creates a session of IMAGE, waits until it is RUNNING, runs CODE in it and destroys the"
          + " session, also when the run fails or is interrupted with Ctrl-C.",
      "The code's standard output and standard error go to this command's; other output, such"
          + " as images, is summarized on standard error. Exits with the code's exit code."
    })
final class RunCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "Kernel image, such as python.")
  private String image;

  @Option(
      names = {"-c", "--code"},
      required = true,
      paramLabel = "CODE",
      description = "Code to run in the session.")
  private String code;

  @Option(
      names = {"-r", "--resources"},
      paramLabel = "KEY=VALUE",
      converter = KeyValue.Converter.class,
      description = "Resource slot to request, such as cpu=1 or mem=512m. Repeat for more slots.")
  private List<KeyValue> resources = new ArrayList<>();

  @Option(
      names = {"-e", "--env"},
      paramLabel = "KEY=VALUE",
      converter = KeyValue.Converter.class,
      description = "Environment variable for the session. Repeat for more variables.")
  private List<KeyValue> environ = new ArrayList<>();

  @Option(
      names = {"-t", "--name"},
      paramLabel = "NAME",
      description =
          "Session name. If a live session of this name exists, the code runs in it and the"
              + " session is left running. Default: a random name bai-<hex>.")
  private String name;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "120",
      description = "Seconds to wait for the session to become RUNNING. Default: ${DEFAULT-VALUE}.")
  private long timeoutSeconds;

  @Override
  public Integer call() {
    if (timeoutSeconds <= 0) {
      throw new ParameterException(
          spec.commandLine(),
          "invalid value '" + timeoutSeconds + "' for option '--timeout': it must be positive");
    }
    Map<String, String> resourceMap = KeyValue.toMap(resources, "-r", false, spec.commandLine());
    Map<String, String> environMap = KeyValue.toMap(environ, "-e", true, spec.commandLine());
    boolean generatedName = name == null || name.isBlank();
    String sessionName = generatedName ? "bai-" + BackendClient.newRunId().substring(0, 10) : name;
    SessionSpec sessionSpec =
        SessionSpec.of(image)
            .withName(sessionName)
            .withResources(resourceMap)
            .withEnviron(environMap);

    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BackendClient client = parent.context().client();
    SessionCleanup cleanup = new SessionCleanup(client, err);
    if (generatedName) {
      // The random name is ours alone, so Ctrl-C during creation may destroy by name.
      cleanup.track(sessionName);
    }
    Thread shutdownHook = cleanup.shutdownHook();
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    try {
      SessionCreated created = createSession(client, sessionSpec, cleanup, err);
      client.waitUntilRunning(created.sessionId(), Duration.ofSeconds(timeoutSeconds));
      RunResult run =
          client.runCode(
              created.sessionId(), code, new ConsolePrinter(out, err, parent.context().stdin()));
      return RunExitCodes.of(run, err);
    } finally {
      cleanup.destroy();
      removeShutdownHook(shutdownHook);
    }
  }

  /**
   * Creates the session and points the cleanup at its id, or releases the cleanup when the manager
   * rejects the request or returns an existing session that this command must leave running.
   */
  private static SessionCreated createSession(
      BackendClient client, SessionSpec sessionSpec, SessionCleanup cleanup, PrintWriter err) {
    SessionCreated created;
    try {
      created = client.createSession(sessionSpec);
    } catch (BackendApiException rejected) {
      // An error response means the manager created nothing, so there is nothing to destroy.
      cleanup.release();
      throw rejected;
    }
    if (created.created()) {
      cleanup.track(created.sessionId());
    } else {
      cleanup.release();
      err.println(
          "bai: session "
              + created.sessionName()
              + " already exists; running the code in it and leaving it running");
      err.flush();
    }
    return created;
  }

  private static void removeShutdownHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shutdownInProgress) {
      // The JVM is exiting and runs the hook itself, which finds the session already destroyed.
    }
  }
}
