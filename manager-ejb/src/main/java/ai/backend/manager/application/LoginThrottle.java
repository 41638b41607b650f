package ai.backend.manager.application;

import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed password logins per user on this manager node and rejects further attempts after
 * {@link #MAX_FAILURES} within {@link #WINDOW}, which slows down password guessing.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class LoginThrottle {

  static final int MAX_FAILURES = 10;
  static final Duration WINDOW = Duration.ofMinutes(15);

  /** Usernames tracked at most, so that guessing many names cannot exhaust memory. */
  private static final int MAX_TRACKED = 100_000;

  private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

  /**
   * Starts a login attempt for a key (a user, or a name that matches no user). The attempt counts
   * as failed from now on, until {@link #succeeded} clears the key, so that concurrent attempts
   * cannot all pass the check before the slow password check records them.
   *
   * @return 0 if the attempt may go on, else the seconds until the next one is allowed
   */
  public long tryBegin(String key) {
    if (failures.size() >= MAX_TRACKED) {
      failures
          .values()
          .removeIf(
              times -> {
                synchronized (times) {
                  prune(times);
                  return times.isEmpty();
                }
              });
    }
    Deque<Long> times = failures.computeIfAbsent(normalize(key), name -> new ArrayDeque<>());
    synchronized (times) {
      prune(times);
      if (times.size() >= MAX_FAILURES) {
        long retryAt = times.peekFirst() + WINDOW.toNanos();
        return Math.max(1, Duration.ofNanos(retryAt - System.nanoTime()).toSeconds() + 1);
      }
      times.addLast(System.nanoTime());
      return 0;
    }
  }

  /** Forgets the failures of a key after a successful login. */
  public void succeeded(String key) {
    failures.remove(normalize(key));
  }

  private static void prune(Deque<Long> times) {
    long oldest = System.nanoTime() - WINDOW.toNanos();
    while (!times.isEmpty() && times.peekFirst() - oldest < 0) {
      times.removeFirst();
    }
  }

  private static String normalize(String key) {
    return key == null ? "" : key.trim().toLowerCase(Locale.ROOT);
  }
}
