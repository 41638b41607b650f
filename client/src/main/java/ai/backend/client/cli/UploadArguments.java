package ai.backend.client.cli;

import ai.backend.client.BackendClient;
import ai.backend.client.SessionPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Turns FILES arguments into upload destinations. Each file keeps its path relative to the working
 * folder, so {@code src/util.c} lands in the session's {@code /home/work/src/util.c}.
 */
final class UploadArguments {

  private UploadArguments() {}

  /**
   * Returns each destination path with its local file, in argument order.
   *
   * @throws ParameterException if an argument is absolute or has a {@code ..} segment, names a
   *     missing file or a folder, repeats a destination, or the files total more than {@link
   *     BackendClient#MAX_UPLOAD_BYTES}
   */
  static Map<String, Path> toUploads(
      List<String> arguments, Path workingDirectory, CommandLine commandLine) {
    Map<String, Path> uploads = new LinkedHashMap<>();
    long total = 0;
    for (String argument : arguments) {
      String destination = destinationOf(argument, commandLine);
      if (uploads.containsKey(destination)) {
        throw new ParameterException(
            commandLine, "FILES names " + destination + " twice; give each file once");
      }
      Path local = workingDirectory.resolve(argument);
      if (!Files.isRegularFile(local)) {
        throw new ParameterException(
            commandLine,
            Files.isDirectory(local)
                ? "'" + argument + "' is a folder; name the files in it"
                : "file '" + argument + "' not found");
      }
      try {
        total += Files.size(local);
      } catch (IOException e) {
        throw new ParameterException(
            commandLine, "cannot read '" + argument + "': " + e.getMessage());
      }
      uploads.put(destination, local);
    }
    if (total > BackendClient.MAX_UPLOAD_BYTES) {
      throw new ParameterException(
          commandLine,
          "the files total "
              + total
              + " bytes, over the upload limit of "
              + BackendClient.MAX_UPLOAD_BYTES
              + " bytes (64 MiB)");
    }
    return uploads;
  }

  /** Returns the argument as a relative path with {@code /} separators and no {@code .} segment. */
  private static String destinationOf(String argument, CommandLine commandLine) {
    if (argument.isEmpty()) {
      throw new ParameterException(commandLine, "a file argument is empty");
    }
    Path path;
    try {
      path = Path.of(argument);
    } catch (InvalidPathException e) {
      throw new ParameterException(commandLine, "invalid file name '" + argument + "'");
    }
    if (path.isAbsolute() || argument.startsWith("/")) {
      throw new ParameterException(
          commandLine,
          "file '"
              + argument
              + "' is not a relative path; give files relative to the working folder, because"
              + " they keep that path in the session");
    }
    StringBuilder destination = new StringBuilder();
    for (Path segment : path) {
      String name = segment.toString();
      if (name.equals("..")) {
        throw new ParameterException(
            commandLine,
            "file '"
                + argument
                + "' has a '..' segment; give files below the working folder, because they keep"
                + " that path in the session");
      }
      if (name.equals(".")) {
        continue;
      }
      if (destination.length() > 0) {
        destination.append('/');
      }
      destination.append(name);
    }
    try {
      return SessionPaths.requireRelative(destination.toString());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(commandLine, e.getMessage());
    }
  }
}
