package ai.backend.client.cli;

import ai.backend.client.PresetCheck;
import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai presets}: shows which resource presets a new session could use now. */
@Command(
    name = "presets",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Lists the resource presets and which of them fit now.",
      "A preset is allocatable when it fits both the remaining resources of your keypair's"
          + " resource policy and the free resources of one agent. A second table shows your"
          + " keypair's limits and usage."
    })
final class PresetsCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Option(
      names = "--scaling-group",
      paramLabel = "NAME",
      description = "Scaling group to check. Default: the manager's default.")
  private String scalingGroup;

  @Mixin private JsonOption json;

  @Override
  public Integer call() {
    PresetCheck check = parent.context().client().checkPresets(scalingGroup);
    PrintWriter out = spec.commandLine().getOut();
    if (json.enabled) {
      JsonOption.print(out, check);
      return 0;
    }
    if (check.presets().isEmpty()) {
      out.println("No resource presets.");
    } else {
      TextTable presets = new TextTable("PRESET", "RESOURCES", "ALLOCATABLE");
      for (PresetCheck.Allocatable preset : check.presets()) {
        presets.addRow(
            preset.name(),
            ImagesCommand.formatSlots(preset.resourceSlots()),
            preset.allocatable() ? "yes" : "no");
      }
      presets.print(out);
    }
    out.println();

    Set<String> slots = new LinkedHashSet<>(check.keypairLimits().keySet());
    slots.addAll(check.keypairUsing().keySet());
    slots.addAll(check.keypairRemaining().keySet());
    slots.addAll(check.scalingGroupRemaining().keySet());
    TextTable usage =
        new TextTable(
            "SLOT",
            "KEYPAIR LIMIT",
            "KEYPAIR USING",
            "KEYPAIR REMAINING",
            "SCALING GROUP REMAINING");
    for (String slot : slots) {
      usage.addRow(
          slot,
          slotValue(check.keypairLimits(), slot),
          slotValue(check.keypairUsing(), slot),
          slotValue(check.keypairRemaining(), slot),
          slotValue(check.scalingGroupRemaining(), slot));
    }
    usage.print(out);
    return 0;
  }

  /** Formats one slot value, memory in the units that -r accepts, {@code Infinity} as it is. */
  private static String slotValue(Map<String, String> slots, String slot) {
    String value = slots.get(slot);
    if (value == null) {
      return null;
    }
    return slot.equals("mem") ? ImagesCommand.formatBytes(value) : value;
  }
}
