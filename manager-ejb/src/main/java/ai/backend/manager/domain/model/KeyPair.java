package ai.backend.manager.domain.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/**
 * An access key and its secret key, which signs the user's requests. The secret is stored encrypted
 * under the manager's master key because verifying an HMAC needs it in the clear.
 */
@Entity
@Table(name = "keypairs")
public class KeyPair {

  @Id
  @Column(name = "access_key")
  private String accessKey;

  @Column(name = "encrypted_secret", nullable = false)
  private String encryptedSecret;

  @Column(name = "user_id", nullable = false)
  private String userId;

  @Column(name = "is_admin", nullable = false)
  private boolean admin;

  @Column(name = "is_active", nullable = false)
  private boolean active;

  @Column(name = "created_at", nullable = false)
  private OffsetDateTime createdAt;

  @Column(name = "last_used")
  private OffsetDateTime lastUsed;

  protected KeyPair() {}

  public KeyPair(
      String accessKey, String encryptedSecret, String userId, boolean admin, OffsetDateTime now) {
    this.accessKey = accessKey;
    this.encryptedSecret = encryptedSecret;
    this.userId = userId;
    this.admin = admin;
    this.active = true;
    this.createdAt = now;
  }

  public String getAccessKey() {
    return accessKey;
  }

  public String getEncryptedSecret() {
    return encryptedSecret;
  }

  public String getUserId() {
    return userId;
  }

  public boolean isAdmin() {
    return admin;
  }

  public boolean isActive() {
    return active;
  }

  public void setActive(boolean active) {
    this.active = active;
  }

  public OffsetDateTime getCreatedAt() {
    return createdAt;
  }

  public OffsetDateTime getLastUsed() {
    return lastUsed;
  }

  public void setLastUsed(OffsetDateTime lastUsed) {
    this.lastUsed = lastUsed;
  }
}
