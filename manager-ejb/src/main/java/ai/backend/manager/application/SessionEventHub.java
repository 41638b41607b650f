package ai.backend.manager.application;

import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Hands the session events that reach this manager node to its local subscribers, such as open
 * event streams. Every node receives every event from the events topic, so a subscriber receives
 * the events of all nodes.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class SessionEventHub {

  private static final Logger LOG = Logger.getLogger(SessionEventHub.class);

  /** Subscribers on this node at most, so that clients cannot exhaust its threads or memory. */
  public static final int MAX_SUBSCRIBERS = 1_000;

  private final List<Consumer<SessionEvent>> subscribers = new CopyOnWriteArrayList<>();

  /**
   * Adds a subscriber. It runs on the topic listener's thread, so it must return quickly; one that
   * throws is removed.
   *
   * @return false when the node already has {@link #MAX_SUBSCRIBERS}
   */
  public boolean subscribe(Consumer<SessionEvent> subscriber) {
    if (subscribers.size() >= MAX_SUBSCRIBERS) {
      return false;
    }
    subscribers.add(subscriber);
    return true;
  }

  public void unsubscribe(Consumer<SessionEvent> subscriber) {
    subscribers.remove(subscriber);
  }

  public int subscriberCount() {
    return subscribers.size();
  }

  /** Passes an event to every subscriber; one that fails is removed. */
  public void deliver(SessionEvent event) {
    for (Consumer<SessionEvent> subscriber : subscribers) {
      try {
        subscriber.accept(event);
      } catch (RuntimeException e) {
        LOG.debugf(e, "Removed a session event subscriber that failed on %s", event.event());
        subscribers.remove(subscriber);
      }
    }
  }
}
