package ai.backend.manager.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

  @Test
  void eleventhAttemptWaits() {
    LoginThrottle throttle = new LoginThrottle();
    for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
      assertEquals(0, throttle.tryBegin("user:1"), "attempt " + (i + 1));
    }
    long wait = throttle.tryBegin("user:1");
    assertTrue(wait > 0, "wait " + wait);
    assertTrue(wait <= LoginThrottle.WINDOW.toSeconds() + 1, "wait " + wait);
  }

  @Test
  void successClearsTheCount() {
    LoginThrottle throttle = new LoginThrottle();
    for (int i = 0; i < LoginThrottle.MAX_FAILURES - 1; i++) {
      throttle.tryBegin("user:2");
    }
    throttle.succeeded("USER:2");
    for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
      assertEquals(0, throttle.tryBegin("user:2"));
    }
  }

  @Test
  void concurrentAttemptsPassAtMostTheLimit() throws Exception {
    LoginThrottle throttle = new LoginThrottle();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Callable<Long>> attempts = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        attempts.add(() -> throttle.tryBegin("user:3"));
      }
      int allowed = 0;
      for (Future<Long> result : pool.invokeAll(attempts)) {
        if (result.get() == 0) {
          allowed++;
        }
      }
      assertEquals(LoginThrottle.MAX_FAILURES, allowed);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void keysAreCountedApart() {
    LoginThrottle throttle = new LoginThrottle();
    for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
      throttle.tryBegin("user:4");
    }
    assertEquals(0, throttle.tryBegin("user:5"));
  }
}
