package ai.backend.client.cli;

import ai.backend.client.BackendClient;
import ai.backend.client.SessionEvent;
import ai.backend.client.SessionEventStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai events}: prints session events as they happen. */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Prints the status changes of sessions as they happen, until Ctrl-C.",
      "Each line is TIME EVENT NAME (ID) STATUS, followed by ': REASON' when the manager gives"
          + " one. The events are those of the sessions you may reach: an admin's include the"
          + " sessions of the users of their domain, a superadmin's every session. Exits with 130"
          + " on Ctrl-C, and with 1 when the manager ends the stream or standard output is"
          + " closed."
    })
final class EventsCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SESSION",
      description = "Session name or id whose events to print. Default: every session.")
  private String session;

  @Option(
      names = "--json",
      description = "Print each event's JSON object with the API's field names, one per line.")
  private boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CliContext context = parent.context();
    BackendClient client = context.client();
    AtomicBoolean stoppedByUser = new AtomicBoolean();
    try (SessionEventStream stream = client.openSessionEvents(session);
        InterruptTrap.Installation trap =
            context
                .interruptTrap()
                .install(
                    () -> {
                      stoppedByUser.set(true);
                      stream.close();
                    })) {
      SessionEvent event;
      while ((event = stream.next()) != null) {
        out.println(json ? event.data() : formatEvent(event));
        // PrintWriter hides write errors, and the JVM ignores SIGPIPE, so without this check
        // 'bai events | head' would never end.
        if (out.checkError()) {
          return BaiCommand.EXIT_ERROR;
        }
      }
    }
    if (stoppedByUser.get()) {
      return CtrlCHandler.EXIT_CODE;
    }
    err.println("bai: the manager at " + client.config().endpoint() + " ended the event stream");
    err.flush();
    return BaiCommand.EXIT_ERROR;
  }

  /** Formats an event as {@code TIME EVENT NAME (ID) STATUS: REASON}. */
  static String formatEvent(SessionEvent event) {
    StringBuilder line =
        new StringBuilder()
            .append(orDash(PsCommand.formatTimestamp(event.at())))
            .append(' ')
            .append(orDash(event.event()))
            .append(' ')
            .append(orDash(event.displayName()))
            .append(' ')
            .append(orDash(event.status()));
    String reason = event.reason();
    if (reason != null && !reason.isBlank()) {
      line.append(": ").append(reason.replace('\n', ' '));
    }
    return line.toString();
  }

  private static String orDash(String value) {
    return value == null || value.isBlank() ? "-" : value;
  }
}
