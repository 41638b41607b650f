package ai.backend.client.cli;

import ai.backend.client.admin.Agent;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bai admin agents}: lists the agents with their capacity and free slots. */
@Command(
    name = "agents",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Lists the agents as a table, with their free and total CPU and memory.",
      "An agent is LOST when its heartbeats stopped, and ALIVE again when they return. Only a"
          + " superadmin may list agents."
    })
final class AdminAgentsCommand extends AdminSubcommand {

  private static final String[] BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

  private static final BigDecimal KIB = BigDecimal.valueOf(1024);

  @Option(
      names = {"-g", "--scaling-group"},
      paramLabel = "NAME",
      description = "List only the agents of this scaling group.")
  String scalingGroup;

  @Mixin JsonOption json;

  @Override
  public Integer call() {
    List<Agent> agents = admin().listAgents();
    if (scalingGroup != null) {
      agents = agents.stream().filter(agent -> scalingGroup.equals(agent.scalingGroup())).toList();
    }
    if (json.enabled) {
      JsonOption.print(out(), agents);
      return 0;
    }
    if (agents.isEmpty()) {
      out()
          .println(
              scalingGroup == null
                  ? "No agents."
                  : "No agents in scaling group " + scalingGroup + ".");
      out().flush();
      return 0;
    }
    TextTable table =
        new TextTable(
            "ID", "STATUS", "SCALING GROUP", "CPU FREE/TOTAL", "MEM FREE/TOTAL", "LAST HEARTBEAT");
    for (Agent agent : agents) {
      table.addRow(
          agent.id(),
          agent.status(),
          agent.scalingGroup(),
          freeOfTotal(agent, "cpu"),
          freeOfTotal(agent, "mem"),
          PsCommand.formatTimestamp(agent.lastHeartbeat()));
    }
    table.print(out());
    return 0;
  }

  /** Returns {@code free/total} of one slot, memory in binary units, or null when unknown. */
  private static String freeOfTotal(Agent agent, String slot) {
    String total = agent.availableSlots().get(slot);
    if (total == null) {
      return null;
    }
    String free = agent.freeSlots().getOrDefault(slot, "-");
    if (slot.equals("mem")) {
      return formatBinary(free) + "/" + formatBinary(total);
    }
    return formatAmount(free) + "/" + formatAmount(total);
  }

  /** Writes a number without trailing zeros, such as {@code 2} for {@code 2.000}. */
  static String formatAmount(String amount) {
    try {
      return new BigDecimal(amount.trim()).stripTrailingZeros().toPlainString();
    } catch (NumberFormatException notNumber) {
      return amount;
    }
  }

  /**
   * Writes a byte count in the largest binary unit that keeps the number at 1 or more, with one
   * decimal unless it is 0, such as {@code 7.5 GiB} or {@code 512 MiB}. Other text stays as it is.
   */
  static String formatBinary(String bytes) {
    BigDecimal value;
    try {
      value = new BigDecimal(bytes.trim());
    } catch (NumberFormatException notNumber) {
      return bytes;
    }
    int unit = 0;
    while (unit < BINARY_UNITS.length - 1 && value.abs().compareTo(KIB) >= 0) {
      value = value.divide(KIB);
      unit++;
    }
    String number = value.setScale(1, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    return number + " " + BINARY_UNITS[unit];
  }
}
