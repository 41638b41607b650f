package ai.backend.agent.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.agent.Await;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import ai.backend.common.protocol.Destinations;
import ai.backend.common.protocol.Messages;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BrokerClientTest {

  private static final String AGENT_ID = "broker-client-test";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final BlockingQueue<AgentCommand> commands = new LinkedBlockingQueue<>();
  private final AtomicInteger connects = new AtomicInteger();
  private TestBroker broker;
  private BrokerClient client;

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  /** Starts a client that records commands and replies to execute with a fixed result. */
  private BrokerClient startClient(String url) {
    BrokerClient[] self = new BrokerClient[1];
    CommandListener listener =
        (command, replyAddress) -> {
          commands.add(command);
          if (command instanceof AgentCommand.Execute execute) {
            self[0].reply(
                replyAddress,
                new AgentReply.ExecuteResult(
                    execute.runId(), "finished", List.of(), 0, Map.of(), List.of()));
          }
        };
    self[0] = new BrokerClient(url, "agent", null, AGENT_ID, listener, connects::incrementAndGet);
    self[0].start();
    return self[0];
  }

  private static String executeJson(String runId) {
    return Messages.toJson(
        new AgentCommand.Execute("s1", "k1", runId, "query", "1", Map.of(), 1000));
  }

  @Test
  void replyCarriesRequestCorrelationId() throws Exception {
    broker = TestBroker.start();
    client = startClient(broker.url());
    assertTrue(client.awaitConnected(WAIT), "client did not connect");

    try (Session session = broker.session()) {
      TemporaryQueue replies = session.createTemporaryQueue();
      MessageProducer producer =
          session.createProducer(session.createQueue(Destinations.agentQueue(AGENT_ID)));
      TextMessage request = session.createTextMessage(executeJson("run-1"));
      request.setJMSReplyTo(replies);
      request.setJMSCorrelationID("corr-1");
      producer.send(request);

      MessageConsumer consumer = session.createConsumer(replies);
      TextMessage reply = (TextMessage) consumer.receive(WAIT.toMillis());

      assertNotNull(reply, "no reply within " + WAIT);
      assertEquals("corr-1", reply.getJMSCorrelationID());
      AgentReply parsed = Messages.fromJson(reply.getText(), AgentReply.class);
      assertEquals("run-1", assertInstanceOf(AgentReply.ExecuteResult.class, parsed).runId());
    }
  }

  @Test
  void replyWithoutCorrelationIdUsesMessageId() throws Exception {
    broker = TestBroker.start();
    client = startClient(broker.url());
    assertTrue(client.awaitConnected(WAIT), "client did not connect");

    try (Session session = broker.session()) {
      TemporaryQueue replies = session.createTemporaryQueue();
      MessageProducer producer =
          session.createProducer(session.createQueue(Destinations.agentQueue(AGENT_ID)));
      TextMessage request = session.createTextMessage(executeJson("run-2"));
      request.setJMSReplyTo(replies);
      producer.send(request);

      Message reply = session.createConsumer(replies).receive(WAIT.toMillis());

      assertNotNull(reply, "no reply within " + WAIT);
      assertEquals(request.getJMSMessageID(), reply.getJMSCorrelationID());
    }
  }

  @Test
  void invalidMessagesAreDroppedNotRedelivered() throws Exception {
    broker = TestBroker.start();
    client = startClient(broker.url());
    assertTrue(client.awaitConnected(WAIT), "client did not connect");

    try (Session session = broker.session()) {
      MessageProducer producer =
          session.createProducer(session.createQueue(Destinations.agentQueue(AGENT_ID)));
      producer.send(session.createTextMessage("not json"));
      producer.send(session.createTextMessage("{\"type\": \"launch_rocket\"}"));
      producer.send(session.createTextMessage("{\"type\": \"create_kernel\", \"resources\": 7}"));
      producer.send(session.createBytesMessage());
      producer.send(
          session.createTextMessage(
              Messages.toJson(new AgentCommand.DestroyKernel("s1", "k1", "test"))));
    }

    AgentCommand received = commands.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertInstanceOf(AgentCommand.DestroyKernel.class, received);
    client.close();
    client = null;

    Message leftover = broker.receive(Destinations.agentQueue(AGENT_ID), Duration.ofMillis(500));
    assertNull(leftover, "an invalid message stayed on the command queue");
    assertTrue(commands.isEmpty(), "an invalid message reached the listener: " + commands);
  }

  @Test
  void eventsArePersistentOnManagerQueue() throws Exception {
    broker = TestBroker.start();
    client = startClient(broker.url());
    assertTrue(client.awaitConnected(WAIT), "client did not connect");

    client.sendEvent(new AgentEvent.KernelStarted(AGENT_ID, "s1", "k1", "c1"));

    TextMessage event = (TextMessage) broker.receive(Destinations.MANAGER_EVENTS_QUEUE, WAIT);
    assertNotNull(event, "no event within " + WAIT);
    assertEquals(DeliveryMode.PERSISTENT, event.getJMSDeliveryMode());
    AgentEvent parsed = Messages.fromJson(event.getText(), AgentEvent.class);
    assertEquals(new AgentEvent.KernelStarted(AGENT_ID, "s1", "k1", "c1"), parsed);
  }

  @Test
  void connectsWhenBrokerStartsLaterAndAfterRestart() throws Exception {
    int port = TestBroker.freePort();
    client = startClient("tcp://127.0.0.1:" + port);
    client.sendEvent(new AgentEvent.KernelStarted(AGENT_ID, "s1", "queued", "c1"));
    Thread.sleep(1500);

    broker = TestBroker.start(port);
    assertTrue(client.awaitConnected(WAIT), "client did not connect after the broker started");
    TextMessage queued = (TextMessage) broker.receive(Destinations.MANAGER_EVENTS_QUEUE, WAIT);
    assertNotNull(queued, "the event sent while disconnected was not delivered");
    assertTrue(queued.getText().contains("\"queued\""), queued.getText());

    broker.close();
    broker = TestBroker.start(port);
    Await.until(WAIT, "the client reconnects after a broker restart", () -> connects.get() >= 2);
    client.sendEvent(new AgentEvent.KernelStarted(AGENT_ID, "s1", "after-restart", "c1"));
    TextMessage after = (TextMessage) broker.receive(Destinations.MANAGER_EVENTS_QUEUE, WAIT);
    assertNotNull(after, "no event after the broker restart");
    assertTrue(after.getText().contains("after-restart"), after.getText());
  }

  @Test
  void typeFieldReadsTypeOrPlaceholder() {
    assertEquals("execute", BrokerClient.typeField("{\"type\":\"execute\"}"));
    assertEquals("(missing)", BrokerClient.typeField("{\"kind\":\"execute\"}"));
    assertEquals("(not JSON)", BrokerClient.typeField("{oops"));
  }
}
