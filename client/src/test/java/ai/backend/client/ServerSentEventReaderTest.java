package ai.backend.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.backend.client.ServerSentEventReader.ServerSentEvent;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSentEventReaderTest {

  private static List<ServerSentEvent> readAll(String stream) throws IOException {
    ServerSentEventReader reader = new ServerSentEventReader(new StringReader(stream));
    List<ServerSentEvent> events = new ArrayList<>();
    ServerSentEvent event;
    while ((event = reader.next()) != null) {
      events.add(event);
    }
    return events;
  }

  @Test
  void eventFieldsAreRead() throws IOException {
    List<ServerSentEvent> events =
        readAll("event: session_started\nid: s1:RUNNING\ndata: {\"a\": 1}\n\n");

    assertEquals(
        List.of(new ServerSentEvent("session_started", "{\"a\": 1}", "s1:RUNNING")), events);
  }

  @Test
  void commentsAndEmptyBlocksAreSkipped() throws IOException {
    List<ServerSentEvent> events =
        readAll(": keep-alive\n\n:\n\nevent: lonely\n\ndata: x\n\n: trailing comment\n");

    assertEquals(List.of(new ServerSentEvent("message", "x", null)), events);
  }

  @Test
  void dataLinesAreJoinedWithLineFeed() throws IOException {
    List<ServerSentEvent> events = readAll("data: first\ndata:second\ndata\ndata:  indented\n\n");

    assertEquals(1, events.size());
    assertEquals("first\nsecond\n\n indented", events.get(0).data());
  }

  @Test
  void everyLineEndIsAccepted() throws IOException {
    List<ServerSentEvent> events =
        readAll("event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\revent: c\ndata: 3\n\n");

    assertEquals(3, events.size());
    assertEquals(new ServerSentEvent("a", "1", null), events.get(0));
    assertEquals(new ServerSentEvent("b", "2", null), events.get(1));
    assertEquals(new ServerSentEvent("c", "3", null), events.get(2));
  }

  @Test
  void eventNameDoesNotCarryOver() throws IOException {
    List<ServerSentEvent> events = readAll("event: named\ndata: 1\n\ndata: 2\n\n");

    assertEquals("named", events.get(0).event());
    assertEquals("message", events.get(1).event());
  }

  @Test
  void lastEventIdCarriesOver() throws IOException {
    List<ServerSentEvent> events = readAll("id: 7\ndata: 1\n\ndata: 2\n\nid\ndata: 3\n\n");

    assertEquals("7", events.get(0).id());
    assertEquals("7", events.get(1).id());
    assertEquals("", events.get(2).id());
  }

  @Test
  void unknownFieldsAndRetryAreIgnored() throws IOException {
    List<ServerSentEvent> events = readAll("retry: 3000\ncolour: red\ndata: x\n\n");

    assertEquals(List.of(new ServerSentEvent("message", "x", null)), events);
  }

  @Test
  void valueKeepsLaterColons() throws IOException {
    List<ServerSentEvent> events = readAll("data: {\"at\": \"18:30:51\"}\n\n");

    assertEquals("{\"at\": \"18:30:51\"}", events.get(0).data());
  }

  @Test
  void byteOrderMarkIsDropped() throws IOException {
    List<ServerSentEvent> events = readAll("\uFEFFevent: a\ndata: 1\n\n");

    assertEquals("a", events.get(0).event());
  }

  @Test
  void unfinishedEventIsDropped() throws IOException {
    ServerSentEventReader reader =
        new ServerSentEventReader(new StringReader("data: complete\n\ndata: cut off\n"));

    assertEquals("complete", reader.next().data());
    assertNull(reader.next());
    assertNull(reader.next());
  }
}
