package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ordering rules of the scheduler, with a sink that the test can hold up. */
class RunSchedulerTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir Path workDir;

  @Test
  void interruptWhileEndingAppliesToQueuedRequest() throws InterruptedException {
    assumeTrue(ProcessGroups.setsid().isPresent(), "batch mode needs setsid");
    BlockingQueue<Record> records = new LinkedBlockingQueue<>();
    CountDownLatch firstEndSent = new CountDownLatch(1);
    CountDownLatch releaseFirstEnd = new CountDownLatch(1);
    RunScheduler scheduler =
        new RunScheduler(
            "shell",
            workDir,
            new BatchDefaults(workDir.resolve("batch.properties"), Map.of()),
            new BatchSettings(ProcessGroups.setsid(), Map.of(), Set.of()),
            record -> {
              if (record.type().equals("finished") && firstEndSent.getCount() > 0) {
                firstEndSent.countDown();
                awaitQuietly(releaseFirstEnd);
              }
              records.add(record);
            });
    try {
      scheduler.submit("exec", "true");
      // The first request now sends its end record and stays active until the sink returns.
      assertTrue(firstEndSent.await(DEADLINE.toSeconds(), TimeUnit.SECONDS));
      scheduler.submit("exec", "echo started; sleep 60");
      scheduler.interrupt();
      releaseFirstEnd.countDown();

      assertEquals(Record.finished("finished", 0), poll(records));
      Record next = poll(records);
      while (next.type().equals("stdout")) {
        next = poll(records);
      }
      assertEquals(Record.finished("finished", 130), next);
    } finally {
      releaseFirstEnd.countDown();
      scheduler.close();
    }
  }

  private static Record poll(BlockingQueue<Record> records) throws InterruptedException {
    Record record = records.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    if (record == null) {
      throw new AssertionError("no record within " + DEADLINE.toSeconds() + " s");
    }
    return record;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
