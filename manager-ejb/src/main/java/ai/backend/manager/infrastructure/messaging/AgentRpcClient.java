package ai.backend.manager.infrastructure.messaging;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentReply;
import ai.backend.common.protocol.Destinations;
import ai.backend.common.protocol.Messages;
import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.time.Duration;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Request-reply calls to an agent over Artemis, with a bounded wait. It runs outside any
 * transaction because a request sent inside one would only leave on commit, after the wait.
 */
@Stateless
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class AgentRpcClient {

  private static final Logger LOG = Logger.getLogger(AgentRpcClient.class);

  @Resource(lookup = "java:/ConnectionFactory")
  private ConnectionFactory connectionFactory;

  /** The agent did not reply in time, or its reply could not be read. */
  public static class AgentCallException extends Exception {
    private final boolean timedOut;

    public AgentCallException(String message, boolean timedOut) {
      super(message);
      this.timedOut = timedOut;
    }

    public boolean isTimedOut() {
      return timedOut;
    }
  }

  /**
   * Sends a command to an agent and waits for its reply.
   *
   * @param timeout how long to wait for the reply; the request expires after it too
   */
  public AgentReply call(String agentId, AgentCommand command, Duration timeout)
      throws AgentCallException {
    String correlationId = UUID.randomUUID().toString();
    try (JMSContext context = connectionFactory.createContext(JMSContext.AUTO_ACKNOWLEDGE)) {
      TemporaryQueue replyQueue = context.createTemporaryQueue();
      try (JMSConsumer consumer = context.createConsumer(replyQueue)) {
        TextMessage request = context.createTextMessage(Messages.toJson(command));
        request.setJMSCorrelationID(correlationId);
        request.setJMSReplyTo(replyQueue);
        context
            .createProducer()
            .setDeliveryMode(DeliveryMode.NON_PERSISTENT)
            .setTimeToLive(timeout.toMillis())
            .send(context.createQueue(Destinations.agentQueue(agentId)), request);
        Message reply = consumer.receive(timeout.toMillis());
        if (reply == null) {
          LOG.warnf(
              "Agent %s did not reply to %s for kernel %s within %d ms",
              agentId, command.getClass().getSimpleName(), command.kernelId(), timeout.toMillis());
          throw new AgentCallException(
              "agent " + agentId + " did not reply within " + timeout.toSeconds() + " s", true);
        }
        return Messages.fromJson(reply.getBody(String.class), AgentReply.class);
      } finally {
        replyQueue.delete();
      }
    } catch (JMSException | JMSRuntimeException e) {
      LOG.errorf(e, "Messaging failed while calling agent %s", agentId);
      throw new AgentCallException("messaging failed while calling agent " + agentId, false);
    } catch (Messages.InvalidMessageException e) {
      LOG.errorf("Agent %s sent an invalid reply: %s", agentId, e.getMessage());
      throw new AgentCallException("agent " + agentId + " sent an invalid reply", false);
    }
  }
}
