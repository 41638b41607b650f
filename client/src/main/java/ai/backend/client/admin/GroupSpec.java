package ai.backend.client.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * The fields of a group that {@code POST /admin/groups} sets and {@code PATCH /admin/groups/{id}}
 * changes. Null fields are left out of the request: the manager applies its defaults on create and
 * keeps the current values on update.
 *
 * @param totalResourceSlots the slots the group's sessions may use together, such as {@code cpu=8}
 *     and {@code mem=16g}; an update replaces the whole map
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GroupSpec(
    String description,
    @JsonProperty("isActive") Boolean isActive,
    Map<String, String> totalResourceSlots) {

  public GroupSpec {
    totalResourceSlots = Slots.copyOrNull(totalResourceSlots);
  }

  /** Returns a spec with no fields set. */
  public static GroupSpec empty() {
    return new GroupSpec(null, null, null);
  }

  /** Returns true when no field is set. */
  @JsonIgnore
  public boolean isEmpty() {
    return description == null && isActive == null && totalResourceSlots == null;
  }

  public GroupSpec withDescription(String newDescription) {
    return new GroupSpec(newDescription, isActive, totalResourceSlots);
  }

  public GroupSpec withActive(Boolean active) {
    return new GroupSpec(description, active, totalResourceSlots);
  }

  public GroupSpec withTotalResourceSlots(Map<String, String> slots) {
    return new GroupSpec(description, isActive, slots);
  }
}
