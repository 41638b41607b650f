package ai.backend.manager.interfaces.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  private final RateLimiter limiter = new RateLimiter();

  @BeforeEach
  void shortWindow() {
    System.setProperty("backendai.ratelimit.window-seconds", "2");
  }

  @AfterEach
  void defaultWindow() {
    System.clearProperty("backendai.ratelimit.window-seconds");
  }

  @Test
  void countsDownToZeroThenRefusesWithoutCounting() {
    for (int remaining = 2; remaining >= 0; remaining--) {
      RateLimiter.Decision decision = limiter.acquire("AK1", 3);
      assertTrue(decision.allowed());
      assertEquals(3, decision.limit());
      assertEquals(remaining, decision.remaining());
      assertEquals(2, decision.windowSeconds());
    }
    for (int i = 0; i < 5; i++) {
      RateLimiter.Decision refused = limiter.acquire("AK1", 3);
      assertFalse(refused.allowed());
      assertEquals(0, refused.remaining());
      assertTrue(refused.retryAfter() >= 1, "retry after " + refused.retryAfter());
      assertTrue(refused.retryAfter() <= 3, "retry after " + refused.retryAfter());
    }
  }

  @Test
  void keysAreCountedApart() {
    for (int i = 0; i < 3; i++) {
      limiter.acquire("AK1", 3);
    }
    assertFalse(limiter.acquire("AK1", 3).allowed());
    assertTrue(limiter.acquire("AK2", 3).allowed());
  }

  @Test
  void zeroMeansNoLimit() {
    for (int i = 0; i < 10_000; i++) {
      assertTrue(limiter.acquire("AK3", 0).allowed());
    }
  }

  @Test
  void recoversAfterTheWindow() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      limiter.acquire("AK4", 3);
    }
    assertFalse(limiter.acquire("AK4", 3).allowed());
    long deadline = System.nanoTime() + 5_000_000_000L;
    boolean allowed = false;
    while (!allowed && System.nanoTime() < deadline) {
      Thread.sleep(100);
      allowed = limiter.acquire("AK4", 3).allowed();
    }
    assertTrue(allowed, "the count should have expired within 5 s of a 2 s window");
  }
}
