package ai.backend.manager.infrastructure.persistence;

import org.hibernate.resource.jdbc.spi.StatementInspector;

/**
 * Counts the SQL statements that Hibernate prepares on the current thread while counting is on, so
 * that the scheduler can report the statements each placement costs. It leaves the SQL as is.
 */
public class StatementCounter implements StatementInspector {

  private static final ThreadLocal<long[]> COUNT = new ThreadLocal<>();

  /** Starts counting on this thread, from zero. */
  public static void start() {
    COUNT.set(new long[1]);
  }

  /** Stops counting on this thread and returns the count. */
  public static long stop() {
    long[] count = COUNT.get();
    COUNT.remove();
    return count == null ? 0 : count[0];
  }

  @Override
  public String inspect(String sql) {
    long[] count = COUNT.get();
    if (count != null) {
      count[0]++;
    }
    return sql;
  }
}
