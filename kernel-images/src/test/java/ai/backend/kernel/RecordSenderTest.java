package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** The record queue bounds memory by blocking producers while the agent does not read. */
class RecordSenderTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @Test
  void producerBlocksWhenQueuedCharactersReachLimit() throws InterruptedException {
    try (ZContext context = new ZContext()) {
      ZMQ.Socket socket = context.createSocket(SocketType.PUSH);
      socket.setSndHWM(RecordSender.SEND_HIGH_WATER_MARK);
      // No agent connects, so the PUSH socket accepts nothing and every record stays queued.
      socket.bind("tcp://127.0.0.1:*");
      RecordSender sender = new RecordSender(socket);
      sender.start();

      int recordChars = (int) (RecordSender.MAX_QUEUED_CHARS / 4);
      String payload = "x".repeat(recordChars);
      AtomicInteger queued = new AtomicInteger();
      Thread producer =
          new Thread(
              () -> {
                for (int i = 0; i < 100; i++) {
                  sender.send(new Record("stdout", payload));
                  queued.incrementAndGet();
                }
              },
              "test-producer");
      producer.start();

      Instant deadline = Instant.now().plus(DEADLINE);
      while (producer.getState() != Thread.State.WAITING && Instant.now().isBefore(deadline)) {
        Thread.sleep(10);
      }
      assertEquals(Thread.State.WAITING, producer.getState());
      // Four records fit the character limit, and the sender thread has taken one more.
      assertTrue(queued.get() <= 5, "queued " + queued.get() + " records of " + recordChars);

      sender.stop();
      producer.join(DEADLINE.toMillis());
      assertEquals(100, queued.get(), "records after stop() are dropped instead of blocking");
    }
  }
}
