package ai.backend.client;

import com.fasterxml.jackson.annotation.JsonAlias;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A resource preset: a named set of resource slots that clients offer to users. {@code GET
 * /admin/resource-presets} sends camelCase field names and {@code GET /resource/presets}
 * Backend.AI's snake_case ones; this record reads both.
 *
 * @param resourceSlots the slots, such as {@code cpu} and {@code mem} in bytes
 * @param sharedMemory the shared memory size, or null when the preset sets none
 */
public record ResourcePreset(
    String name,
    @JsonAlias("resource_slots") Map<String, String> resourceSlots,
    @JsonAlias("shared_memory") String sharedMemory) {

  public ResourcePreset {
    resourceSlots =
        resourceSlots == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(resourceSlots));
  }
}
