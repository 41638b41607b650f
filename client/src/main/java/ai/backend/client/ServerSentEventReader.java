package ai.backend.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;

/**
 * Reads server-sent events from a {@code text/event-stream} body, as the HTML Living Standard's
 * "Server-sent events" section parses them: lines end with CRLF, LF or CR; a line starting with
 * {@code :} is a comment; {@code field: value} lines fill the event, with one space after the colon
 * dropped; several {@code data} lines are joined with LF; and a blank line ends the event. An event
 * without {@code data} lines is dropped, like a block of comment lines.
 */
final class ServerSentEventReader {

  /** The event type of an event without an {@code event} field. */
  static final String DEFAULT_EVENT = "message";

  /**
   * One event.
   *
   * @param event the {@code event} field, or {@value #DEFAULT_EVENT} when it has none
   * @param data the {@code data} lines joined with LF
   * @param id the last event id the stream has set, or null
   */
  record ServerSentEvent(String event, String data, String id) {}

  private final BufferedReader lines;
  private String lastEventId;
  private boolean started;

  ServerSentEventReader(Reader body) {
    // BufferedReader.readLine ends a line at CRLF, LF or CR, the three line ends of the format.
    this.lines = body instanceof BufferedReader buffered ? buffered : new BufferedReader(body);
  }

  /**
   * Blocks until the next complete event and returns it, or returns null when the stream ends. An
   * event cut off by the end of the stream is dropped, as the format requires.
   *
   * @throws IOException if reading the stream fails
   */
  ServerSentEvent next() throws IOException {
    String event = null;
    StringBuilder data = null;
    String line;
    while ((line = lines.readLine()) != null) {
      if (!started) {
        started = true;
        // The format allows one byte order mark before the first line.
        if (line.startsWith("\uFEFF")) {
          line = line.substring(1);
        }
      }
      if (line.isEmpty()) {
        if (data != null) {
          return new ServerSentEvent(
              event == null || event.isEmpty() ? DEFAULT_EVENT : event,
              data.toString(),
              lastEventId);
        }
        event = null;
        continue;
      }
      if (line.startsWith(":")) {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "event" -> event = value;
        case "data" -> {
          if (data == null) {
            data = new StringBuilder(value);
          } else {
            data.append('\n').append(value);
          }
        }
        case "id" -> {
          if (value.indexOf('\0') < 0) {
            lastEventId = value;
          }
        }
        default -> {
          // "retry" sets a reconnection delay, which this reader leaves to its caller, and the
          // format requires that unknown fields are ignored.
        }
      }
    }
    return null;
  }
}
