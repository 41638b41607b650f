package ai.backend.client.cli;

import ai.backend.client.DownloadResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai download}: copies files from a session to a local folder. */
@Command(
    name = "download",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Downloads files from a session into a local folder.",
      "Downloads FILES, relative to /home/work of SESSION, and prints the paths written.",
      "One file is saved under its own name. Several files, or a folder, keep their paths below"
          + " the target folder. Links in the session are skipped, existing files are overwritten,"
          + " and nothing is written through a symbolic link in the target folder."
    })
final class DownloadCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name.")
  private String session;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "FILES",
      description = "Paths of files in the session, relative to /home/work.")
  private List<String> files;

  @Option(
      names = {"-d", "--dest"},
      paramLabel = "DIR",
      description =
          "Folder to write into; it is created when missing. Default: the working folder.")
  private Path dest;

  @Override
  public Integer call() {
    CliContext context = parent.context();
    Path target =
        dest == null ? context.workingDirectory() : context.workingDirectory().resolve(dest);
    DownloadResult result = context.client().download(session, files, target);
    PrintWriter out = spec.commandLine().getOut();
    for (Path file : result.files()) {
      out.println(Printable.of(displayPath(context.workingDirectory(), file)));
    }
    out.flush();
    if (!result.skipped().isEmpty()) {
      PrintWriter err = spec.commandLine().getErr();
      for (String skipped : result.skipped()) {
        err.println("bai: skipped " + Printable.of(skipped));
      }
      err.flush();
    }
    return 0;
  }

  /** Returns the path relative to the working folder when it lies below it. */
  private static String displayPath(Path workingDirectory, Path file) {
    Path base = workingDirectory.toAbsolutePath().normalize();
    Path absolute = file.toAbsolutePath().normalize();
    return absolute.startsWith(base) ? base.relativize(absolute).toString() : absolute.toString();
  }
}
