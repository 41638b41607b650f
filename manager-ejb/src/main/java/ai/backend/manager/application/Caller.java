package ai.backend.manager.application;

import ai.backend.manager.domain.model.UserRole;
import java.util.UUID;

/**
 * The identity behind a request: the signing keypair and its user, and the keypair the request acts
 * for ({@code owner_access_key}), which {@link AccessControl#forRequest} has checked.
 *
 * @param accessKey the keypair that signed the request
 * @param userUuid the keypair's user
 * @param email the user's email, for logs and the audit log
 * @param role the user's role
 * @param domainName the user's domain
 * @param ownerAccessKey the keypair the request acts for; the signing keypair unless an admin named
 *     another
 */
public record Caller(
    String accessKey,
    UUID userUuid,
    String email,
    UserRole role,
    String domainName,
    String ownerAccessKey) {

  /** Returns true when the request acts for another keypair than the one that signed it. */
  public boolean actsForOther() {
    return !ownerAccessKey.equals(accessKey);
  }

  public boolean isSuperadmin() {
    return role == UserRole.SUPERADMIN;
  }

  public boolean isAdmin() {
    return role.isAdmin();
  }

  /** Returns this caller acting for another keypair, unchecked. */
  Caller actingFor(String accessKey) {
    return new Caller(this.accessKey, userUuid, email, role, domainName, accessKey);
  }

  @Override
  public String toString() {
    return actsForOther() ? accessKey + " for " + ownerAccessKey : accessKey;
  }
}
