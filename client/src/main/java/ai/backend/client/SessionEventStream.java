package ai.backend.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * An open stream of session events ({@code GET /events/session}), which {@link
 * BackendClient#openSessionEvents} returns. {@link #next} blocks until the next event arrives, for
 * as long as the stream stays idle: the manager sends a comment line every 15 s, and no timeout
 * applies once the stream is open.
 *
 * <p>{@link #close} may be called from any thread, such as a Ctrl-C handler, and makes a blocked
 * {@link #next} return null. Interrupting the waiting thread does not wake it, because the JDK's
 * HTTP client (tested with version 17) ignores interrupts while it waits for body data. One thread
 * at a time may call {@link #next}.
 */
public final class SessionEventStream implements AutoCloseable {

  private final InputStream body;
  private final ServerSentEventReader reader;
  private final ObjectMapper mapper;
  private final String requestLine;
  private final URI endpoint;
  private volatile boolean closed;

  SessionEventStream(InputStream body, ObjectMapper mapper, String requestLine, URI endpoint) {
    this.body = body;
    this.reader = new ServerSentEventReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    this.mapper = mapper;
    this.requestLine = requestLine;
    this.endpoint = endpoint;
  }

  /**
   * Blocks until the next session event and returns it. Comment lines and events without data are
   * skipped.
   *
   * @return the event, or null when the stream was closed or the manager ended it
   * @throws BackendClientException if the connection fails or an event's data is not a JSON object
   */
  public SessionEvent next() {
    ServerSentEventReader.ServerSentEvent event;
    try {
      event = closed ? null : reader.next();
    } catch (IOException e) {
      if (closed) {
        return null;
      }
      close();
      throw new BackendClientException(
          "the session event stream " + requestLine + " from " + endpoint + " failed: " + e, e);
    }
    if (event == null) {
      close();
      return null;
    }
    return toSessionEvent(event);
  }

  /** Returns true after {@link #close}, or after {@link #next} found the end of the stream. */
  public boolean isClosed() {
    return closed;
  }

  /** Closes the connection. Closing a closed stream does nothing. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      body.close();
    } catch (IOException e) {
      // The connection is being dropped anyway, and nothing more is read from it.
    }
  }

  private SessionEvent toSessionEvent(ServerSentEventReader.ServerSentEvent event) {
    JsonNode json;
    try {
      json = mapper.readTree(event.data());
    } catch (JsonProcessingException e) {
      throw unexpected("the data of a " + event.event() + " event is not JSON: " + e.getMessage());
    }
    if (json == null || !json.isObject()) {
      throw unexpected("the data of a " + event.event() + " event is not a JSON object");
    }
    String name = text(json, "event");
    return new SessionEvent(
        name == null ? event.event() : name,
        text(json, "sessionId"),
        text(json, "sessionName"),
        text(json, "ownerAccessKey"),
        text(json, "userUuid"),
        text(json, "domain"),
        text(json, "scalingGroup"),
        text(json, "agent"),
        text(json, "status"),
        text(json, "reason"),
        text(json, "at"),
        json.toString());
  }

  private BackendClientException unexpected(String problem) {
    close();
    return new BackendClientException(
        "unexpected response to " + requestLine + " from " + endpoint + ": " + problem);
  }

  private static String text(JsonNode json, String field) {
    JsonNode value = json.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
