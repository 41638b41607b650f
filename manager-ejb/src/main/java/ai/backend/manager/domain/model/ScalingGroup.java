package ai.backend.manager.domain.model;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * A pool of agents with its own scheduler: the order of pending sessions, the choice of agent, and
 * how long a session may wait. Domains, groups and keypairs are allowed to use it.
 */
@Entity
@Table(name = "scaling_groups")
public class ScalingGroup {

  /** The group of agents that name none. */
  public static final String DEFAULT = "default";

  @Id
  @Column(name = "name")
  private String name;

  @Column(name = "description")
  private String description;

  @Column(name = "is_active", nullable = false)
  private boolean active;

  /** fifo, lifo or drf. */
  @Column(name = "scheduler", nullable = false)
  private String scheduler;

  /** concentrated or dispersed. */
  @Column(name = "agent_selection", nullable = false)
  private String agentSelection;

  /** Seconds a session may stay PENDING before it is cancelled; 0 for no limit. */
  @Column(name = "pending_timeout", nullable = false)
  private int pendingTimeout;

  @ElementCollection
  @CollectionTable(
      name = "scaling_group_domains",
      joinColumns = @JoinColumn(name = "scaling_group"))
  @Column(name = "domain_name")
  private Set<String> domains = new LinkedHashSet<>();

  @ElementCollection
  @CollectionTable(
      name = "scaling_group_user_groups",
      joinColumns = @JoinColumn(name = "scaling_group"))
  @Column(name = "group_id")
  private Set<UUID> groups = new LinkedHashSet<>();

  @ElementCollection
  @CollectionTable(
      name = "scaling_group_keypairs",
      joinColumns = @JoinColumn(name = "scaling_group"))
  @Column(name = "access_key")
  private Set<String> keyPairs = new LinkedHashSet<>();

  @Column(name = "created_at", nullable = false)
  private OffsetDateTime createdAt;

  @Column(name = "modified_at", nullable = false)
  private OffsetDateTime modifiedAt;

  protected ScalingGroup() {}

  public ScalingGroup(String name, OffsetDateTime now) {
    this.name = name;
    this.active = true;
    this.scheduler = "fifo";
    this.agentSelection = "dispersed";
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

  public String getScheduler() {
    return scheduler;
  }

  public void setScheduler(String scheduler) {
    this.scheduler = scheduler;
  }

  public String getAgentSelection() {
    return agentSelection;
  }

  public void setAgentSelection(String agentSelection) {
    this.agentSelection = agentSelection;
  }

  public int getPendingTimeout() {
    return pendingTimeout;
  }

  public void setPendingTimeout(int pendingTimeout) {
    this.pendingTimeout = pendingTimeout;
  }

  public Set<String> getDomains() {
    return domains;
  }

  public Set<UUID> getGroups() {
    return groups;
  }

  public Set<String> getKeyPairs() {
    return keyPairs;
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
