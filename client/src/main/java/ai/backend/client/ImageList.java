package ai.backend.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The response of {@code GET /images}: the kernel images that sessions can use. */
public record ImageList(List<ImageInfo> items) {

  public ImageList {
    items = items == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(items));
  }
}
