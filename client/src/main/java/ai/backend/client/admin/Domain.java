package ai.backend.client.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * A domain, which contains groups and users.
 *
 * @param isActive false when no user of the domain can authenticate
 * @param totalResourceSlots the resource slots that the domain's sessions may use together, such as
 *     {@code cpu} and {@code mem} in bytes; empty for no limit
 * @param createdAt the creation time (ISO 8601)
 * @param modifiedAt the time of the last change (ISO 8601)
 */
public record Domain(
    String name,
    String description,
    @JsonProperty("isActive") Boolean isActive,
    Map<String, String> totalResourceSlots,
    String createdAt,
    String modifiedAt) {

  public Domain {
    totalResourceSlots = Slots.copyOf(totalResourceSlots);
  }
}
