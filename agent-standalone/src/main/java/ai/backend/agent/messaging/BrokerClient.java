package ai.backend.agent.messaging;

import ai.backend.agent.config.AgentConfig;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import ai.backend.common.protocol.Messages;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's connection to the Artemis broker. It consumes the agent's command queue and sends
 * events and replies, and it reconnects with exponential backoff whenever the broker is away.
 *
 * <p>Jakarta Messaging sessions are single-threaded, so the consumer session is used only by the
 * client's delivery thread, which hands each command to the {@link CommandListener}, and the
 * producer session only while holding {@link #sendLock}.
 */
public final class BrokerClient implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BrokerClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** Kernel events kept while the broker is away; the oldest are dropped past this count. */
  static final int MAX_PENDING_EVENTS = 10_000;

  private final String brokerUrl;
  private final String user;
  private final String password;
  private final String agentId;
  private final CommandListener listener;
  private final Runnable onConnected;

  private final Object sendLock = new Object();
  private final Deque<AgentEvent> pendingEvents = new ArrayDeque<>();
  private long droppedEvents;

  private volatile boolean running;
  private volatile Link link;
  private Thread connector;

  /** One live connection with its two sessions; {@code lost} opens when it fails. */
  private record Link(
      ActiveMQConnectionFactory factory,
      Connection connection,
      Session consumerSession,
      Session producerSession,
      MessageProducer producer,
      Queue eventQueue,
      CountDownLatch lost) {}

  /**
   * Creates a client; {@link #start()} connects it.
   *
   * @param password the broker password, or {@code null} for none
   * @param onConnected runs on the connector thread after each successful connect
   */
  public BrokerClient(
      String brokerUrl,
      String user,
      String password,
      String agentId,
      CommandListener listener,
      Runnable onConnected) {
    this.brokerUrl = brokerUrl;
    this.user = user;
    this.password = password;
    this.agentId = agentId;
    this.listener = listener;
    this.onConnected = onConnected;
  }

  /** Starts connecting in the background; the client keeps retrying until {@link #close()}. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    connector = new Thread(this::connectLoop, "broker-connector");
    connector.setDaemon(true);
    connector.start();
  }

  /** Tells whether the client is connected to the broker right now. */
  public boolean isConnected() {
    return link != null;
  }

  /**
   * Waits until the client is connected.
   *
   * @return {@code true} if it connected before the timeout
   */
  public boolean awaitConnected(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (link == null) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  /**
   * Sends a kernel event to the manager as a persistent message. While the broker is away the event
   * waits in memory, up to {@value #MAX_PENDING_EVENTS} events, and goes out after the next
   * connect.
   */
  public void sendEvent(AgentEvent event) {
    synchronized (sendLock) {
      if (!trySendEvent(event, 0)) {
        queueEvent(event);
      }
    }
  }

  /**
   * Sends a heartbeat that expires after {@code timeToLive}; it is dropped, not queued, while the
   * broker is away because the next one replaces it.
   */
  public void sendHeartbeat(AgentEvent.Heartbeat heartbeat, Duration timeToLive) {
    synchronized (sendLock) {
      if (!trySendEvent(heartbeat, timeToLive.toMillis())) {
        log.debug("Agent {} skipped a heartbeat because the broker is not connected", agentId);
      }
    }
  }

  /** Sends a reply to a request; it is dropped with a warning if there is no reply destination. */
  public void reply(ReplyAddress address, AgentReply reply) {
    if (address.destination() == null) {
      log.warn(
          "Agent {} dropped a {} reply because the request had no JMSReplyTo (correlation id {})",
          agentId,
          reply.getClass().getSimpleName(),
          address.correlationId());
      return;
    }
    synchronized (sendLock) {
      Link current = link;
      if (current == null) {
        log.warn(
            "Agent {} dropped a reply with correlation id {} because the broker is not connected",
            agentId,
            address.correlationId());
        return;
      }
      try {
        TextMessage message = current.producerSession().createTextMessage(Messages.toJson(reply));
        message.setJMSCorrelationID(address.correlationId());
        current
            .producer()
            .send(
                address.destination(),
                message,
                DeliveryMode.NON_PERSISTENT,
                Message.DEFAULT_PRIORITY,
                0);
      } catch (JMSException | RuntimeException e) {
        log.warn(
            "Agent {} failed to send a reply with correlation id {}: {}",
            agentId,
            address.correlationId(),
            e.toString());
        signalLost(current);
      }
    }
  }

  @Override
  public void close() {
    Thread thread;
    synchronized (this) {
      running = false;
      thread = connector;
    }
    Link current = link;
    if (current != null) {
      current.lost().countDown();
    }
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (sendLock) {
      if (!pendingEvents.isEmpty()) {
        log.warn(
            "Agent {} stopped with {} kernel events not sent to the broker",
            agentId,
            pendingEvents.size());
      }
    }
  }

  private boolean trySendEvent(AgentEvent event, long timeToLiveMillis) {
    Link current = link;
    if (current == null) {
      return false;
    }
    try {
      TextMessage message = current.producerSession().createTextMessage(Messages.toJson(event));
      current
          .producer()
          .send(
              current.eventQueue(),
              message,
              DeliveryMode.PERSISTENT,
              Message.DEFAULT_PRIORITY,
              timeToLiveMillis);
      return true;
    } catch (JMSException | RuntimeException e) {
      log.warn(
          "Agent {} failed to send a {} event: {}",
          agentId,
          event.getClass().getSimpleName(),
          e.toString());
      signalLost(current);
      return false;
    }
  }

  private void queueEvent(AgentEvent event) {
    if (pendingEvents.size() >= MAX_PENDING_EVENTS) {
      pendingEvents.removeFirst();
      droppedEvents++;
      if (droppedEvents == 1 || droppedEvents % 1000 == 0) {
        log.error(
            "Agent {} dropped {} kernel events in total because the broker stayed away",
            agentId,
            droppedEvents);
      }
    }
    pendingEvents.addLast(event);
  }

  private void flushPendingEvents() {
    synchronized (sendLock) {
      int sent = 0;
      while (!pendingEvents.isEmpty()) {
        if (!trySendEvent(pendingEvents.peekFirst(), 0)) {
          break;
        }
        pendingEvents.removeFirst();
        sent++;
      }
      if (sent > 0) {
        log.info("Agent {} sent {} kernel events queued while disconnected", agentId, sent);
      }
    }
  }

  private void connectLoop() {
    Duration backoff = INITIAL_BACKOFF;
    int attempt = 0;
    while (running) {
      attempt++;
      Link current = null;
      try {
        current = connect();
        link = current;
        log.info(
            "Agent {} connected to broker {} and consumes queue {}",
            agentId,
            redact(brokerUrl),
            QueueNames.commandQueue(agentId));
        attempt = 0;
        backoff = INITIAL_BACKOFF;
        flushPendingEvents();
        onConnected.run();
        current.lost().await();
        if (running) {
          log.warn("Agent {} lost its broker connection; reconnecting", agentId);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (JMSException | RuntimeException e) {
        log.warn(
            "Agent {} cannot connect to broker {} (attempt {}): {}; retrying in {} ms",
            agentId,
            redact(brokerUrl),
            attempt,
            describe(e),
            backoff.toMillis());
      } finally {
        synchronized (sendLock) {
          link = null;
        }
        closeQuietly(current);
      }
      if (!running) {
        break;
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        if (!running) {
          break;
        }
      }
      backoff =
          backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
              ? MAX_BACKOFF
              : backoff.multipliedBy(2);
    }
    log.info("Agent {} stopped its broker connection", agentId);
  }

  private Link connect() throws JMSException {
    // The factory owns the client's server locator, so it must stay open as long as the connection.
    ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(brokerUrl);
    Connection connection = null;
    try {
      connection = factory.createConnection(user, password);
      CountDownLatch lost = new CountDownLatch(1);
      connection.setExceptionListener(
          e -> {
            log.warn("Agent {} got a broker connection error: {}", agentId, e.toString());
            lost.countDown();
          });
      Session producerSession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageProducer producer = producerSession.createProducer(null);
      Queue eventQueue = producerSession.createQueue(QueueNames.eventQueue());
      Session consumerSession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue commandQueue = consumerSession.createQueue(QueueNames.commandQueue(agentId));
      MessageConsumer consumer = consumerSession.createConsumer(commandQueue);
      consumer.setMessageListener(this::onMessage);
      connection.start();
      return new Link(
          factory, connection, consumerSession, producerSession, producer, eventQueue, lost);
    } catch (JMSException | RuntimeException e) {
      if (connection != null) {
        try {
          connection.close();
        } catch (JMSException closeError) {
          e.addSuppressed(closeError);
        }
      }
      factory.close();
      throw e;
    }
  }

  /**
   * Parses one command and hands it on. It catches every exception, so the message is acknowledged
   * even when it is invalid and is not redelivered.
   */
  private void onMessage(Message message) {
    String type = "(unknown)";
    try {
      if (!(message instanceof TextMessage textMessage)) {
        log.warn(
            "Agent {} dropped a {} from its command queue: commands are text messages",
            agentId,
            message.getClass().getSimpleName());
        return;
      }
      String body = textMessage.getText();
      type = typeField(body);
      AgentCommand command = Messages.fromJson(body, AgentCommand.class);
      String correlationId = message.getJMSCorrelationID();
      if (correlationId == null) {
        correlationId = message.getJMSMessageID();
      }
      listener.onCommand(command, new ReplyAddress(message.getJMSReplyTo(), correlationId));
    } catch (Messages.InvalidMessageException e) {
      log.warn(
          "Agent {} dropped an invalid command message of type {}: {}",
          agentId,
          type,
          e.getMessage());
    } catch (JMSException | RuntimeException e) {
      log.error("Agent {} failed to handle a command message of type {}", agentId, type, e);
    }
  }

  /** Returns the {@code type} field of a JSON object, or a placeholder when there is none. */
  static String typeField(String body) {
    if (body == null) {
      return "(no body)";
    }
    try {
      JsonNode node = JSON.readTree(body);
      JsonNode type = node == null ? null : node.get("type");
      return type == null || !type.isTextual() ? "(missing)" : type.asText();
    } catch (java.io.IOException e) {
      return "(not JSON)";
    }
  }

  private void signalLost(Link current) {
    current.lost().countDown();
  }

  private void closeQuietly(Link current) {
    if (current == null) {
      return;
    }
    try {
      current.connection().close();
    } catch (JMSException | RuntimeException e) {
      log.debug("Agent {} ignored an error while closing its broker connection", agentId, e);
    } finally {
      current.factory().close();
    }
  }

  private static String redact(String url) {
    return AgentConfig.redactUrl(url);
  }

  /** Returns the exception and its deepest cause, which usually names the network error. */
  private static String describe(Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? e.toString() : e + " (cause: " + root + ")";
  }
}
