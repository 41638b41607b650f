package ai.backend.client.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai logs}: prints the kernel container's log. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = "Prints the log of a session's kernel container.")
final class LogsCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name.")
  private String session;

  @Override
  public Integer call() {
    String logs = parent.context().client().logs(session);
    PrintWriter out = spec.commandLine().getOut();
    out.print(logs);
    if (!logs.isEmpty() && !logs.endsWith("\n")) {
      out.println();
    }
    out.flush();
    return 0;
  }
}
