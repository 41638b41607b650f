package ai.backend.common.protocol;

/** Names of the Artemis destinations shared by the manager and the agents. */
public final class Destinations {

  /** Queue that every agent sends heartbeats and kernel events to. */
  public static final String MANAGER_EVENTS_QUEUE = "BackendAiManagerEvents";

  /** Prefix of the queue that only one agent consumes; the agent id follows it. */
  public static final String AGENT_QUEUE_PREFIX = "BackendAiAgent.";

  private Destinations() {}

  /** Returns the name of the command queue of the agent {@code agentId}. */
  public static String agentQueue(String agentId) {
    return AGENT_QUEUE_PREFIX + agentId;
  }
}
