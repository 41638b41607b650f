package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.AccessControl;
import ai.backend.manager.application.Caller;
import ai.backend.manager.application.ManagerException;
import ai.backend.manager.interfaces.rest.SignatureAuthFilter.KeyPairPrincipal;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;

/** Builds the {@link Caller} of a request from its keypair and its {@code owner_access_key}. */
final class Callers {

  /** The query parameter with which an admin acts for another keypair, as in Backend.AI. */
  static final String OWNER_ACCESS_KEY = "owner_access_key";

  private Callers() {}

  static Caller of(SecurityContext security, UriInfo uri, AccessControl access)
      throws ManagerException {
    if (!(security.getUserPrincipal() instanceof KeyPairPrincipal principal)) {
      throw new ManagerException(
          401, "auth-failed", "Authentication failed", "the request is not signed");
    }
    String owner = uri == null ? null : uri.getQueryParameters().getFirst(OWNER_ACCESS_KEY);
    return access.forRequest(principal.keyPair(), owner);
  }
}
