package ai.backend.client.cli;

import ai.backend.client.SessionInfo;
import ai.backend.client.SessionList;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai ps}: lists the caller's sessions. */
@Command(
    name = "ps",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = "Lists your sessions as a table.")
final class PsCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Option(
      names = {"-s", "--status"},
      paramLabel = "STATUS",
      description = "List only sessions in this status, such as RUNNING or TERMINATED.")
  private String status;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    SessionList sessions = parent.context().client().listSessions(status);
    if (sessions.items().isEmpty()) {
      out.println(status == null ? "No sessions." : "No sessions in status " + status + ".");
      out.flush();
      return 0;
    }
    TextTable table =
        new TextTable("SESSION ID", "NAME", "IMAGE", "STATUS", "STATUS INFO", "CREATED");
    for (SessionInfo session : sessions.items()) {
      table.addRow(
          session.sessionId(),
          session.sessionName(),
          session.image(),
          session.status(),
          session.statusInfo(),
          session.createdAt());
    }
    table.print(out);
    if (sessions.totalCount() > sessions.items().size()) {
      out.println(
          "(" + sessions.items().size() + " of " + sessions.totalCount() + " sessions shown)");
      out.flush();
    }
    return 0;
  }
}
