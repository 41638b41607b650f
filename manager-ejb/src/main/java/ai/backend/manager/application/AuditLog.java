package ai.backend.manager.application;

import ai.backend.manager.domain.model.AuditEntry;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The audit log: one row per admin change and per login, written in the transaction of the change
 * so that a change that rolls back leaves no entry.
 */
@Stateless
public class AuditLog {

  private static final Logger LOG = Logger.getLogger(AuditLog.class);
  private static final int MAX_DETAIL = 4000;

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  /**
   * Writes an entry in the caller's transaction.
   *
   * @param detail what changed, never a password or secret
   */
  public void record(
      Caller actor,
      String action,
      String targetType,
      String targetId,
      String domainName,
      String detail) {
    write(
        actor == null ? null : actor.accessKey(),
        actor == null ? null : actor.email(),
        action,
        targetType,
        targetId,
        domainName,
        detail);
  }

  /** Writes an entry in a transaction of its own, which stays when the caller's rolls back. */
  @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
  public void recordSeparately(
      String actorEmail,
      String action,
      String targetType,
      String targetId,
      String domainName,
      String detail) {
    write(null, actorEmail, action, targetType, targetId, domainName, detail);
  }

  private void write(
      String accessKey,
      String email,
      String action,
      String targetType,
      String targetId,
      String domainName,
      String detail) {
    String shortDetail =
        detail == null || detail.length() <= MAX_DETAIL
            ? detail
            : detail.substring(0, MAX_DETAIL - 3) + "...";
    em.persist(
        new AuditEntry(
            ManagerClock.now(),
            accessKey,
            email,
            action,
            targetType,
            targetId,
            domainName,
            shortDetail));
    LOG.infof(
        "Audit: %s (%s) %s %s %s%s",
        email, accessKey, action, targetType, targetId, detail == null ? "" : ": " + shortDetail);
  }

  /**
   * Lists entries newest first: all of them for a superadmin, those about their domain for a domain
   * admin.
   *
   * @param before only entries with a smaller id, for paging; null for the newest
   */
  public List<Map<String, Object>> list(Caller caller, int limit, Long before)
      throws ManagerException {
    AccessControl.requireAdmin(caller);
    StringBuilder jpql = new StringBuilder("select a from AuditEntry a where 1 = 1");
    if (!caller.isSuperadmin()) {
      jpql.append(" and a.domainName = :domain");
    }
    if (before != null) {
      jpql.append(" and a.id < :before");
    }
    jpql.append(" order by a.id desc");
    var query = em.createQuery(jpql.toString(), AuditEntry.class).setMaxResults(limit);
    if (!caller.isSuperadmin()) {
      query.setParameter("domain", caller.domainName());
    }
    if (before != null) {
      query.setParameter("before", before);
    }
    return query.getResultList().stream().map(AuditLog::json).toList();
  }

  private static Map<String, Object> json(AuditEntry entry) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", entry.getId());
    json.put("at", entry.getCreatedAt().toString());
    json.put("actorAccessKey", entry.getActorAccessKey());
    json.put("actorEmail", entry.getActorEmail());
    json.put("action", entry.getAction());
    json.put("targetType", entry.getTargetType());
    json.put("targetId", entry.getTargetId());
    json.put("domain", entry.getDomainName());
    json.put("detail", entry.getDetail());
    return json;
  }
}
