package ai.backend.manager.infrastructure.messaging;

import ai.backend.common.protocol.Messages;
import ai.backend.manager.application.SessionEvent;
import ai.backend.manager.application.SessionEventHub;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;
import jakarta.jms.TextMessage;
import org.jboss.logging.Logger;

/**
 * Reads the session events topic on this node, with a subscription of its own, and hands each event
 * to the node's {@link SessionEventHub}.
 */
@MessageDriven(
    activationConfig = {
      @ActivationConfigProperty(
          propertyName = "destinationLookup",
          propertyValue = SessionEventPublisher.TOPIC),
      @ActivationConfigProperty(
          propertyName = "destinationType",
          propertyValue = "jakarta.jms.Topic"),
      @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "1"),
    })
public class SessionEventSubscriber implements MessageListener {

  private static final Logger LOG = Logger.getLogger(SessionEventSubscriber.class);

  @EJB private SessionEventHub hub;

  @Override
  public void onMessage(Message message) {
    try {
      if (message instanceof TextMessage text) {
        hub.deliver(Messages.fromJson(text.getText(), SessionEvent.class));
      }
    } catch (JMSException | Messages.InvalidMessageException e) {
      LOG.warnf("Dropped an unreadable session event: %s", e.getMessage());
    }
  }
}
