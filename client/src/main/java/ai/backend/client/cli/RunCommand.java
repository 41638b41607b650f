package ai.backend.client.cli;

import ai.backend.client.BackendApiException;
import ai.backend.client.BackendClient;
import ai.backend.client.BatchCommands;
import ai.backend.client.SessionCreated;
import ai.backend.client.SessionSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
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

/** {@code bai run}: creates a session, runs code or uploaded files in it and destroys it. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Runs code, or files in batch mode, in a new session of IMAGE.",
      "Creates a session of IMAGE, waits until it is RUNNING and runs either CODE (query mode) or"
          + " FILES (batch mode) in it. FILES are uploaded to /home/work with the paths you give,"
          + " relative to the working folder. Then the build and exec commands run, the image's"
          + " defaults unless --build and --exec are given.",
      "The code's standard output and standard error go to this command's as they arrive; other"
          + " output, such as images, is summarized on standard error. When the code reads input,"
          + " a line is read from the terminal, without echo for passwords. The first Ctrl-C"
          + " interrupts the code, and a second one within 2 s exits.",
      "The session is destroyed at the end unless --no-rm is given, also when the run fails or"
          + " bai exits on Ctrl-C. Exits with the code's exit code, the build's when the build"
          + " failed, or 124 when the run reached --exec-timeout."
    })
final class RunCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "IMAGE",
      description = "Kernel image or alias, such as python or c.")
  private String image;

  @Parameters(
      index = "1..*",
      arity = "0..*",
      paramLabel = "FILES",
      description = "Source files to upload and run in batch mode, relative to the working folder.")
  private List<String> files = new ArrayList<>();

  @Option(
      names = {"-c", "--code"},
      paramLabel = "CODE",
      description = "Code to run in the session (query mode), in place of FILES.")
  private String code;

  @Option(
      names = "--clean",
      paramLabel = "CMD",
      description = "Shell command that runs before the build, or * for the image's default.")
  private String clean;

  @Option(
      names = "--build",
      paramLabel = "CMD",
      description = "Shell command that builds FILES. Default: * (the image's default).")
  private String build;

  @Option(
      names = "--exec",
      paramLabel = "CMD",
      description = "Shell command that runs the program. Default: * (the image's default).")
  private String exec;

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
      names = "--scaling-group",
      paramLabel = "NAME",
      description =
          "Scaling group to run the session in. Default: the manager's choice, 'default' when you"
              + " may use it.")
  private String scalingGroup;

  @Option(
      names = "--network",
      paramLabel = "none|isolated",
      description =
          "Network of the session: none (the default) reaches no other host; isolated has"
              + " outbound access but reaches neither the manager's host nor other sessions.")
  private String network;

  @Option(
      names = "--max-wait",
      paramLabel = "SECONDS",
      description =
          "Seconds the manager may hold the create request until the session has started (0 to"
              + " 300), so that bai polls less. Default: 0, the manager responds at once.")
  private Integer maxWaitSeconds;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "120",
      description = "Seconds to wait for the session to become RUNNING. Default: ${DEFAULT-VALUE}.")
  private long timeoutSeconds;

  @Option(
      names = "--exec-timeout",
      paramLabel = "SECONDS",
      description =
          "Seconds the run may take before it is stopped with exit code 124. Default: the"
              + " manager's limit.")
  private Long execTimeoutSeconds;

  @Option(
      names = "--rm",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Destroy the session at the end (--rm, the default), or leave it running (--no-rm).")
  private boolean remove;

  @Override
  public Integer call() {
    Map<String, Path> uploads = checkArguments();
    Map<String, String> resourceMap = KeyValue.toMap(resources, "-r", false, spec.commandLine());
    Map<String, String> environMap = KeyValue.toMap(environ, "-e", true, spec.commandLine());
    boolean generatedName = name == null || name.isBlank();
    String sessionName = generatedName ? "bai-" + BackendClient.newRunId().substring(0, 10) : name;
    SessionSpec sessionSpec =
        SessionSpec.of(image)
            .withName(sessionName)
            .withResources(resourceMap)
            .withEnviron(environMap)
            .withScalingGroup(scalingGroup)
            .withNetwork(network)
            .withMaxWaitSeconds(maxWaitSeconds);

    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CliContext context = parent.context();
    BackendClient client = context.client();
    SessionCleanup cleanup = new SessionCleanup(client, err);
    if (generatedName && remove) {
      // The random name is ours alone, so Ctrl-C during creation may destroy by name.
      cleanup.track(sessionName);
    }
    Thread shutdownHook = cleanup.shutdownHook();
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    SessionCreated created = null;
    try {
      created = createSession(client, sessionSpec, cleanup, err);
      String sessionId = created.sessionId();
      client.waitUntilRunning(sessionId, Duration.ofSeconds(timeoutSeconds));
      Map<String, Object> options = runOptions();
      if (uploads.isEmpty()) {
        return InteractiveRun.follow(
            context,
            sessionId,
            out,
            err,
            printer -> client.runCode(sessionId, code, BackendClient.newRunId(), options, printer));
      }
      client.upload(sessionId, uploads);
      BatchCommands commands =
          new BatchCommands(clean, orImageDefault(build), orImageDefault(exec));
      return InteractiveRun.follow(
          context,
          sessionId,
          out,
          err,
          printer ->
              client.runBatch(sessionId, commands, BackendClient.newRunId(), options, printer));
    } finally {
      cleanup.destroy();
      removeShutdownHook(shutdownHook);
      if (!remove && created != null && created.created()) {
        err.println(
            "bai: session "
                + created.sessionName()
                + " is left running; destroy it with: bai rm "
                + created.sessionName());
        err.flush();
      }
    }
  }

  /**
   * Checks the options that the manager cannot check and returns the files to upload, before any
   * request, so a mistake creates no session.
   */
  private Map<String, Path> checkArguments() {
    if (timeoutSeconds <= 0) {
      throw new ParameterException(
          spec.commandLine(),
          "invalid value '" + timeoutSeconds + "' for option '--timeout': it must be positive");
    }
    if (execTimeoutSeconds != null && execTimeoutSeconds <= 0) {
      throw new ParameterException(
          spec.commandLine(),
          "invalid value '"
              + execTimeoutSeconds
              + "' for option '--exec-timeout': it must be positive");
    }
    if (maxWaitSeconds != null && maxWaitSeconds < 0) {
      throw new ParameterException(
          spec.commandLine(),
          "invalid value '" + maxWaitSeconds + "' for option '--max-wait': it must be 0 or more");
    }
    if (scalingGroup != null && scalingGroup.isBlank()) {
      throw new ParameterException(spec.commandLine(), "the value of --scaling-group is empty");
    }
    if (!files.isEmpty() && code != null) {
      throw new ParameterException(spec.commandLine(), "give either FILES or -c CODE, not both");
    }
    if (files.isEmpty() && code == null) {
      throw new ParameterException(
          spec.commandLine(), "missing code: give -c CODE, or FILES to run in batch mode");
    }
    if (files.isEmpty() && (clean != null || build != null || exec != null)) {
      throw new ParameterException(
          spec.commandLine(), "--clean, --build and --exec apply to FILES only, not to -c CODE");
    }
    if (files.isEmpty()) {
      return Map.of();
    }
    return UploadArguments.toUploads(
        files, parent.context().workingDirectory(), spec.commandLine());
  }

  private Map<String, Object> runOptions() {
    return execTimeoutSeconds == null ? Map.of() : Map.of("execTimeout", execTimeoutSeconds);
  }

  private static String orImageDefault(String command) {
    return command == null || command.isEmpty() ? BatchCommands.IMAGE_DEFAULT : command;
  }

  /**
   * Creates the session and points the cleanup at its id, or releases the cleanup when the manager
   * rejects the request, returns an existing session that this command must leave running, or the
   * session is to stay after the run.
   */
  private SessionCreated createSession(
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
      if (remove) {
        cleanup.track(created.sessionId());
      }
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
