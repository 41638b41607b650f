package ai.backend.manager.infrastructure.messaging;

import ai.backend.common.protocol.Messages;
import ai.backend.manager.application.SessionEvent;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Topic;
import org.jboss.logging.Logger;

/**
 * Publishes session events to the topic {@code BackendAiSessionEvents} through one shared
 * connection outside any transaction.
 *
 * <p>NOTE: Events leave when Hibernate writes the status change, which is usually the commit. The
 * send cannot join the transaction, because Narayana refuses new resources during the commit's
 * flush, so a transaction that fails after its flush leaves events of a change that did not happen.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class SessionEventPublisher {

  /** JNDI name of the session events topic. */
  public static final String TOPIC = "java:/jms/topic/BackendAiSessionEvents";

  private static final Logger LOG = Logger.getLogger(SessionEventPublisher.class);

  /** How long an event stays on the topic for a subscriber that is behind. */
  private static final long TIME_TO_LIVE_MILLIS = 10 * 60_000;

  @Resource(lookup = "java:/ConnectionFactory")
  private ConnectionFactory connectionFactory;

  @Resource(lookup = TOPIC)
  private Topic topic;

  private JMSContext context;

  /** Sends one event; a broker failure is logged and the connection opened again next time. */
  public synchronized void publish(SessionEvent event) {
    try {
      if (context == null) {
        context = connectionFactory.createContext(JMSContext.AUTO_ACKNOWLEDGE);
      }
      context
          .createProducer()
          .setDeliveryMode(DeliveryMode.NON_PERSISTENT)
          .setTimeToLive(TIME_TO_LIVE_MILLIS)
          .setProperty("event", event.event())
          .setProperty("sessionId", event.sessionId())
          .setProperty("ownerAccessKey", event.ownerAccessKey())
          .send(topic, Messages.toJson(event));
      LOG.debugf("Published %s for session %s", event.event(), event.sessionId());
    } catch (JMSRuntimeException e) {
      LOG.warnf(
          "Publishing %s of session %s failed: %s",
          event.event(), event.sessionId(), e.getMessage());
      close();
    }
  }

  @PreDestroy
  synchronized void close() {
    if (context != null) {
      try {
        context.close();
      } catch (JMSRuntimeException e) {
        LOG.debugf("Closing the session event connection failed: %s", e.getMessage());
      }
      context = null;
    }
  }
}
