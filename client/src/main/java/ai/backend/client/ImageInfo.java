package ai.backend.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A kernel image as {@code GET /images} returns it.
 *
 * @param name the full image name, such as {@code backendai/python:3.11-debian12}
 * @param aliases shorter names that {@code POST /session} accepts, such as {@code python}
 * @param runtimeType the kind of kernel, such as {@code python}
 * @param labels the image's labels
 * @param minSlots the minimum resource slots a session of the image needs, such as {@code cpu=1}
 *     and {@code mem} in bytes
 */
public record ImageInfo(
    String name,
    List<String> aliases,
    String runtimeType,
    Map<String, String> labels,
    Map<String, String> minSlots) {

  public ImageInfo {
    aliases = aliases == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(aliases));
    labels = labels == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    minSlots =
        minSlots == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(minSlots));
  }
}
