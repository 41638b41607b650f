package ai.backend.client;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The keypair that {@code POST /auth/authorize} creates for a user who logs in with a password.
 * {@link #toString} leaves the secret key out.
 *
 * @param secretKey the secret key, which the manager sends only in this response
 * @param role the user's role: {@code superadmin}, {@code admin} or {@code user}
 * @param status the user's status, {@code active}
 * @param expiresAt when the manager deletes the keypair (ISO 8601), or null
 */
public record LoginKeyPair(
    @JsonProperty("access_key") String accessKey,
    @JsonProperty("secret_key") String secretKey,
    String role,
    String status,
    @JsonProperty("expires_at") String expiresAt) {

  @Override
  public String toString() {
    return "LoginKeyPair[accessKey="
        + accessKey
        + ", secretKey=(hidden), role="
        + role
        + ", status="
        + status
        + ", expiresAt="
        + expiresAt
        + "]";
  }
}
