package ai.backend.kernel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * Thread that owns the PUSH socket and sends the records that other threads queue.
 *
 * <p>The queue is bounded by record count and by the characters of the queued payloads, and the
 * PUSH socket's high-water mark is small, so a program that writes faster than the agent reads is
 * slowed down instead of filling the runner's heap, which is 64 MiB in containers.
 */
final class RecordSender {

  private static final RunnerLog LOG = RunnerLog.forClass(RecordSender.class);
  private static final int MAX_QUEUED_RECORDS = 1000;

  /** Maximum payload characters queued. One larger record is still accepted into an empty queue. */
  static final long MAX_QUEUED_CHARS = 2L * 1024 * 1024;

  /**
   * Messages that the PUSH socket buffers for the agent, set before it binds. ZeroMQ counts
   * messages, not bytes, so with records of up to 4 MiB this is kept small.
   */
  static final int SEND_HIGH_WATER_MARK = 4;

  /** How long one send waits for the agent before the thread checks whether it should stop. */
  private static final int SEND_TIMEOUT_MILLIS = 200;

  private static final Record STOP = new Record("", "");

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final Condition notEmpty = lock.newCondition();

  // Guarded by lock.
  private final Deque<Record> queue = new ArrayDeque<>();
  private long queuedChars;
  private boolean stopped;

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

  /** Queues a record, waiting while the queue is full. Records sent after stop() are dropped. */
  void send(Record record) {
    int chars = record.payload().length();
    lock.lock();
    try {
      while (!stopped && isFull(chars)) {
        notFull.await();
      }
      if (stopped) {
        LOG.warning("Dropped a '" + record.type() + "' record because the runner is stopping.");
        return;
      }
      queue.addLast(record);
      queuedChars += chars;
      notEmpty.signal();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.warning("Dropped a '" + record.type() + "' record because the thread was interrupted.");
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends what is queued, then closes the socket. Records that the agent does not take within the
   * send timeout are dropped.
   */
  void stop() throws InterruptedException {
    stopping = true;
    lock.lock();
    try {
      stopped = true;
      queue.addLast(STOP);
      notEmpty.signal();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
    thread.join(TimeUnit.SECONDS.toMillis(5));
    if (thread.isAlive()) {
      LOG.warning("The record sender did not stop within 5 s.");
    }
  }

  private boolean isFull(int chars) {
    if (queue.isEmpty()) {
      return false;
    }
    return queue.size() >= MAX_QUEUED_RECORDS || queuedChars + chars > MAX_QUEUED_CHARS;
  }

  private Record take() throws InterruptedException {
    lock.lock();
    try {
      while (queue.isEmpty()) {
        notEmpty.await();
      }
      Record record = queue.removeFirst();
      queuedChars -= record.payload().length();
      notFull.signalAll();
      return record;
    } finally {
      lock.unlock();
    }
  }

  private void sendLoop() {
    try {
      while (true) {
        Record record = take();
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
