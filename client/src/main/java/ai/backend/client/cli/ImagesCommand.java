package ai.backend.client.cli;

import ai.backend.client.ImageInfo;
import ai.backend.client.ImageList;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai images}: lists the kernel images. */
@Command(
    name = "images",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Lists the kernel images and their aliases.",
      "Lists the kernel images that 'bai run' accepts, by full name or by alias, with the"
          + " smallest resources a session of each needs."
    })
final class ImagesCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    ImageList images = parent.context().client().images();
    PrintWriter out = spec.commandLine().getOut();
    if (images.items().isEmpty()) {
      out.println("No images.");
      out.flush();
      return 0;
    }
    TextTable table = new TextTable("NAME", "ALIASES", "RUNTIME", "MIN RESOURCES");
    for (ImageInfo image : images.items()) {
      table.addRow(
          image.name(),
          String.join(", ", image.aliases()),
          image.runtimeType(),
          formatSlots(image.minSlots()));
    }
    table.print(out);
    return 0;
  }

  /** Formats slots as {@code cpu=1, mem=256m}, with memory in the units that -r accepts. */
  static String formatSlots(Map<String, String> slots) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, String> slot : slots.entrySet()) {
      String value = slot.getKey().equals("mem") ? formatBytes(slot.getValue()) : slot.getValue();
      parts.add(slot.getKey() + "=" + value);
    }
    return String.join(", ", parts);
  }

  /** Writes a byte count as {@code g}, {@code m} or {@code k} when it is a whole number of them. */
  static String formatBytes(String bytes) {
    long value;
    try {
      value = Long.parseLong(bytes.trim());
    } catch (NumberFormatException notBytes) {
      return bytes;
    }
    String[] suffixes = {"g", "m", "k"};
    long[] units = {1L << 30, 1L << 20, 1L << 10};
    for (int i = 0; i < units.length; i++) {
      if (value > 0 && value % units[i] == 0) {
        return value / units[i] + suffixes[i];
      }
    }
    return bytes.trim();
  }
}
