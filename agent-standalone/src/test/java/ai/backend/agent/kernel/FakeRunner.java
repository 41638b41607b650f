package ai.backend.agent.kernel;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A stand-in kernel runner on loopback: it binds the two sockets of the real runner on random
 * ports, replies to {@code status} unless a test turns that off, records every operation it
 * receives, and sends the records a test queues. One thread owns both sockets.
 */
final class FakeRunner implements AutoCloseable {

  /** One operation the runner received. */
  record Operation(String name, String payload) {}

  private final ZContext context = new ZContext();
  private final BlockingQueue<Operation> received = new LinkedBlockingQueue<>();
  private final ConcurrentLinkedQueue<String[]> outbox = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private final int inputPort;
  private final int outputPort;
  private volatile boolean repliesToStatus = true;
  private volatile boolean closed;

  FakeRunner() throws InterruptedException {
    BlockingQueue<int[]> ports = new LinkedBlockingQueue<>();
    thread = new Thread(() -> loop(ports), "fake-runner");
    thread.setDaemon(true);
    thread.start();
    int[] bound = ports.poll(10, TimeUnit.SECONDS);
    if (bound == null) {
      throw new IllegalStateException("fake runner did not bind its sockets within 10 s");
    }
    inputPort = bound[0];
    outputPort = bound[1];
  }

  int inputPort() {
    return inputPort;
  }

  int outputPort() {
    return outputPort;
  }

  void replyToStatus(boolean reply) {
    repliesToStatus = reply;
  }

  /** Queues records for the agent, sent in order. */
  void send(String type, String payload) {
    outbox.add(new String[] {type, payload});
  }

  /** Returns the next received operation other than {@code status}, waiting up to 10 s. */
  Operation nextOperation() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      Operation operation = received.poll(100, TimeUnit.MILLISECONDS);
      if (operation != null && !operation.name().equals("status")) {
        return operation;
      }
    }
    throw new AssertionError("the fake runner received no operation within 10 s");
  }

  /** Returns the operations received so far, other than {@code status}. */
  List<Operation> drainOperations() {
    List<Operation> all = new java.util.ArrayList<>();
    received.drainTo(all);
    all.removeIf(operation -> operation.name().equals("status"));
    return all;
  }

  private void loop(BlockingQueue<int[]> ports) {
    ZMQ.Socket pull = context.createSocket(SocketType.PULL);
    ZMQ.Socket push = context.createSocket(SocketType.PUSH);
    pull.setLinger(0);
    push.setLinger(0);
    pull.setReceiveTimeOut(20);
    int in = pull.bindToRandomPort("tcp://127.0.0.1");
    int out = push.bindToRandomPort("tcp://127.0.0.1");
    ports.add(new int[] {in, out});
    try {
      while (!closed) {
        String[] record;
        while ((record = outbox.poll()) != null) {
          push.sendMore(record[0]);
          push.send(record[1].getBytes(StandardCharsets.UTF_8), 0);
        }
        byte[] name = pull.recv(0);
        if (name == null) {
          continue;
        }
        byte[] payload = pull.hasReceiveMore() ? pull.recv(0) : new byte[0];
        String operation = new String(name, StandardCharsets.US_ASCII);
        received.add(new Operation(operation, new String(payload, StandardCharsets.UTF_8)));
        if (operation.equals("status") && repliesToStatus) {
          outbox.add(new String[] {"status", "{\"ready\": true}"});
        }
      }
    } finally {
      context.destroySocket(pull);
      context.destroySocket(push);
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    thread.join(5000);
    context.close();
  }
}
