package ai.backend.client.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai restart}: restarts the kernel of a session. */
@Command(
    name = "restart",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Restarts a session's kernel, keeping its files.",
      "Restarts the kernel of SESSION: variables and imports are lost, the files in /home/work"
          + " are kept. Waits until the new kernel is ready."
    })
final class RestartCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name.")
  private String session;

  @Override
  public Integer call() {
    parent.context().client().restart(session);
    PrintWriter out = spec.commandLine().getOut();
    out.println("Restarted the kernel of session " + session + ".");
    out.flush();
    return 0;
  }
}
