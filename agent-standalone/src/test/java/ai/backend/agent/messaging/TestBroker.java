package ai.backend.agent.messaging;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * An embedded Artemis broker on a loopback port, with security and persistence off, plus a client
 * connection for tests to send and receive with.
 */
public final class TestBroker implements AutoCloseable {

  private final int port;
  private EmbeddedActiveMQ server;
  private ActiveMQConnectionFactory factory;
  private Connection connection;

  private TestBroker(int port) {
    this.port = port;
  }

  /** Returns a loopback TCP port that was free a moment ago. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Starts a broker on a free loopback port. */
  public static TestBroker start() throws Exception {
    return start(freePort());
  }

  /** Starts a broker on {@code port} of the loopback address. */
  public static TestBroker start(int port) throws Exception {
    TestBroker broker = new TestBroker(port);
    broker.startServer();
    return broker;
  }

  private void startServer() throws Exception {
    ConfigurationImpl configuration = new ConfigurationImpl();
    configuration.setName("test-broker-" + port);
    configuration.setSecurityEnabled(false);
    configuration.setPersistenceEnabled(false);
    configuration.setJMXManagementEnabled(false);
    configuration.addAcceptorConfiguration("tcp", url());
    server = new EmbeddedActiveMQ().setConfiguration(configuration);
    server.start();
    factory = new ActiveMQConnectionFactory(url());
    connection = factory.createConnection();
    connection.start();
  }

  public String url() {
    return "tcp://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Opens a session on the test's own connection; the caller closes it. */
  public Session session() throws JMSException {
    return connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
  }

  /**
   * Receives the next message from {@code queue}, or returns {@code null} after {@code timeout}.
   */
  public Message receive(String queue, Duration timeout) throws JMSException {
    try (Session session = session();
        MessageConsumer consumer = session.createConsumer(session.createQueue(queue))) {
      return consumer.receive(timeout.toMillis());
    }
  }

  @Override
  public void close() throws Exception {
    try {
      if (connection != null) {
        connection.close();
      }
      if (factory != null) {
        factory.close();
      }
    } finally {
      server.stop();
    }
  }
}
