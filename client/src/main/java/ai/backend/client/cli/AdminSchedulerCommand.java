package ai.backend.client.cli;

import ai.backend.client.admin.SchedulerMetrics;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code bai admin scheduler}: prints the totals of the scheduler's placement passes. */
@Command(
    name = "scheduler",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Prints the totals of the scheduler's placement passes: passes, sessions placed, pending"
          + " timeouts, time and SQL statements.",
      "The totals count from the start of the manager node that handles the request, because"
          + " each node counts its own passes. Only a superadmin may read them."
    })
final class AdminSchedulerCommand extends AdminSubcommand {

  @Mixin JsonOption json;

  @Override
  public Integer call() {
    SchedulerMetrics metrics = admin().schedulerMetrics();
    if (json.enabled) {
      JsonOption.print(out(), metrics);
      return 0;
    }
    String timePerPass =
        metrics.passes() == 0
            ? null
            : String.format(
                Locale.ROOT, "%.1f ms", (double) metrics.passMillis() / metrics.passes());
    new FieldList()
        .add("Passes", metrics.passes())
        .add("Sessions placed", metrics.placed())
        .add("Pending timeouts", metrics.pendingTimeouts())
        .add("Time in passes", metrics.passMillis() + " ms")
        .add("Time per pass", timePerPass)
        .add("SQL statements", metrics.statements())
        .add("Statements per placement", metrics.statementsPerPlacement())
        .print(out());
    return 0;
  }
}
