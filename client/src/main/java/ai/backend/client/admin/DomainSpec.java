package ai.backend.client.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * The fields of a domain that {@code POST /admin/domains} sets and {@code PATCH
 * /admin/domains/{name}} changes. Null fields are left out of the request: the manager applies its
 * defaults on create and keeps the current values on update.
 *
 * @param totalResourceSlots the slots the domain's sessions may use together, such as {@code cpu=8}
 *     and {@code mem=16g}; an update replaces the whole map
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DomainSpec(
    String description,
    @JsonProperty("isActive") Boolean isActive,
    Map<String, String> totalResourceSlots) {

  public DomainSpec {
    totalResourceSlots = Slots.copyOrNull(totalResourceSlots);
  }

  /** Returns a spec with no fields set. */
  public static DomainSpec empty() {
    return new DomainSpec(null, null, null);
  }

  /** Returns true when no field is set. */
  @JsonIgnore
  public boolean isEmpty() {
    return description == null && isActive == null && totalResourceSlots == null;
  }

  public DomainSpec withDescription(String newDescription) {
    return new DomainSpec(newDescription, isActive, totalResourceSlots);
  }

  public DomainSpec withActive(Boolean active) {
    return new DomainSpec(description, active, totalResourceSlots);
  }

  public DomainSpec withTotalResourceSlots(Map<String, String> slots) {
    return new DomainSpec(description, isActive, slots);
  }
}
