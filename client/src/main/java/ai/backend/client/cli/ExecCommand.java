package ai.backend.client.cli;

import ai.backend.client.RunResult;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai exec}: runs code in an existing session. */
@Command(
    name = "exec",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Runs CODE in the existing session SESSION and leaves the session running.",
      "Output is printed as by 'bai run'. Exits with the code's exit code."
    })
final class ExecCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name.")
  private String session;

  @Option(
      names = {"-c", "--code"},
      required = true,
      paramLabel = "CODE",
      description = "Code to run in the session.")
  private String code;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    RunResult run =
        parent
            .context()
            .client()
            .runCode(session, code, new ConsolePrinter(out, err, parent.context().stdin()));
    return RunExitCodes.of(run, err);
  }
}
