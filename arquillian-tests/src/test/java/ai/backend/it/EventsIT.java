package ai.backend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.auth.RequestSignature;
import ai.backend.common.auth.RequestSignature.SignedRequest;
import ai.backend.it.SignedHttp.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Session events on real components: a server-sent event stream and an outside JMS subscriber of
 * the topic {@code BackendAiSessionEvents} both see a session's life in order, and another user's
 * stream receives none of it.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class EventsIT {

  private static final ItSupport IT = ItSupport.shared();
  private static final SignedHttp HTTP = new SignedHttp(ItSupport.ENDPOINT);
  private static final List<String> LIFE =
      List.of(
          "session_enqueued",
          "session_scheduled",
          "session_started",
          "session_terminating",
          "session_terminated");

  @Deployment(testable = false)
  static EnterpriseArchive ear() {
    return ShrinkWrap.createFromZipFile(
        EnterpriseArchive.class, new File(System.getProperty("it.ear")));
  }

  @AfterAll
  static void checkNoContainerLeft() throws Exception {
    assertEquals(List.of(), IT.awaitNoContainers(), "containers left by agent " + IT.agentId());
  }

  /** Reads a server-sent event stream on a thread of its own, collecting name and data. */
  static final class SseReader implements AutoCloseable {
    final List<String[]> events = Collections.synchronizedList(new ArrayList<>());
    private final InputStream body;
    private final Thread thread;

    SseReader(String accessKey, String secretKey) throws Exception {
      String path = "/events/session";
      URI uri = URI.create(ItSupport.ENDPOINT + path);
      String host = uri.getHost() + ":" + uri.getPort();
      String date =
          OffsetDateTime.now(ZoneOffset.UTC)
              .truncatedTo(ChronoUnit.SECONDS)
              .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
      String signature =
          RequestSignature.sign(
              secretKey,
              new SignedRequest(
                  "GET",
                  path,
                  date,
                  host,
                  "",
                  RequestSignature.API_VERSION,
                  RequestSignature.sha256Hex(new byte[0])));
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .GET()
              .header("X-BackendAI-Date", date)
              .header("X-BackendAI-Version", RequestSignature.API_VERSION)
              .header("Accept", "text/event-stream")
              .header("Authorization", RequestSignature.authorizationHeader(accessKey, signature))
              .build();
      HttpResponse<InputStream> response =
          HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, response.statusCode());
      body = response.body();
      thread = new Thread(this::read, "sse-reader");
      thread.setDaemon(true);
      thread.start();
    }

    private void read() {
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
        String name = null;
        String line;
        while ((line = lines.readLine()) != null) {
          if (line.startsWith("event:")) {
            name = line.substring(6).trim();
          } else if (line.startsWith("data:") && name != null) {
            events.add(new String[] {name, line.substring(5).trim()});
            name = null;
          }
        }
      } catch (java.io.IOException e) {
        // The stream closed.
      }
    }

    List<String> namesFor(String sessionId) throws Exception {
      List<String> names = new ArrayList<>();
      synchronized (events) {
        for (String[] event : events) {
          JsonNode data = SignedHttp.JSON.readTree(event[1]);
          if (sessionId.equals(data.get("sessionId").asText())) {
            names.add(event[0]);
          }
        }
      }
      return names;
    }

    @Override
    public void close() throws Exception {
      body.close();
    }
  }

  @Test
  void streamAndTopicCarryTheSessionLifeInOrder() throws Exception {
    IT.start();
    String adminKey = IT.accessKey();
    String adminSecret = IT.secretKey();
    Properties broker = new Properties();
    try (InputStream in =
        Files.newInputStream(ItSupport.stateDir().resolve("events-broker.properties"))) {
      broker.load(in);
    }

    Reply user =
        HTTP.send(
            "POST",
            "/admin/users",
            Map.of("email", "events-other@example.com", "password", "events-other"),
            adminKey,
            adminSecret);
    assertEquals(201, user.status(), user.body());
    Reply issued =
        HTTP.send(
            "POST",
            "/admin/keypairs",
            Map.of("userId", "events-other@example.com"),
            adminKey,
            adminSecret);
    assertEquals(201, issued.status(), issued.body());

    String url =
        "tcp://127.0.0.1:" + System.getProperty("it.broker.port") + "?enable1xPrefixes=true";
    List<String> topicEvents = Collections.synchronizedList(new ArrayList<>());
    try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
        Connection connection =
            factory.createConnection(broker.getProperty("user"), broker.getProperty("password"));
        SseReader mine = new SseReader(adminKey, adminSecret);
        SseReader other =
            new SseReader(
                issued.json().get("accessKey").asText(), issued.json().get("secretKey").asText())) {
      Session jms = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageConsumer consumer = jms.createConsumer(jms.createTopic("BackendAiSessionEvents"));
      consumer.setMessageListener(
          (Message message) -> {
            try {
              topicEvents.add(((TextMessage) message).getText());
            } catch (jakarta.jms.JMSException e) {
              topicEvents.add("unreadable: " + e.getMessage());
            }
          });
      connection.start();

      Map<String, Object> body =
          Map.of(
              "image",
              "python",
              "name",
              "events-session",
              "config",
              Map.of("resources", Map.of("cpu", "1", "mem", "256m")));
      Reply[] created = new Reply[1];
      IT.waitFor(
          "the agent to report the python image",
          Duration.ofSeconds(90),
          () -> {
            created[0] = HTTP.send("POST", "/session", body, adminKey, adminSecret);
            return created[0].status() != 404;
          });
      assertEquals(201, created[0].status(), created[0].body());
      String sessionId = created[0].json().get("sessionId").asText();
      IT.waitFor(
          "session_started on the stream",
          Duration.ofSeconds(120),
          () -> mine.namesFor(sessionId).contains("session_started"));
      Reply destroyed = HTTP.send("DELETE", "/session/" + sessionId, null, adminKey, adminSecret);
      assertEquals(200, destroyed.status(), destroyed.body());
      IT.waitFor(
          "session_terminated on the stream",
          Duration.ofSeconds(60),
          () -> mine.namesFor(sessionId).contains("session_terminated"));

      assertEquals(LIFE, mine.namesFor(sessionId), "events on the admin's stream");
      IT.waitFor(
          "session_terminated on the topic",
          Duration.ofSeconds(30),
          () -> topicNames(topicEvents, sessionId).contains("session_terminated"));
      assertEquals(LIFE, topicNames(topicEvents, sessionId), "events on the JMS topic");
      assertTrue(
          other.namesFor(sessionId).isEmpty(), "another user's stream receives none of them");
      assertFalse(other.events.stream().anyMatch(e -> e[1].contains(sessionId)));
    }
  }

  private static List<String> topicNames(List<String> messages, String sessionId) throws Exception {
    List<String> names = new ArrayList<>();
    synchronized (messages) {
      for (String message : messages) {
        JsonNode event = SignedHttp.JSON.readTree(message);
        if (sessionId.equals(event.get("sessionId").asText())) {
          names.add(event.get("event").asText());
        }
      }
    }
    return names;
  }
}
