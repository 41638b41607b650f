package ai.backend.manager.infrastructure.messaging;

import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.Messages;
import ai.backend.manager.application.AgentRegistry;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;
import jakarta.jms.TextMessage;
import org.jboss.logging.Logger;

/**
 * Reads heartbeats and kernel events from the agents' queue. A message that cannot be parsed is
 * logged and dropped. A failure while applying one propagates, so the broker redelivers it and,
 * after its redelivery limit, moves it to the dead-letter queue.
 */
@MessageDriven(
    activationConfig = {
      @ActivationConfigProperty(
          propertyName = "destinationLookup",
          propertyValue = "java:/jms/queue/BackendAiManagerEvents"),
      @ActivationConfigProperty(
          propertyName = "destinationType",
          propertyValue = "jakarta.jms.Queue"),
      @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "4"),
    })
public class AgentEventListener implements MessageListener {

  private static final Logger LOG = Logger.getLogger(AgentEventListener.class);

  @EJB private AgentRegistry registry;

  @Override
  public void onMessage(Message message) {
    String body;
    try {
      if (!(message instanceof TextMessage text)) {
        LOG.warnf("Dropped a %s on the agent event queue", message.getClass().getSimpleName());
        return;
      }
      body = text.getText();
    } catch (JMSException e) {
      LOG.warnf("Dropped an unreadable agent event: %s", e.getMessage());
      return;
    }
    AgentEvent event;
    try {
      event = Messages.fromJson(body, AgentEvent.class);
    } catch (Messages.InvalidMessageException e) {
      LOG.warnf("Dropped an invalid agent event: %s", e.getMessage());
      return;
    }
    registry.apply(event);
  }
}
