package ai.backend.client.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai interrupt}: sends SIGINT to the code running in a session. */
@Command(
    name = "interrupt",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Sends SIGINT to the code running in a session.",
      "Works like Ctrl-C in a terminal. It does not wait for the code to stop, and code may ignore"
          + " the signal."
    })
final class InterruptCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name.")
  private String session;

  @Override
  public Integer call() {
    parent.context().client().interrupt(session);
    PrintWriter out = spec.commandLine().getOut();
    out.println("Sent an interrupt to session " + session + ".");
    out.flush();
    return 0;
  }
}
