package ai.backend.client;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The outcome of {@link BackendClient#download}.
 *
 * @param files the local files written, in archive order
 * @param skipped archive entries that were not written, each with the reason, such as links
 */
public record DownloadResult(List<Path> files, List<String> skipped) {

  public DownloadResult {
    files = files == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(files));
    skipped = skipped == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(skipped));
  }
}
