package ai.backend.manager.application;

import ai.backend.manager.application.PolicyService.Expired;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.DependsOn;
import jakarta.ejb.EJB;
import jakarta.ejb.Schedule;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Ends sessions past their policy's idle timeout or maximum lifetime every five seconds, and
 * deletes expired login keypairs every minute. Each session ends in a transaction of its own, so
 * one failure does not hold back the others.
 */
@Singleton
@Startup
@DependsOn("SchemaMigration")
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class PolicyEnforcer {

  private static final Logger LOG = Logger.getLogger(PolicyEnforcer.class);

  private final AtomicBoolean running = new AtomicBoolean();

  @EJB private PolicyService policies;

  @EJB private SessionService sessions;

  @EJB private KeyPairService keyPairs;

  @Schedule(second = "*/5", minute = "*", hour = "*", persistent = false)
  void enforceTimeouts() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    try {
      for (Expired expired : policies.findExpired()) {
        try {
          sessions.terminate(expired.sessionId(), expired.reason(), expired.detail());
          LOG.infof("Session %s ended by policy: %s", expired.sessionId(), expired.detail());
        } catch (ManagerException | RuntimeException e) {
          LOG.warnf(
              e,
              "Ending session %s (%s) failed; the next pass retries",
              expired.sessionId(),
              expired.reason());
        }
      }
    } catch (RuntimeException e) {
      LOG.errorf(e, "Checking idle timeouts and lifetimes failed; the next pass retries");
    } finally {
      running.set(false);
    }
  }

  @Schedule(second = "30", minute = "*", hour = "*", persistent = false)
  void deleteExpiredKeyPairs() {
    try {
      keyPairs.deleteExpired();
    } catch (RuntimeException e) {
      LOG.errorf(e, "Deleting expired login keypairs failed; the next pass retries");
    }
  }
}
