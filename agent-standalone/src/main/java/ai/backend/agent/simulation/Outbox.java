package ai.backend.agent.simulation;

import ai.backend.agent.messaging.ReplyAddress;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import java.time.Duration;

/**
 * The messages a simulated agent sends. {@link ai.backend.agent.messaging.BrokerClient} carries
 * them in the simulation, and tests record them.
 */
interface Outbox {

  /** Sends a kernel event to the manager. */
  void sendEvent(AgentEvent event);

  /** Sends a heartbeat that expires after {@code timeToLive}. */
  void sendHeartbeat(AgentEvent.Heartbeat heartbeat, Duration timeToLive);

  /** Sends the reply to a request. */
  void reply(ReplyAddress address, AgentReply reply);
}
