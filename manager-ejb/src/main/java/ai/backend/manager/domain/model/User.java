package ai.backend.manager.domain.model;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.JoinTable;
import jakarta.persistence.ManyToMany;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/** A person or service account of a domain, with a role and memberships in groups. */
@Entity
@Table(name = "users")
public class User {

  public static final String ACTIVE = "active";
  public static final String INACTIVE = "inactive";

  @Id
  @Column(name = "uuid")
  private UUID uuid;

  @Column(name = "email", nullable = false)
  private String email;

  @Column(name = "username", nullable = false)
  private String username;

  /** The PBKDF2 hash of the password, or null when the user cannot log in with a password. */
  @Column(name = "password_hash")
  private String passwordHash;

  @Column(name = "full_name")
  private String fullName;

  @Column(name = "domain_name", nullable = false)
  private String domainName;

  @Convert(converter = UserRoleConverter.class)
  @Column(name = "role", nullable = false)
  private UserRole role;

  @Column(name = "status", nullable = false)
  private String status;

  @ManyToMany
  @JoinTable(
      name = "group_members",
      joinColumns = @JoinColumn(name = "user_uuid"),
      inverseJoinColumns = @JoinColumn(name = "group_id"))
  private Set<UserGroup> groups = new LinkedHashSet<>();

  @Column(name = "created_at", nullable = false)
  private OffsetDateTime createdAt;

  @Column(name = "modified_at", nullable = false)
  private OffsetDateTime modifiedAt;

  protected User() {}

  public User(String email, String username, String domainName, UserRole role, OffsetDateTime now) {
    this.uuid = UUID.randomUUID();
    this.email = email;
    this.username = username;
    this.domainName = domainName;
    this.role = role;
    this.status = ACTIVE;
    this.createdAt = now;
    this.modifiedAt = now;
  }

  public UUID getUuid() {
    return uuid;
  }

  public String getEmail() {
    return email;
  }

  public String getUsername() {
    return username;
  }

  public void setUsername(String username) {
    this.username = username;
  }

  public String getPasswordHash() {
    return passwordHash;
  }

  public void setPasswordHash(String passwordHash) {
    this.passwordHash = passwordHash;
  }

  public String getFullName() {
    return fullName;
  }

  public void setFullName(String fullName) {
    this.fullName = fullName;
  }

  public String getDomainName() {
    return domainName;
  }

  public UserRole getRole() {
    return role;
  }

  public void setRole(UserRole role) {
    this.role = role;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public boolean isActive() {
    return ACTIVE.equals(status);
  }

  public Set<UserGroup> getGroups() {
    return groups;
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
