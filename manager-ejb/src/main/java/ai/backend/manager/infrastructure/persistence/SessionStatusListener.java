package ai.backend.manager.infrastructure.persistence;

import ai.backend.manager.application.SessionEvent;
import ai.backend.manager.domain.model.Session;
import ai.backend.manager.infrastructure.messaging.SessionEventPublisher;
import jakarta.inject.Inject;
import jakarta.persistence.PostPersist;
import jakarta.persistence.PostUpdate;
import org.jboss.logging.Logger;

/**
 * Publishes a session event each time a session is stored in a new status, whichever service
 * changed it. It runs when the change is flushed, and the event leaves with the commit.
 */
public class SessionStatusListener {

  private static final Logger LOG = Logger.getLogger(SessionStatusListener.class);

  @Inject private SessionEventPublisher publisher;

  @PostPersist
  @PostUpdate
  void statusStored(Session session) {
    if (!session.takeStatusChange()) {
      return;
    }
    try {
      publisher.publish(SessionEvent.of(session, session.getStatusChangedAt()));
    } catch (RuntimeException e) {
      // Events are a notification; a broker failure must not undo the status change.
      LOG.warnf(
          "Cannot publish the %s event of session %s: %s",
          session.getStatus(), session.getId(), e.getMessage());
    }
  }
}
