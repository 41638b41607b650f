package ai.backend.agent.simulation;

import ai.backend.agent.messaging.ReplyAddress;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An outbox that keeps what a simulated agent sends, for tests without a broker. */
final class RecordingOutbox implements Outbox {

  final BlockingQueue<AgentEvent> events = new LinkedBlockingQueue<>();
  final List<AgentEvent.Heartbeat> heartbeats = new CopyOnWriteArrayList<>();
  final List<Duration> heartbeatTimesToLive = new CopyOnWriteArrayList<>();
  final List<AgentReply> replies = new CopyOnWriteArrayList<>();

  @Override
  public void sendEvent(AgentEvent event) {
    events.add(event);
  }

  @Override
  public void sendHeartbeat(AgentEvent.Heartbeat heartbeat, Duration timeToLive) {
    heartbeats.add(heartbeat);
    heartbeatTimesToLive.add(timeToLive);
  }

  @Override
  public void reply(ReplyAddress address, AgentReply reply) {
    replies.add(reply);
  }

  /** Returns the next event, or fails after {@code timeout}. */
  AgentEvent nextEvent(Duration timeout) throws InterruptedException {
    AgentEvent event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (event == null) {
      throw new AssertionError("no event within " + timeout.toMillis() + " ms");
    }
    return event;
  }
}
