package ai.backend.manager.domain.model;

import ai.backend.common.resource.ResourceSlots;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A compute host that runs kernels, as known from its heartbeats. */
@Entity
@Table(name = "agents")
public class Agent {

  @Id
  @Column(name = "id")
  private String id;

  @Enumerated(EnumType.STRING)
  @Column(name = "status", nullable = false)
  private AgentStatus status;

  @Column(name = "hostname")
  private String hostname;

  @Column(name = "version")
  private String version;

  @Column(name = "scaling_group", nullable = false)
  private String scalingGroup;

  @Convert(converter = SlotsConverter.class)
  @Column(name = "available_slots", nullable = false)
  private ResourceSlots availableSlots;

  @Column(name = "heartbeat_interval_seconds", nullable = false)
  private int heartbeatIntervalSeconds;

  @Column(name = "first_contact", nullable = false)
  private OffsetDateTime firstContact;

  @Column(name = "last_heartbeat", nullable = false)
  private OffsetDateTime lastHeartbeat;

  @Column(name = "lost_at")
  private OffsetDateTime lostAt;

  protected Agent() {}

  public Agent(String id, OffsetDateTime now) {
    this.id = id;
    this.status = AgentStatus.ALIVE;
    this.firstContact = now;
    this.lastHeartbeat = now;
    this.availableSlots = ResourceSlots.empty();
    this.scalingGroup = "default";
  }

  /** Records a heartbeat; a LOST agent becomes ALIVE again. */
  public void recordHeartbeat(
      String hostname,
      String version,
      String scalingGroup,
      ResourceSlots availableSlots,
      int intervalSeconds,
      OffsetDateTime now) {
    this.hostname = hostname;
    this.version = version;
    this.scalingGroup = scalingGroup == null || scalingGroup.isBlank() ? "default" : scalingGroup;
    this.availableSlots = availableSlots;
    this.heartbeatIntervalSeconds = intervalSeconds;
    this.lastHeartbeat = now;
    this.status = AgentStatus.ALIVE;
    this.lostAt = null;
  }

  /** Marks the agent LOST after missed heartbeats. */
  public void markLost(OffsetDateTime now) {
    this.status = AgentStatus.LOST;
    this.lostAt = now;
  }

  public String getId() {
    return id;
  }

  public AgentStatus getStatus() {
    return status;
  }

  public String getHostname() {
    return hostname;
  }

  public String getVersion() {
    return version;
  }

  public String getScalingGroup() {
    return scalingGroup;
  }

  public ResourceSlots getAvailableSlots() {
    return availableSlots;
  }

  public int getHeartbeatIntervalSeconds() {
    return heartbeatIntervalSeconds;
  }

  public OffsetDateTime getFirstContact() {
    return firstContact;
  }

  public OffsetDateTime getLastHeartbeat() {
    return lastHeartbeat;
  }

  public OffsetDateTime getLostAt() {
    return lostAt;
  }
}
