package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.ManagerSettings;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts each access key's requests over a rolling window on this manager node. The window is cut
 * into {@link #BUCKETS} buckets, so memory per key is fixed and a request leaves the count at most
 * one bucket (a sixtieth of the window) late.
 */
@ApplicationScoped
public class RateLimiter {

  static final int BUCKETS = 60;

  /** Keys tracked at most; idle ones are dropped first when the map is full. */
  private static final int MAX_KEYS = 200_000;

  /** The outcome of one request: whether it may proceed, and the header values. */
  record Decision(boolean allowed, int limit, int remaining, long windowSeconds, long retryAfter) {}

  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  /**
   * Counts a request of an access key and decides whether it is within the limit. A refused request
   * is not counted.
   *
   * @param limit requests allowed per window; 0 for no limit
   */
  Decision acquire(String accessKey, int limit) {
    long windowMillis = ManagerSettings.rateLimitWindow().toMillis();
    long windowSeconds = windowMillis / 1000;
    if (limit <= 0) {
      return new Decision(true, 0, 0, windowSeconds, 0);
    }
    if (counters.size() >= MAX_KEYS && !counters.containsKey(accessKey)) {
      long now = System.currentTimeMillis();
      counters.values().removeIf(counter -> counter.idleSince(now, windowMillis));
    }
    Counter counter = counters.computeIfAbsent(accessKey, key -> new Counter());
    return counter.acquire(System.currentTimeMillis(), windowMillis, limit);
  }

  /** The request counts of one key in the buckets of the current window. */
  private static final class Counter {
    private final int[] counts = new int[BUCKETS];
    private final long[] bucketStart = new long[BUCKETS];
    private long lastUse;

    synchronized Decision acquire(long now, long windowMillis, int limit) {
      long bucketMillis = Math.max(1, windowMillis / BUCKETS);
      long slot = now / bucketMillis;
      int index = (int) (slot % BUCKETS);
      if (bucketStart[index] != slot) {
        bucketStart[index] = slot;
        counts[index] = 0;
      }
      int total = 0;
      long oldestSlot = Long.MAX_VALUE;
      for (int i = 0; i < BUCKETS; i++) {
        if (slot - bucketStart[i] < BUCKETS && counts[i] > 0) {
          total += counts[i];
          oldestSlot = Math.min(oldestSlot, bucketStart[i]);
        }
      }
      lastUse = now;
      long windowSeconds = windowMillis / 1000;
      if (total >= limit) {
        long freeAt = (oldestSlot + BUCKETS) * bucketMillis;
        long retryAfter = Math.max(1, (freeAt - now + 999) / 1000);
        return new Decision(false, limit, 0, windowSeconds, retryAfter);
      }
      counts[index]++;
      return new Decision(true, limit, limit - total - 1, windowSeconds, 0);
    }

    synchronized boolean idleSince(long now, long windowMillis) {
      return now - lastUse > windowMillis;
    }
  }
}
