package ai.backend.manager.domain.model;

import ai.backend.common.resource.ResourceSlots;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A group (Backend.AI's project) of users within one domain. */
@Entity
@Table(name = "user_groups")
public class UserGroup {

  /** The id of the group {@code default} of the domain {@code default}. */
  public static final UUID DEFAULT_ID = UUID.fromString("2de2b9b1-3f3c-4f05-9e8a-5a1d7d0c0001");

  @Id
  @Column(name = "id")
  private UUID id;

  @Column(name = "domain_name", nullable = false)
  private String domainName;

  @Column(name = "name", nullable = false)
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

  protected UserGroup() {}

  public UserGroup(String domainName, String name, OffsetDateTime now) {
    this.id = UUID.randomUUID();
    this.domainName = domainName;
    this.name = name;
    this.active = true;
    this.totalResourceSlots = ResourceSlots.empty();
    this.createdAt = now;
    this.modifiedAt = now;
  }

  public UUID getId() {
    return id;
  }

  public String getDomainName() {
    return domainName;
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
