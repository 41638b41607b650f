package ai.backend.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai upload}: copies local files into a session. */
@Command(
    name = "upload",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Uploads local files into a session.",
      "Uploads FILES into the /home/work folder of SESSION, keeping each file's path relative to"
          + " the working folder, so src/util.c lands in /home/work/src/util.c. Existing files are"
          + " overwritten. All files together may have at most 64 MiB."
    })
final class UploadCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SESSION", description = "Session id or name.")
  private String session;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "FILES",
      description = "Files to upload, relative to the working folder.")
  private List<String> files;

  @Override
  public Integer call() throws IOException {
    CliContext context = parent.context();
    Map<String, Path> uploads =
        UploadArguments.toUploads(files, context.workingDirectory(), spec.commandLine());
    long bytes = 0;
    for (Path file : uploads.values()) {
      bytes += Files.size(file);
    }
    context.client().upload(session, uploads);
    PrintWriter out = spec.commandLine().getOut();
    for (String destination : uploads.keySet()) {
      out.println("Uploaded " + destination);
    }
    out.println(
        "Uploaded "
            + uploads.size()
            + (uploads.size() == 1 ? " file" : " files")
            + " ("
            + bytes
            + " bytes) to session "
            + session
            + ".");
    out.flush();
    return 0;
  }
}
