package ai.backend.kernel.tools;

import ai.backend.kernel.Record;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Agent side of the runner protocol: a PUSH socket connected to the runner's request port and a
 * PULL socket connected to its record port. Not thread-safe; use it from one thread.
 */
public final class RunnerClient implements AutoCloseable {

  private static final JsonFactory JSON = new JsonFactory();

  private final ZContext context = new ZContext();
  private final ZMQ.Socket requests;
  private final ZMQ.Socket records;

  public RunnerClient(String host, int requestPort, int recordPort) {
    context.setLinger(0);
    requests = context.createSocket(SocketType.PUSH);
    requests.connect("tcp://" + host + ":" + requestPort);
    records = context.createSocket(SocketType.PULL);
    records.connect("tcp://" + host + ":" + recordPort);
  }

  /** Queues a request; the socket sends it once connected. */
  public void send(String operation, String payload) {
    requests.sendMore(operation.getBytes(StandardCharsets.US_ASCII));
    requests.send(payload.getBytes(StandardCharsets.UTF_8), 0);
  }

  /** Returns the next record, or null if none arrives within the timeout. */
  public Record receive(Duration timeout) {
    records.setReceiveTimeOut((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
    byte[] type = records.recv(0);
    if (type == null) {
      return null;
    }
    String payload = "";
    if (records.hasReceiveMore()) {
      payload = new String(records.recv(0), StandardCharsets.UTF_8);
    }
    while (records.hasReceiveMore()) {
      records.recv(0);
    }
    return new Record(new String(type, StandardCharsets.US_ASCII), payload);
  }

  /**
   * Returns the exit code from the payload of a {@code finished}, {@code build-finished} or {@code
   * clean-finished} record.
   *
   * @throws IllegalArgumentException if the payload has no integer {@code exitCode}
   */
  public static int exitCode(Record finished) {
    try (JsonParser parser = JSON.createParser(finished.payload())) {
      if (parser.nextToken() == JsonToken.START_OBJECT) {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String field = parser.getCurrentName();
          JsonToken value = parser.nextToken();
          if (field.equals("exitCode") && value == JsonToken.VALUE_NUMBER_INT) {
            return parser.getIntValue();
          }
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("Invalid JSON in " + finished, e);
    }
    throw new IllegalArgumentException("No integer exitCode in " + finished);
  }

  @Override
  public void close() {
    context.close();
  }
}
