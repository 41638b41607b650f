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
 * Counts failed password logins per username on this manager node and refuses further attempts
 * after {@link #MAX_FAILURES} within {@link #WINDOW}, which slows down password guessing.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class LoginThrottle {

  static final int MAX_FAILURES = 10;
  static final Duration WINDOW = Duration.ofMinutes(15);

  /** Usernames tracked at most, so that guessing many names cannot exhaust memory. */
  private static final int MAX_TRACKED = 100_000;

  private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

  /** Returns the seconds until the next attempt is allowed, or 0 if it is allowed now. */
  public long secondsUntilAllowed(String username) {
    Deque<Long> times = failures.get(key(username));
    if (times == null) {
      return 0;
    }
    synchronized (times) {
      prune(times);
      if (times.size() < MAX_FAILURES) {
        return 0;
      }
      long retryAt = times.peekFirst() + WINDOW.toNanos();
      return Math.max(1, Duration.ofNanos(retryAt - System.nanoTime()).toSeconds() + 1);
    }
  }

  /** Records a failed attempt. */
  public void failed(String username) {
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
    Deque<Long> times = failures.computeIfAbsent(key(username), name -> new ArrayDeque<>());
    synchronized (times) {
      prune(times);
      times.addLast(System.nanoTime());
      while (times.size() > MAX_FAILURES) {
        times.removeFirst();
      }
    }
  }

  /** Forgets the failures of a username after a successful login. */
  public void succeeded(String username) {
    failures.remove(key(username));
  }

  private static void prune(Deque<Long> times) {
    long oldest = System.nanoTime() - WINDOW.toNanos();
    while (!times.isEmpty() && times.peekFirst() - oldest < 0) {
      times.removeFirst();
    }
  }

  private static String key(String username) {
    return username == null ? "" : username.trim().toLowerCase(Locale.ROOT);
  }
}
