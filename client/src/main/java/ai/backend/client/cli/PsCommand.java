package ai.backend.client.cli;

import ai.backend.client.SessionInfo;
import ai.backend.client.SessionList;
import java.io.PrintWriter;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
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

  @Option(
      names = {"-a", "--all"},
      description =
          "List every session you may reach: an admin's include those of the users of their"
              + " domain, a superadmin's every session.")
  private boolean all;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    SessionList sessions = parent.context().client().listSessions(status, all);
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
          formatTimestamp(session.createdAt()));
    }
    table.print(out);
    if (sessions.totalCount() > sessions.items().size()) {
      out.println(
          "(" + sessions.items().size() + " of " + sessions.totalCount() + " sessions shown)");
      out.flush();
    }
    return 0;
  }

  /** Drops the fraction of a second from an ISO-8601 timestamp, and keeps other text as is. */
  static String formatTimestamp(String timestamp) {
    if (timestamp == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(timestamp)
          .truncatedTo(ChronoUnit.SECONDS)
          .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } catch (DateTimeParseException notIso) {
      return timestamp;
    }
  }
}
