package ai.backend.client.cli;

import ai.backend.client.SessionInfo;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai info}: prints one session's details. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = "Prints the details of one session.")
final class InfoCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name.")
  private String session;

  @Override
  public Integer call() {
    SessionInfo info = parent.context().client().getSession(session);
    PrintWriter out = spec.commandLine().getOut();
    printField(out, "Session ID", info.sessionId());
    printField(out, "Name", info.sessionName());
    printField(out, "Image", info.image());
    printField(out, "Status", info.status());
    printField(out, "Status info", info.statusInfo());
    printField(out, "Created at", info.createdAt());
    printField(out, "Terminated at", info.terminatedAt());
    printField(out, "Agent", info.agent());
    printField(out, "Occupied slots", formatSlots(info.occupiedSlots()));
    printField(out, "Requested slots", formatSlots(info.requestedSlots()));
    out.flush();
    return 0;
  }

  private static void printField(PrintWriter out, String label, String value) {
    out.printf("%-16s %s%n", label + ":", value == null || value.isEmpty() ? "-" : value);
  }

  private static String formatSlots(Map<String, String> slots) {
    return slots.entrySet().stream()
        .map(slot -> slot.getKey() + "=" + slot.getValue())
        .collect(Collectors.joining(", "));
  }
}
