package ai.backend.manager.domain.model;

import ai.backend.common.resource.ResourceSlots;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A keypair resource policy: the limits that hold for every keypair that uses it. */
@Entity
@Table(name = "keypair_resource_policies")
public class ResourcePolicy {

  /** The policy that the first start creates and new keypairs get. */
  public static final String DEFAULT = "default";

  public static final String LIMITED = "LIMITED";
  public static final String UNLIMITED = "UNLIMITED";

  @Id
  @Column(name = "name")
  private String name;

  /** Whether a slot absent from the total is unlimited ({@code UNLIMITED}) or zero. */
  @Column(name = "default_for_unspecified", nullable = false)
  private String defaultForUnspecified;

  @Convert(converter = SlotsConverter.class)
  @Column(name = "total_resource_slots", nullable = false)
  private ResourceSlots totalResourceSlots;

  @Column(name = "max_concurrent_sessions", nullable = false)
  private int maxConcurrentSessions;

  @Column(name = "max_containers_per_session", nullable = false)
  private int maxContainersPerSession;

  /** Seconds without API activity after which a session ends; 0 for no limit. */
  @Column(name = "idle_timeout", nullable = false)
  private int idleTimeout;

  /** Seconds after its creation at which a session ends; 0 for no limit. */
  @Column(name = "max_session_lifetime", nullable = false)
  private int maxSessionLifetime;

  @Column(name = "created_at", nullable = false)
  private OffsetDateTime createdAt;

  @Column(name = "modified_at", nullable = false)
  private OffsetDateTime modifiedAt;

  protected ResourcePolicy() {}

  public ResourcePolicy(String name, OffsetDateTime now) {
    this.name = name;
    this.defaultForUnspecified = UNLIMITED;
    this.totalResourceSlots = ResourceSlots.empty();
    this.maxConcurrentSessions = 30;
    this.maxContainersPerSession = 1;
    this.createdAt = now;
    this.modifiedAt = now;
  }

  public String getName() {
    return name;
  }

  public String getDefaultForUnspecified() {
    return defaultForUnspecified;
  }

  public void setDefaultForUnspecified(String defaultForUnspecified) {
    this.defaultForUnspecified = defaultForUnspecified;
  }

  public boolean unspecifiedIsUnlimited() {
    return UNLIMITED.equals(defaultForUnspecified);
  }

  public ResourceSlots getTotalResourceSlots() {
    return totalResourceSlots;
  }

  public void setTotalResourceSlots(ResourceSlots totalResourceSlots) {
    this.totalResourceSlots = totalResourceSlots;
  }

  public int getMaxConcurrentSessions() {
    return maxConcurrentSessions;
  }

  public void setMaxConcurrentSessions(int maxConcurrentSessions) {
    this.maxConcurrentSessions = maxConcurrentSessions;
  }

  public int getMaxContainersPerSession() {
    return maxContainersPerSession;
  }

  public void setMaxContainersPerSession(int maxContainersPerSession) {
    this.maxContainersPerSession = maxContainersPerSession;
  }

  public int getIdleTimeout() {
    return idleTimeout;
  }

  public void setIdleTimeout(int idleTimeout) {
    this.idleTimeout = idleTimeout;
  }

  public int getMaxSessionLifetime() {
    return maxSessionLifetime;
  }

  public void setMaxSessionLifetime(int maxSessionLifetime) {
    this.maxSessionLifetime = maxSessionLifetime;
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
