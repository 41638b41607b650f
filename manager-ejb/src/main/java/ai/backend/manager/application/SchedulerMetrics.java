package ai.backend.manager.application;

import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Totals of the scheduler's placement passes on this manager node since it started: passes,
 * sessions placed, time spent and SQL statements, for {@code GET /admin/scheduler} and the
 * scheduling benchmark.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class SchedulerMetrics {

  private final AtomicLong passes = new AtomicLong();
  private final AtomicLong placed = new AtomicLong();
  private final AtomicLong nanos = new AtomicLong();
  private final AtomicLong statements = new AtomicLong();
  private final AtomicLong cancelled = new AtomicLong();

  /** Adds one pass over one scaling group. */
  public void record(int placedSessions, long passNanos, long passStatements) {
    passes.incrementAndGet();
    placed.addAndGet(placedSessions);
    nanos.addAndGet(passNanos);
    statements.addAndGet(passStatements);
  }

  public void recordCancelled(int count) {
    cancelled.addAndGet(count);
  }

  /** Returns the totals as JSON fields. */
  public Map<String, Object> snapshot() {
    Map<String, Object> json = new LinkedHashMap<>();
    long placedTotal = placed.get();
    json.put("passes", passes.get());
    json.put("placed", placedTotal);
    json.put("pendingTimeouts", cancelled.get());
    json.put("passMillis", nanos.get() / 1_000_000);
    json.put("statements", statements.get());
    json.put(
        "statementsPerPlacement",
        placedTotal == 0 ? null : Math.round(100.0 * statements.get() / placedTotal) / 100.0);
    return json;
  }
}
