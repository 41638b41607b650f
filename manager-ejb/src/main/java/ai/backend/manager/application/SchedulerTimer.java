package ai.backend.manager.application;

import ai.backend.manager.application.SessionService.SchedulingRequested;
import ai.backend.manager.infrastructure.persistence.StatementCounter;
import jakarta.ejb.Asynchronous;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.DependsOn;
import jakarta.ejb.EJB;
import jakarta.ejb.Schedule;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * Runs the scheduler every two seconds and right after a session is enqueued, one pass at a time on
 * this node. Other manager nodes may run their passes at the same time; the row locks in {@link
 * SchedulingService} keep them apart.
 */
@Singleton
@Startup
@DependsOn("SchemaMigration")
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class SchedulerTimer {

  private static final Logger LOG = Logger.getLogger(SchedulerTimer.class);

  private final ReentrantLock passLock = new ReentrantLock();

  /** Set when a pass is requested while another runs, so that the running one goes again. */
  private final AtomicBoolean rerunRequested = new AtomicBoolean();

  @EJB private SchedulingService scheduling;

  @EJB private SchedulerTimer self;

  @EJB private SchedulerMetrics metrics;

  @Schedule(second = "*/2", minute = "*", hour = "*", persistent = false)
  void tick() {
    runPass();
  }

  /** Schedules right after a new session or freed resources are committed. */
  public void onSchedulingRequested(
      @Observes(during = TransactionPhase.AFTER_SUCCESS) SchedulingRequested event) {
    LOG.debugf("Running the scheduler: %s", event.reason());
    self.runPassAsync();
  }

  @Asynchronous
  public void runPassAsync() {
    runPass();
  }

  /** Places the pending sessions of one group, batch after batch, until a batch places none. */
  private void placeAll(String group) {
    try {
      int placed;
      do {
        long started = System.nanoTime();
        StatementCounter.start();
        placed = 0;
        try {
          placed = scheduling.placePending(group);
        } finally {
          metrics.record(placed, System.nanoTime() - started, StatementCounter.stop());
        }
      } while (placed > 0);
    } catch (RuntimeException e) {
      LOG.errorf(e, "Scheduling scaling group %s failed; the next pass retries", group);
    }
  }

  private void runPass() {
    rerunRequested.set(true);
    // A request that arrives just before the running pass unlocks is taken by this loop.
    while (rerunRequested.get() && passLock.tryLock()) {
      try {
        while (rerunRequested.getAndSet(false)) {
          for (String group : scheduling.scalingGroupNames()) {
            placeAll(group);
          }
        }
        scheduling.failStuckStarts();
        scheduling.markLostAgents();
      } catch (RuntimeException e) {
        LOG.errorf(e, "Scheduler pass failed; the next pass retries");
      } finally {
        passLock.unlock();
      }
    }
  }
}
