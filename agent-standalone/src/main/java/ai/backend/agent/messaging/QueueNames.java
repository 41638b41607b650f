package ai.backend.agent.messaging;

import ai.backend.common.protocol.Destinations;

/**
 * The one place where the agent turns protocol destinations into the queue names it passes to
 * {@code Session.createQueue}. Brokers that need the Artemis 1.x {@code jms.queue.} prefix get it
 * from the client when the broker URL carries {@code ?enable1xPrefixes=true}.
 */
public final class QueueNames {

  private QueueNames() {}

  /** Returns the queue the agent {@code agentId} consumes commands from. */
  public static String commandQueue(String agentId) {
    return Destinations.agentQueue(agentId);
  }

  /** Returns the queue every agent sends heartbeats and kernel events to. */
  public static String eventQueue() {
    return Destinations.MANAGER_EVENTS_QUEUE;
  }
}
