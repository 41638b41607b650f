package ai.backend.client.admin;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A keypair as the manager lists it, without its secret key.
 *
 * @param userId the email of the keypair's user
 * @param userUuid the UUID of the keypair's user
 * @param isActive false when the manager rejects requests signed with this keypair
 * @param isAdmin true when the user's role is {@code admin} or {@code superadmin}
 * @param resourcePolicy the name of the keypair resource policy that limits its sessions
 * @param rateLimit the number of requests allowed per rate limit window, 0 for no limit
 * @param createdAt the creation time (ISO 8601)
 * @param lastUsed the time of the last authenticated request, or null
 * @param expiresAt the expiry time of a keypair made by a login, or null for none
 */
public record KeyPair(
    String accessKey,
    String userId,
    String userUuid,
    @JsonProperty("isActive") Boolean isActive,
    @JsonProperty("isAdmin") Boolean isAdmin,
    String resourcePolicy,
    Integer rateLimit,
    String createdAt,
    String lastUsed,
    String expiresAt) {}
