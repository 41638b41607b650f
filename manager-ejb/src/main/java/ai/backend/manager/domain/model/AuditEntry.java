package ai.backend.manager.domain.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** One line of the audit log: who did what to which object, and when. Never changed. */
@Entity
@Table(name = "audit_log")
public class AuditEntry {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  @Column(name = "id")
  private Long id;

  @Column(name = "created_at", nullable = false)
  private OffsetDateTime createdAt;

  @Column(name = "actor_access_key")
  private String actorAccessKey;

  @Column(name = "actor_email")
  private String actorEmail;

  @Column(name = "action", nullable = false)
  private String action;

  @Column(name = "target_type", nullable = false)
  private String targetType;

  @Column(name = "target_id", nullable = false)
  private String targetId;

  @Column(name = "domain_name")
  private String domainName;

  @Column(name = "detail")
  private String detail;

  protected AuditEntry() {}

  public AuditEntry(
      OffsetDateTime createdAt,
      String actorAccessKey,
      String actorEmail,
      String action,
      String targetType,
      String targetId,
      String domainName,
      String detail) {
    this.createdAt = createdAt;
    this.actorAccessKey = actorAccessKey;
    this.actorEmail = actorEmail;
    this.action = action;
    this.targetType = targetType;
    this.targetId = targetId;
    this.domainName = domainName;
    this.detail = detail;
  }

  public Long getId() {
    return id;
  }

  public OffsetDateTime getCreatedAt() {
    return createdAt;
  }

  public String getActorAccessKey() {
    return actorAccessKey;
  }

  public String getActorEmail() {
    return actorEmail;
  }

  public String getAction() {
    return action;
  }

  public String getTargetType() {
    return targetType;
  }

  public String getTargetId() {
    return targetId;
  }

  public String getDomainName() {
    return domainName;
  }

  public String getDetail() {
    return detail;
  }
}
