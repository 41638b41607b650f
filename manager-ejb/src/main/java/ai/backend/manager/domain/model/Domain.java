package ai.backend.manager.domain.model;

import ai.backend.common.resource.ResourceSlots;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A tenant: it contains groups and users, and an admin of the domain manages them. */
@Entity
@Table(name = "domains")
public class Domain {

  /** The domain that the first start creates. */
  public static final String DEFAULT = "default";

  @Id
  @Column(name = "name")
  private String name;

  @Column(name = "description")
  private String description;

  @Column(name = "is_active", nullable = false)
  private boolean active;

  @Convert(converter = SlotsConverter.class)
  @Column(name = "total_resource_slots", nullable = false)
  private ResourceSlots totalResourceSlots;

  @Column(name = "created_at", nullable = false)
  private OffsetDateTime createdAt;

  @Column(name = "modified_at", nullable = false)
  private OffsetDateTime modifiedAt;

  protected Domain() {}

  public Domain(String name, OffsetDateTime now) {
    this.name = name;
    this.active = true;
    this.totalResourceSlots = ResourceSlots.empty();
    this.createdAt = now;
    this.modifiedAt = now;
  }

  public String getName() {
    return name;
  }

  public String getDescription() {
    return description;
  }

  public void setDescription(String description) {
    this.description = description;
  }

  public boolean isActive() {
    return active;
  }

  public void setActive(boolean active) {
    this.active = active;
  }

  public ResourceSlots getTotalResourceSlots() {
    return totalResourceSlots;
  }

  public void setTotalResourceSlots(ResourceSlots totalResourceSlots) {
    this.totalResourceSlots = totalResourceSlots;
  }

  public OffsetDateTime getCreatedAt() {
    return createdAt;
  }

  public OffsetDateTime getModifiedAt() {
    return modifiedAt;
  }

  public void touch(OffsetDateTime now) {
    this.modifiedAt = now;
  }
}
