package ai.backend.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.FakeManagerServer.Response;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /events/session} through {@link BackendClient#openSessionEvents} and friends. */
class BackendClientEventsTest {

  private static final String ACCESS_KEY = "AKIAEVENTSTEST000001";
  private static final String SECRET_KEY = "events-test-secret";
  private static final Duration TEST_TIMEOUT = Duration.ofSeconds(20);

  private static final String ENQUEUED =
      "{\"event\":\"session_enqueued\",\"sessionId\":\"5f0c\",\"sessionName\":\"work\","
          + "\"ownerAccessKey\":\"AKIAOWNER\",\"userUuid\":\"u-1\",\"domain\":\"default\","
          + "\"scalingGroup\":\"default\",\"agent\":null,\"status\":\"PENDING\","
          + "\"reason\":\"waiting to be scheduled\",\"at\":\"2026-12-04T18:30:51.123+00:00\"}";

  private FakeManagerServer server;
  private BackendClient client;

  @BeforeEach
  void startServer() throws IOException {
    server = FakeManagerServer.start(ACCESS_KEY, SECRET_KEY);
    client = new BackendClient(BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY));
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TEST_TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private List<SessionEvent> streamAll(String session) {
    List<SessionEvent> events = new ArrayList<>();
    assertTimeoutPreemptively(TEST_TIMEOUT, () -> client.streamSessionEvents(session, events::add));
    return events;
  }

  @Test
  void eventsAreParsedAcrossReads() {
    server.setEventStream(
        Duration.ofMillis(50),
        true,
        ": connected\n\n",
        "event: session_enqueued\nid: 5f0c:PENDING\ndata: " + ENQUEUED + "\n\n",
        "event: session_started\ndata: {\"event\":\"session_started\",\"sessionId\":\"5f0c\","
            + "\"sessionName\":\"wo",
        "rk\",\"agent\":\"agent-1\",\"status\":\"RUNNING\",\"reason\":\"running on agent agent-1\"}\n",
        "\n: keep-alive\n\n",
        "event: session_terminated\r\ndata: {\"sessionId\":\"5f0c\",\r\ndata: "
            + "\"status\":\"TERMINATED\"}\r\n\r\n");

    List<SessionEvent> events = streamAll(null);

    assertEquals(3, events.size(), events.toString());
    SessionEvent enqueued = events.get(0);
    assertEquals("session_enqueued", enqueued.event());
    assertEquals("5f0c", enqueued.sessionId());
    assertEquals("work", enqueued.sessionName());
    assertEquals("AKIAOWNER", enqueued.ownerAccessKey());
    assertEquals("u-1", enqueued.userUuid());
    assertEquals("default", enqueued.domain());
    assertEquals("default", enqueued.scalingGroup());
    assertNull(enqueued.agent());
    assertEquals("PENDING", enqueued.status());
    assertEquals("waiting to be scheduled", enqueued.reason());
    assertEquals("2026-12-04T18:30:51.123+00:00", enqueued.at());
    assertEquals(ENQUEUED, enqueued.data());

    SessionEvent started = events.get(1);
    assertEquals("session_started", started.event());
    assertEquals("work", started.sessionName());
    assertEquals("agent-1", started.agent());
    assertEquals("running on agent agent-1", started.reason());

    SessionEvent terminated = events.get(2);
    assertEquals("session_terminated", terminated.event(), "the SSE event name fills in");
    assertEquals("TERMINATED", terminated.status());
    assertEquals("{\"sessionId\":\"5f0c\",\"status\":\"TERMINATED\"}", terminated.data());
  }

  @Test
  void streamRequestIsSigned() {
    server.setEventStream(Duration.ZERO, true);

    streamAll(null);

    RecordedRequest request = server.requests().get(0);
    assertEquals("GET", request.method());
    assertEquals("/events/session", request.pathAndQuery());
    assertTrue(request.signatureValid());
    assertEquals("text/event-stream", request.header("Accept"));
  }

  @Test
  void sessionNameIsSentAsQuery() {
    client.createSession(SessionSpec.of("python").withName("my work"));
    server.setEventStream(Duration.ZERO, true);

    streamAll("my work");

    RecordedRequest request = server.requests("GET", "/events/session").get(0);
    assertEquals("name=my%20work", request.query());
    assertTrue(request.signatureValid());
  }

  @Test
  void ownerAccessKeyIsSent() {
    BackendClient owned =
        new BackendClient(
            BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY)
                .withOwnerAccessKey(ACCESS_KEY));
    server.setEventStream(Duration.ZERO, true);

    assertTimeoutPreemptively(TEST_TIMEOUT, () -> owned.streamSessionEvents(null, event -> {}));

    assertEquals(
        "owner_access_key=" + ACCESS_KEY, server.requests("GET", "/events/session").get(0).query());
  }

  @Test
  void unknownSessionIsNotFound() {
    BackendApiException error =
        assertThrows(BackendApiException.class, () -> client.openSessionEvents("ghost"));

    assertEquals(404, error.status());
    assertTrue(error.getMessage().contains("no session 'ghost'"), error.getMessage());
  }

  @Test
  void serviceUnavailableIsApiError() {
    server.enqueue(
        "GET",
        "/events/session",
        Response.problem(503, "too-many-streams", "Too many event streams", "retry later"));

    BackendApiException error =
        assertThrows(BackendApiException.class, () -> client.openSessionEvents(null));

    assertEquals(503, error.status());
    assertEquals("Too many event streams", error.title());
  }

  @Test
  void nonEventStreamResponseIsRejected() {
    server.enqueue("GET", "/events/session", Response.json(200, "{\"items\": []}"));

    BackendClientException error =
        assertThrows(BackendClientException.class, () -> client.openSessionEvents(null));

    assertTrue(
        error.getMessage().contains("expected text/event-stream, got application/json"),
        error.getMessage());
  }

  @Test
  void invalidEventDataIsReported() {
    server.setEventStream(Duration.ZERO, true, "event: session_started\ndata: {broken\n\n");

    try (SessionEventStream stream = client.openSessionEvents(null)) {
      BackendClientException error =
          assertThrows(
              BackendClientException.class,
              () -> assertTimeoutPreemptively(TEST_TIMEOUT, stream::next));

      assertTrue(
          error.getMessage().contains("the data of a session_started event is not JSON"),
          error.getMessage());
      assertTrue(stream.isClosed());
    }
  }

  @Test
  void idleStreamOutlastsRequestTimeout() {
    BackendClient impatient =
        new BackendClient(
            new BackendClientConfig(
                server.endpoint(),
                ACCESS_KEY,
                SECRET_KEY,
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                "the test"));
    server.setEventStream(
        Duration.ofMillis(2500), true, ": opened\n\n", "data: " + ENQUEUED + "\n\n");
    List<SessionEvent> events = new ArrayList<>();

    assertTimeoutPreemptively(TEST_TIMEOUT, () -> impatient.streamSessionEvents(null, events::add));

    assertEquals(1, events.size());
    assertEquals("session_enqueued", events.get(0).event());
  }

  @Test
  void closeWakesWaitingReader() throws Exception {
    server.setEventStream(Duration.ZERO, false, "data: " + ENQUEUED + "\n\n");
    SessionEventStream stream = client.openSessionEvents(null);
    assertEquals("session_enqueued", stream.next().event());
    CompletableFuture<SessionEvent> waiting = CompletableFuture.supplyAsync(stream::next);
    Thread.sleep(3 * FakeManagerServer.KEEPALIVE_INTERVAL.toMillis());
    assertFalse(waiting.isDone(), "next returned while the stream was open");

    stream.close();

    assertNull(waiting.get(TEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    assertTrue(stream.isClosed());
    assertNull(stream.next());
    waitFor(() -> server.openEventStreams() == 0, "the server to see the stream closed");
  }

  @Test
  void endedStreamReturnsNull() {
    server.setEventStream(Duration.ZERO, true, "data: " + ENQUEUED + "\n\n");

    try (SessionEventStream stream = client.openSessionEvents(null)) {
      assertTimeoutPreemptively(
          TEST_TIMEOUT,
          () -> {
            assertEquals("5f0c", stream.next().sessionId());
            assertNull(stream.next());
          });
      assertTrue(stream.isClosed());
    }
  }

  @Test
  void listenerExceptionClosesStream() throws InterruptedException {
    server.setEventStream(Duration.ZERO, false, "data: " + ENQUEUED + "\n\n");

    IllegalStateException error =
        assertThrows(
            IllegalStateException.class,
            () ->
                client.streamSessionEvents(
                    null,
                    event -> {
                      throw new IllegalStateException("enough");
                    }));

    assertEquals("enough", error.getMessage());
    waitFor(() -> server.openEventStreams() == 0, "the server to see the stream closed");
  }
}
