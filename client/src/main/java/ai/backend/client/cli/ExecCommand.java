package ai.backend.client.cli;

import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai exec}: runs code in an existing session. */
@Command(
    name = "exec",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Runs code in an existing session and leaves it running.",
      "Runs CODE in SESSION in query mode. Without -c, the code is read from standard input until"
          + " its end.",
      "Output, input and Ctrl-C work as in 'bai run'. Exits with the code's exit code."
    })
final class ExecCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name.")
  private String session;

  @Option(
      names = {"-c", "--code"},
      paramLabel = "CODE",
      description = "Code to run in the session. Default: standard input.")
  private String code;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CliContext context = parent.context();
    String source = code;
    if (source == null) {
      source = readStandardInput(context);
      if (source.isBlank()) {
        throw new ParameterException(
            spec.commandLine(), "missing code: give -c CODE, or the code on standard input");
      }
    }
    String runCode = source;
    BackendClient client = context.client();
    return InteractiveRun.follow(
        context,
        session,
        out,
        err,
        printer -> client.runCode(session, runCode, BackendClient.newRunId(), Map.of(), printer));
  }

  private static String readStandardInput(CliContext context) {
    try {
      return context.stdin().lines().collect(Collectors.joining("\n", "", "\n"));
    } catch (UncheckedIOException e) {
      IOException cause = e.getCause();
      throw new BackendClientException(
          "failed to read the code from standard input: " + cause.getMessage(), cause);
    }
  }
}
