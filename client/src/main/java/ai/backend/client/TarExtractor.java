package ai.backend.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Extracts a tar archive that the manager sent into a local folder.
 *
 * <p>The whole archive is read and checked before anything is written: an entry with an absolute
 * path or a {@code ..} segment rejects the archive. Symbolic links, hard links and special files
 * are skipped and reported, so no entry can make a later one write outside the folder. Files and
 * folders are written through {@link SafeFileWriter}.
 */
final class TarExtractor {

  /** One entry to write: a regular file with its content, or a folder when content is null. */
  private record Entry(String path, byte[] content, int mode) {}

  private TarExtractor() {}

  /**
   * Extracts an archive below a folder.
   *
   * @throws BackendClientException if the archive is unreadable or has an entry that would leave
   *     the folder, in which case nothing is written, or if writing a file fails
   */
  static DownloadResult extract(byte[] archive, Path targetDir, String source) {
    List<Entry> entries = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    readEntries(archive, source, entries, skipped);

    SafeFileWriter writer = new SafeFileWriter(targetDir);
    List<Path> written = new ArrayList<>();
    for (Entry entry : entries) {
      try {
        if (entry.content() == null) {
          writer.createDirectories(entry.path());
        } else {
          written.add(writer.write(entry.path(), entry.content(), entry.mode()));
        }
      } catch (IOException | InvalidPathException e) {
        throw new BackendClientException(
            "failed to write " + entry.path() + " from " + source + ": " + e.getMessage(), e);
      }
    }
    return new DownloadResult(written, skipped);
  }

  /** Returns true for the archive's own top folder, such as {@code ./}, which names no entry. */
  private static boolean isTargetItself(String name) {
    for (String segment : name.split("/")) {
      if (!segment.isEmpty() && !segment.equals(".")) {
        return false;
      }
    }
    return true;
  }

  private static void readEntries(
      byte[] archive, String source, List<Entry> entries, List<String> skipped) {
    // Names are UTF-8, as the agent writes them, whatever this JVM's default charset is.
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(
            new ByteArrayInputStream(archive), StandardCharsets.UTF_8.name())) {
      TarArchiveEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        if (entry.isDirectory() && isTargetItself(entry.getName())) {
          continue;
        }
        String path;
        try {
          path = SafeFileWriter.checkRelative(entry.getName());
        } catch (IllegalArgumentException unsafe) {
          throw new BackendClientException(
              "rejected the archive from "
                  + source
                  + " because it contains "
                  + unsafe.getMessage()
                  + "; no file was written");
        }
        if (entry.isDirectory()) {
          entries.add(new Entry(path, null, -1));
        } else if (entry.isSymbolicLink() || entry.isLink()) {
          skipped.add(path + " (link to " + entry.getLinkName() + ")");
        } else if (entry.isFile()) {
          entries.add(new Entry(path, in.readAllBytes(), entry.getMode()));
        } else {
          skipped.add(path + " (not a regular file)");
        }
      }
    } catch (IOException e) {
      throw new BackendClientException(
          "the tar archive from " + source + " is unreadable: " + e.getMessage(), e);
    }
  }
}
