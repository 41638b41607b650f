package ai.backend.manager.domain.model;

import ai.backend.common.resource.ResourceSlots;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.OffsetDateTime;
import java.util.UUID;

/** One container of a session, on one agent. */
@Entity
@Table(name = "kernels")
public class Kernel {

  @Id
  @Column(name = "id")
  private UUID id;

  @ManyToOne(fetch = FetchType.LAZY, optional = false)
  @JoinColumn(name = "session_id", nullable = false)
  private Session session;

  @Column(name = "agent_id")
  private String agentId;

  @Column(name = "container_id")
  private String containerId;

  @Column(name = "image", nullable = false)
  private String image;

  @Enumerated(EnumType.STRING)
  @Column(name = "status", nullable = false)
  private KernelStatus status;

  @Column(name = "status_info")
  private String statusInfo;

  @Column(name = "status_changed_at", nullable = false)
  private OffsetDateTime statusChangedAt;

  @Convert(converter = SlotsConverter.class)
  @Column(name = "occupied_slots", nullable = false)
  private ResourceSlots occupiedSlots;

  @Column(name = "created_at", nullable = false)
  private OffsetDateTime createdAt;

  @Column(name = "terminated_at")
  private OffsetDateTime terminatedAt;

  @Version
  @Column(name = "version", nullable = false)
  private long version;

  protected Kernel() {}

  Kernel(Session session, String image, ResourceSlots slots, OffsetDateTime now) {
    this.id = UUID.randomUUID();
    this.session = session;
    this.image = image;
    this.occupiedSlots = slots;
    this.status = KernelStatus.PENDING;
    this.statusChangedAt = now;
    this.createdAt = now;
  }

  /** Changes the status; a final status also records the end time. */
  public void transition(KernelStatus next, String info, OffsetDateTime now) {
    this.status = next;
    this.statusInfo = Session.truncate(info);
    this.statusChangedAt = now;
    if ((next == KernelStatus.TERMINATED || next == KernelStatus.ERROR) && terminatedAt == null) {
      this.terminatedAt = now;
    }
  }

  public void assignAgent(String agentId) {
    this.agentId = agentId;
  }

  public void setContainerId(String containerId) {
    this.containerId = containerId;
  }

  public UUID getId() {
    return id;
  }

  public Session getSession() {
    return session;
  }

  public String getAgentId() {
    return agentId;
  }

  public String getContainerId() {
    return containerId;
  }

  public String getImage() {
    return image;
  }

  public KernelStatus getStatus() {
    return status;
  }

  public String getStatusInfo() {
    return statusInfo;
  }

  public OffsetDateTime getStatusChangedAt() {
    return statusChangedAt;
  }

  public ResourceSlots getOccupiedSlots() {
    return occupiedSlots;
  }

  public OffsetDateTime getCreatedAt() {
    return createdAt;
  }

  public OffsetDateTime getTerminatedAt() {
    return terminatedAt;
  }
}
