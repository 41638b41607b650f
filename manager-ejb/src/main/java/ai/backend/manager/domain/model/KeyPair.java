package ai.backend.manager.domain.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * An access key and its secret key, which signs the user's requests. The secret is stored encrypted
 * under the manager's master key because verifying an HMAC needs it in the clear.
 */
@Entity
@Table(name = "keypairs")
public class KeyPair {

  /** Requests per window of a keypair created without a rate limit. */
  public static final int DEFAULT_RATE_LIMIT = 5000;

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

  @Column(name = "user_uuid")
  private UUID userUuid;

  @Column(name = "resource_policy", nullable = false)
  private String resourcePolicy;

  /** Requests allowed per rate-limit window; 0 for no limit. */
  @Column(name = "rate_limit", nullable = false)
  private int rateLimit;

  /** When a keypair issued by a password login stops working; null for no end. */
  @Column(name = "expires_at")
  private OffsetDateTime expiresAt;

  protected KeyPair() {}

  public KeyPair(
      String accessKey, String encryptedSecret, String userId, boolean admin, OffsetDateTime now) {
    this.accessKey = accessKey;
    this.encryptedSecret = encryptedSecret;
    this.userId = userId;
    this.admin = admin;
    this.active = true;
    this.createdAt = now;
    this.resourcePolicy = ResourcePolicy.DEFAULT;
    this.rateLimit = DEFAULT_RATE_LIMIT;
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

  public void setAdmin(boolean admin) {
    this.admin = admin;
  }

  public UUID getUserUuid() {
    return userUuid;
  }

  public void setUser(User user) {
    this.userUuid = user.getUuid();
    this.userId = user.getEmail();
    this.admin = user.getRole().isAdmin();
  }

  public String getResourcePolicy() {
    return resourcePolicy;
  }

  public void setResourcePolicy(String resourcePolicy) {
    this.resourcePolicy = resourcePolicy;
  }

  public int getRateLimit() {
    return rateLimit;
  }

  public void setRateLimit(int rateLimit) {
    this.rateLimit = rateLimit;
  }

  public OffsetDateTime getExpiresAt() {
    return expiresAt;
  }

  public void setExpiresAt(OffsetDateTime expiresAt) {
    this.expiresAt = expiresAt;
  }
}
