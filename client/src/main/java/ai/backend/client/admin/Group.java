package ai.backend.client.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * A group (a project) of one domain.
 *
 * @param id the group's UUID, which names it in {@code /admin/groups/{id}}
 * @param name the name, unique within the domain
 * @param domain the name of the domain
 * @param totalResourceSlots the resource slots that the group's sessions may use together; empty
 *     for no limit
 * @param createdAt the creation time (ISO 8601)
 * @param modifiedAt the time of the last change (ISO 8601)
 */
public record Group(
    String id,
    String name,
    String domain,
    String description,
    @JsonProperty("isActive") Boolean isActive,
    Map<String, String> totalResourceSlots,
    String createdAt,
    String modifiedAt) {

  public Group {
    totalResourceSlots = Slots.copyOf(totalResourceSlots);
  }
}
