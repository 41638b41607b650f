package ai.backend.client.cli;

import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientException;
import ai.backend.client.SessionDestroyed;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai rm}: destroys sessions. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Destroys one or more sessions.",
      "Goes on after a failure and then exits with 1."
    })
final class RmCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "SESSION", description = "Session id or name.")
  private List<String> sessions;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BackendClient client = parent.context().client();
    int exitCode = 0;
    for (String session : sessions) {
      try {
        SessionDestroyed destroyed = client.destroySession(session);
        out.println("Session " + destroyed.sessionId() + " is " + destroyed.status() + ".");
        out.flush();
      } catch (BackendClientException e) {
        err.println("bai: failed to destroy session " + session + ": " + e.getMessage());
        err.flush();
        exitCode = 1;
      }
    }
    return exitCode;
  }
}
