package ai.backend.kernel;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * Thread that owns the PUSH socket and sends the records that other threads queue.
 *
 * <p>The queue is bounded, so a driver that writes faster than the agent reads is slowed down
 * instead of filling the runner's heap.
 */
final class RecordSender {

  private static final RunnerLog LOG = RunnerLog.forClass(RecordSender.class);
  private static final int QUEUE_CAPACITY = 1000;

  /** How long one send waits for the agent before the thread checks whether it should stop. */
  private static final int SEND_TIMEOUT_MILLIS = 200;

  private static final Record STOP = new Record("", "");

  private final BlockingQueue<Record> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final ZMQ.Socket socket;
  private final Thread thread;
  private volatile boolean stopping;

  /** Takes ownership of a bound PUSH socket; only the sender thread uses it from now on. */
  RecordSender(ZMQ.Socket socket) {
    this.socket = socket;
    socket.setSendTimeOut(SEND_TIMEOUT_MILLIS);
    this.thread = new Thread(this::sendLoop, "record-sender");
  }

  void start() {
    thread.start();
  }

  /** Queues a record, waiting while the queue is full. */
  void send(Record record) {
    try {
      queue.put(record);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.warning("Dropped a '" + record.type() + "' record because the thread was interrupted.");
    }
  }

  /**
   * Sends what is queued, then closes the socket. Records that the agent does not take within the
   * send timeout are dropped.
   */
  void stop() throws InterruptedException {
    stopping = true;
    if (!queue.offer(STOP)) {
      queue.clear();
      queue.offer(STOP);
    }
    thread.join(TimeUnit.SECONDS.toMillis(5));
    if (thread.isAlive()) {
      LOG.warning("The record sender did not stop within 5 s.");
    }
  }

  private void sendLoop() {
    try {
      while (true) {
        Record record = queue.take();
        if (record == STOP) {
          break;
        }
        if (!sendRecord(record)) {
          LOG.warning(
              "Dropped a '"
                  + record.type()
                  + "' record and the rest of the queue because the agent did not read them"
                  + " while the runner was stopping.");
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ZMQException e) {
      LOG.error("Sending records failed", e);
    } finally {
      socket.close();
    }
  }

  /** Sends one record, retrying until it is sent or the sender is stopping. */
  private boolean sendRecord(Record record) {
    byte[] type = record.type().getBytes(StandardCharsets.US_ASCII);
    byte[] payload = Utf8.encode(record.payload());
    while (true) {
      if (socket.send(type, ZMQ.SNDMORE)) {
        // High-water marks count whole messages, so once the first frame is accepted the last
        // one is accepted too.
        if (!socket.send(payload, 0)) {
          LOG.warning("The payload frame of a '" + record.type() + "' record was not sent.");
        }
        return true;
      }
      if (stopping) {
        return false;
      }
    }
  }
}
