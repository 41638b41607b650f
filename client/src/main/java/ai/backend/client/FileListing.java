package ai.backend.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The response of {@code GET /session/{idOrName}/files}: one folder of the session.
 *
 * @param path the folder's absolute path inside the session, such as {@code /home/work}
 * @param files the folder's entries, in the order the manager sent them
 */
public record FileListing(String path, List<FileEntry> files) {

  public FileListing {
    files = files == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(files));
  }
}
