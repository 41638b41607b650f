package ai.backend.manager.infrastructure.messaging;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.Destinations;
import ai.backend.common.protocol.Messages;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSContext;
import jakarta.jms.TextMessage;
import org.jboss.logging.Logger;

/**
 * Sends persistent commands to an agent's queue. The send joins the caller's transaction, so a
 * command leaves only when the state change that caused it commits.
 */
@Stateless
public class AgentCommandSender {

  private static final Logger LOG = Logger.getLogger(AgentCommandSender.class);

  @Inject private JMSContext jms;

  /** Queues a command for the agent; it is delivered when the agent consumes its queue. */
  public void send(String agentId, AgentCommand command) {
    TextMessage message = jms.createTextMessage(Messages.toJson(command));
    jms.createProducer()
        .setDeliveryMode(DeliveryMode.PERSISTENT)
        .send(jms.createQueue(Destinations.agentQueue(agentId)), message);
    LOG.debugf(
        "Queued %s for agent %s (kernel %s)",
        command.getClass().getSimpleName(), agentId, command.kernelId());
  }
}
