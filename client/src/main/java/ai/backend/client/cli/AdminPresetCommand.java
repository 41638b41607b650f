package ai.backend.client.cli;

import ai.backend.client.ResourcePreset;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bai admin preset}: manages resource presets. */
@Command(
    name = "preset",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Manages resource presets: named sets of resource slots that clients offer to users.",
      "Only a superadmin may create, change or delete presets. Every user can list them with"
          + " 'bai presets'."
    },
    subcommands = {
      AdminPresetCommand.ListPresets.class,
      AdminPresetCommand.CreatePreset.class,
      AdminPresetCommand.PresetInfo.class,
      AdminPresetCommand.UpdatePreset.class,
      AdminPresetCommand.DeletePreset.class
    })
final class AdminPresetCommand extends CommandGroup {

  static void printPreset(PrintWriter out, ResourcePreset preset) {
    new FieldList()
        .add("Name", preset.name())
        .add("Resources", ImagesCommand.formatSlots(preset.resourceSlots()))
        .print(out);
  }

  /** The {@code -r} option of create and update, which sets all slots of the preset. */
  static final class PresetSlotOptions {
    @Option(
        names = {"-r", "--resources"},
        paramLabel = "KEY=VALUE",
        converter = KeyValue.Converter.class,
        required = true,
        description =
            "Resource slot of the preset, such as cpu=1 or mem=1g. Repeat for more slots.")
    List<KeyValue> resources = new ArrayList<>();
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Lists the resource presets as a table.")
  static final class ListPresets extends AdminSubcommand {

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      List<ResourcePreset> presets = admin().listResourcePresets();
      if (json.enabled) {
        JsonOption.print(out(), presets);
        return 0;
      }
      if (presets.isEmpty()) {
        out().println("No resource presets.");
        out().flush();
        return 0;
      }
      TextTable table = new TextTable("NAME", "RESOURCES");
      for (ResourcePreset preset : presets) {
        table.addRow(preset.name(), ImagesCommand.formatSlots(preset.resourceSlots()));
      }
      table.print(out());
      return 0;
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Creates a resource preset.")
  static final class CreatePreset extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Preset name.")
    String name;

    @Mixin PresetSlotOptions slots;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      Map<String, String> resourceSlots =
          KeyValue.toMap(slots.resources, "-r", false, spec.commandLine());
      ResourcePreset preset = admin().createResourcePreset(name, resourceSlots);
      if (json.enabled) {
        JsonOption.print(out(), preset);
        return 0;
      }
      out().println("Created resource preset " + preset.name() + ".");
      printPreset(out(), preset);
      return 0;
    }
  }

  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Prints one resource preset.")
  static final class PresetInfo extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Preset name.")
    String name;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      ResourcePreset preset = admin().getResourcePreset(name);
      if (json.enabled) {
        JsonOption.print(out(), preset);
      } else {
        printPreset(out(), preset);
      }
      return 0;
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Replaces all resource slots of a preset.")
  static final class UpdatePreset extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Preset name.")
    String name;

    @Mixin PresetSlotOptions slots;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      Map<String, String> resourceSlots =
          KeyValue.toMap(slots.resources, "-r", false, spec.commandLine());
      ResourcePreset preset = admin().updateResourcePreset(name, resourceSlots);
      if (json.enabled) {
        JsonOption.print(out(), preset);
        return 0;
      }
      out().println("Updated resource preset " + preset.name() + ".");
      printPreset(out(), preset);
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Deletes a resource preset.")
  static final class DeletePreset extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Preset name.")
    String name;

    @Override
    public Integer call() {
      admin().deleteResourcePreset(name);
      out().println("Deleted resource preset " + name + ".");
      out().flush();
      return 0;
    }
  }
}
