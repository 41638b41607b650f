package ai.backend.agent;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks on a shared pool so that tasks with the same key run one after another in submission
 * order, while tasks with different keys run in parallel.
 */
final class KeyedSerialExecutor {

  private static final Logger log = LoggerFactory.getLogger(KeyedSerialExecutor.class);

  private final ExecutorService pool;
  private final Map<String, CompletableFuture<Void>> tails = new HashMap<>();

  KeyedSerialExecutor(ExecutorService pool) {
    this.pool = pool;
  }

  /** Queues {@code task} after the tasks already queued under {@code key}. */
  synchronized CompletableFuture<Void> submit(String key, Runnable task) {
    CompletableFuture<Void> previous =
        tails.getOrDefault(key, CompletableFuture.completedFuture(null));
    CompletableFuture<Void> next =
        previous.handle((ignored, error) -> null).thenRunAsync(() -> runLogged(key, task), pool);
    tails.put(key, next);
    next.whenComplete(
        (ignored, error) -> {
          if (error != null) {
            log.warn("Task for kernel {} was not run: {}", key, error.toString());
          }
          forget(key, next);
        });
    return next;
  }

  private synchronized void forget(String key, CompletableFuture<Void> finished) {
    tails.remove(key, finished);
  }

  private static void runLogged(String key, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.error("Task for kernel {} failed", key, e);
    }
  }
}
