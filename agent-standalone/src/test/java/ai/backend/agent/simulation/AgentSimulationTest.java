package ai.backend.agent.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.agent.config.SimulationConfig;
import ai.backend.agent.messaging.TestBroker;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import ai.backend.common.protocol.Destinations;
import ai.backend.common.protocol.Messages;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Simulated agents against an embedded Artemis broker, as the manager would see them. */
@Timeout(60)
class AgentSimulationTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private TestBroker broker;
  private AgentSimulation simulation;

  @AfterEach
  void stop() throws Exception {
    if (simulation != null) {
      simulation.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private void startSimulation(int agents) throws Exception {
    broker = TestBroker.start();
    simulation =
        new AgentSimulation(
            SimulationTestConfigs.config(broker.url(), "simtest"),
            new SimulationConfig(agents, Duration.ofMillis(100)),
            "test-host",
            "1.0",
            () -> SimulatedImages.BUILT_IN);
    simulation.start();
    assertTrue(simulation.awaitConnected(WAIT), "simulated agents did not connect");
  }

  /** Receives the next event that is not a heartbeat, or fails after {@link #WAIT}. */
  private AgentEvent nextKernelEvent() throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Message message = broker.receive(Destinations.MANAGER_EVENTS_QUEUE, Duration.ofSeconds(1));
      if (message == null) {
        continue;
      }
      AgentEvent event = Messages.fromJson(((TextMessage) message).getText(), AgentEvent.class);
      if (!(event instanceof AgentEvent.Heartbeat)) {
        return event;
      }
    }
    throw new AssertionError("no kernel event within " + WAIT.toSeconds() + " s");
  }

  private void send(String agentId, AgentCommand command) throws Exception {
    try (Session session = broker.session();
        MessageProducer producer =
            session.createProducer(session.createQueue(Destinations.agentQueue(agentId)))) {
      producer.send(session.createTextMessage(Messages.toJson(command)));
    }
  }

  @Test
  void everyAgentSendsHeartbeats() throws Exception {
    startSimulation(3);
    Set<String> seen = new TreeSet<>();

    long deadline = System.nanoTime() + WAIT.toNanos();
    while (seen.size() < 3 && System.nanoTime() < deadline) {
      Message message = broker.receive(Destinations.MANAGER_EVENTS_QUEUE, Duration.ofSeconds(1));
      if (message == null) {
        continue;
      }
      AgentEvent event = Messages.fromJson(((TextMessage) message).getText(), AgentEvent.class);
      AgentEvent.Heartbeat heartbeat = assertInstanceOf(AgentEvent.Heartbeat.class, event);
      assertEquals("1.0-simulated", heartbeat.version());
      assertEquals("sim-test", heartbeat.scalingGroup());
      seen.add(heartbeat.agentId());
    }

    assertEquals(Set.of("simtest-0001", "simtest-0002", "simtest-0003"), seen);
  }

  @Test
  void kernelStartsAndExecuteReplies() throws Exception {
    startSimulation(2);
    send(
        "simtest-0002",
        new AgentCommand.CreateKernel(
            "s1",
            "k1",
            "backendai/python:3.11-debian12",
            Map.of("cpu", "1", "mem", "268435456"),
            Map.of(),
            "AK"));

    AgentEvent.KernelStarted started =
        assertInstanceOf(AgentEvent.KernelStarted.class, nextKernelEvent());
    assertEquals("simtest-0002", started.agentId());
    assertTrue(started.containerId().startsWith("sim-"), started.containerId());

    try (Session session = broker.session()) {
      TemporaryQueue replies = session.createTemporaryQueue();
      MessageConsumer consumer = session.createConsumer(replies);
      MessageProducer producer =
          session.createProducer(session.createQueue(Destinations.agentQueue("simtest-0002")));
      TextMessage request =
          session.createTextMessage(
              Messages.toJson(
                  new AgentCommand.Execute("s1", "k1", "run-1", "query", "print(1)", Map.of(), 0)));
      request.setJMSReplyTo(replies);
      request.setJMSCorrelationID("correlation-7");
      producer.send(request);

      Message reply = consumer.receive(WAIT.toMillis());
      assertNotNull(reply, "no reply to execute");
      assertEquals("correlation-7", reply.getJMSCorrelationID());
      AgentReply.ExecuteResult result =
          assertInstanceOf(
              AgentReply.ExecuteResult.class,
              Messages.fromJson(((TextMessage) reply).getText(), AgentReply.class));
      assertEquals(List.of(List.of("stdout", SimulatedAgent.NOT_RUN_OUTPUT)), result.console());
    }
  }

  @Test
  void closeReportsKernelsTerminated() throws Exception {
    startSimulation(1);
    send(
        "simtest-0001",
        new AgentCommand.CreateKernel(
            "s1", "k1", "python", Map.of("cpu", "1", "mem", "268435456"), Map.of(), "AK"));
    assertInstanceOf(AgentEvent.KernelStarted.class, nextKernelEvent());

    simulation.close();

    AgentEvent.KernelTerminated terminated =
        assertInstanceOf(AgentEvent.KernelTerminated.class, nextKernelEvent());
    assertEquals("k1", terminated.kernelId());
    assertEquals("the simulated agent stopped", terminated.reason());
  }
}
