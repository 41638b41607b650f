package ai.backend.manager.application;

import ai.backend.manager.application.KeyPairService.ActiveKeyPair;
import ai.backend.manager.domain.model.KeyPair;
import ai.backend.manager.domain.model.Session;
import ai.backend.manager.domain.model.User;
import ai.backend.manager.domain.model.UserRole;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

/**
 * Who may do what: builds the {@link Caller} of a request, checks {@code owner_access_key}, and
 * decides whether a caller reaches a session or an object of a domain. A rejection reveals nothing
 * about objects the caller cannot reach.
 */
@Stateless
@TransactionAttribute(TransactionAttributeType.SUPPORTS)
public class AccessControl {

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  /**
   * Returns the caller of a request signed by {@code signer}, acting for {@code ownerAccessKey}
   * when it is given.
   *
   * @throws ManagerException 403 when the signer may not act for that keypair, whether or not it
   *     exists
   */
  public Caller forRequest(ActiveKeyPair signer, String ownerAccessKey) throws ManagerException {
    Caller caller =
        new Caller(
            signer.accessKey(),
            signer.userUuid(),
            signer.email(),
            signer.role(),
            signer.domainName(),
            signer.accessKey());
    if (ownerAccessKey == null
        || ownerAccessKey.isBlank()
        || ownerAccessKey.equals(signer.accessKey())) {
      return caller;
    }
    ManagerException refused =
        forbidden(
            "this keypair may not act for access key '"
                + ManagerException.shorten(ownerAccessKey)
                + "': only admins may, for keypairs within their reach");
    if (!caller.isAdmin()) {
      throw refused;
    }
    KeyPair owner = em.find(KeyPair.class, ownerAccessKey);
    if (owner == null) {
      throw refused;
    }
    User user = owner.getUserUuid() == null ? null : em.find(User.class, owner.getUserUuid());
    if (user == null || !manages(caller, user)) {
      throw refused;
    }
    boolean expired =
        owner.getExpiresAt() != null && owner.getExpiresAt().isBefore(ManagerClock.now());
    if (!owner.isActive() || expired || !user.isActive()) {
      throw forbidden(
          "access key "
              + owner.getAccessKey()
              + " is inactive or expired, or its user is inactive; activate it before acting for"
              + " it");
    }
    return caller.actingFor(owner.getAccessKey());
  }

  /**
   * Returns true if the caller may change the user and act for their keypairs: a superadmin any
   * user, a domain admin the users with the role user of their domain, and themselves.
   */
  public static boolean manages(Caller caller, User user) {
    if (caller.isSuperadmin() || user.getUuid().equals(caller.userUuid())) {
      return true;
    }
    return caller.isAdmin()
        && user.getDomainName().equals(caller.domainName())
        && user.getRole() == UserRole.USER;
  }

  /**
   * Returns true if the caller reaches the session by id: their own sessions, those of the keypair
   * they act for, those of their domain for a domain admin, and all for a superadmin.
   */
  public boolean reaches(Caller caller, Session session) {
    if (caller.actsForOther()) {
      return session.getAccessKey().equals(caller.ownerAccessKey());
    }
    if (session.getAccessKey().equals(caller.accessKey())) {
      return true;
    }
    if (caller.isSuperadmin()) {
      return true;
    }
    if (session.getUserUuid() != null && session.getUserUuid().equals(caller.userUuid())) {
      return true;
    }
    if (caller.isAdmin()
        && session.getDomainName() != null
        && session.getDomainName().equals(caller.domainName())
        && session.getUserUuid() != null) {
      // A domain admin reaches the sessions of the users they manage, not those of other admins.
      User owner = em.find(User.class, session.getUserUuid());
      return owner != null && manages(caller, owner);
    }
    return false;
  }

  /** Refuses callers that are not superadmins or domain admins. */
  public static void requireAdmin(Caller caller) throws ManagerException {
    if (!caller.isAdmin()) {
      throw forbidden(
          "this call is for admins; the keypair's user has the role user; sign with an admin keypair");
    }
  }

  /** Refuses callers that are not superadmins. */
  public static void requireSuperadmin(Caller caller) throws ManagerException {
    if (!caller.isSuperadmin()) {
      throw forbidden(
          "this call is for superadmins; the keypair's user has the role "
              + caller.role().apiName());
    }
  }

  /** Returns true if the caller administers the domain. */
  public static boolean administers(Caller caller, String domainName) {
    return caller.isSuperadmin() || (caller.isAdmin() && caller.domainName().equals(domainName));
  }

  public static ManagerException forbidden(String detail) {
    return new ManagerException(403, "forbidden", "Forbidden", detail);
  }

  public static ManagerException notFound(String kind, String id) {
    return new ManagerException(
        404,
        "object-not-found",
        "No such object",
        "no " + kind + " '" + ManagerException.shorten(id) + "' within the caller's reach");
  }

  public static ManagerException conflict(String detail) {
    return new ManagerException(409, "conflict", "Conflict", detail);
  }
}
