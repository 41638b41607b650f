package ai.backend.manager.domain.model;

import ai.backend.common.resource.ResourceSlots;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A named set of resource slots that clients offer when a user creates a session. */
@Entity
@Table(name = "resource_presets")
public class ResourcePreset {

  @Id
  @Column(name = "name")
  private String name;

  @Convert(converter = SlotsConverter.class)
  @Column(name = "resource_slots", nullable = false)
  private ResourceSlots resourceSlots;

  @Column(name = "created_at", nullable = false)
  private OffsetDateTime createdAt;

  @Column(name = "modified_at", nullable = false)
  private OffsetDateTime modifiedAt;

  protected ResourcePreset() {}

  public ResourcePreset(String name, ResourceSlots resourceSlots, OffsetDateTime now) {
    this.name = name;
    this.resourceSlots = resourceSlots;
    this.createdAt = now;
    this.modifiedAt = now;
  }

  public String getName() {
    return name;
  }

  public ResourceSlots getResourceSlots() {
    return resourceSlots;
  }

  public void setResourceSlots(ResourceSlots resourceSlots) {
    this.resourceSlots = resourceSlots;
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
