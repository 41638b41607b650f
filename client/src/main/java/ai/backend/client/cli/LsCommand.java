package ai.backend.client.cli;

import ai.backend.client.FileEntry;
import ai.backend.client.FileListing;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai ls}: lists a folder of a session. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Lists a folder of a session.",
      "Prints the entries of PATH in SESSION as a table sorted by name, with sizes in bytes."
    })
final class LsCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name.")
  private String session;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "PATH",
      description = "Folder relative to /home/work. Default: /home/work itself.")
  private String path;

  @Override
  public Integer call() {
    FileListing listing = parent.context().client().listFiles(session, path);
    PrintWriter out = spec.commandLine().getOut();
    if (listing.files().isEmpty()) {
      out.println("No files in " + Printable.of(listing.path()) + ".");
      out.flush();
      return 0;
    }
    List<FileEntry> entries = new ArrayList<>(listing.files());
    entries.sort(Comparator.comparing(FileEntry::filename));
    TextTable table = new TextTable("NAME", "TYPE", "SIZE", "MODE", "MODIFIED");
    for (FileEntry entry : entries) {
      table.addRow(
          entry.filename(),
          entry.type(),
          Long.toString(entry.size()),
          entry.mode(),
          PsCommand.formatTimestamp(entry.mtime()));
    }
    table.print(out);
    return 0;
  }
}
