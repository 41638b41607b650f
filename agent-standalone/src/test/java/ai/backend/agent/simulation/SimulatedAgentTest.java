package ai.backend.agent.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.agent.messaging.ReplyAddress;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SimulatedAgentTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ReplyAddress NO_REPLY = new ReplyAddress(null, "correlation-1");
  private static final Map<String, String> ONE_CORE = Map.of("cpu", "1", "mem", "268435456");

  /** One thread, so that tasks run in the order of their due times. */
  private final ScheduledExecutorService timer = new ScheduledThreadPoolExecutor(1);

  private final RecordingOutbox outbox = new RecordingOutbox();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  private SimulatedAgent agent(Duration startDelay) {
    return new SimulatedAgent(
        "sim-0001",
        SimulationTestConfigs.config("tcp://127.0.0.1:1", "sim"),
        "test-host",
        "1.0",
        startDelay,
        SimulatedImages.BUILT_IN,
        timer,
        outbox);
  }

  private static AgentCommand.CreateKernel create(String kernelId, Map<String, String> resources) {
    return new AgentCommand.CreateKernel(
        "session-" + kernelId,
        kernelId,
        "backendai/python:3.11-debian12",
        resources,
        Map.of(),
        "AK");
  }

  /** Creates a kernel and waits for its {@code kernel_started}. */
  private AgentEvent.KernelStarted start(SimulatedAgent agent, String kernelId)
      throws InterruptedException {
    agent.onCommand(create(kernelId, ONE_CORE), NO_REPLY);
    return assertInstanceOf(AgentEvent.KernelStarted.class, outbox.nextEvent(WAIT));
  }

  /** Waits until every task due within {@code delay} from now has run on the one timer thread. */
  private void awaitTimerPast(Duration delay) throws Exception {
    ScheduledFuture<?> marker =
        timer.schedule(() -> {}, delay.toMillis() + 50, TimeUnit.MILLISECONDS);
    marker.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private AgentReply request(SimulatedAgent agent, AgentCommand command) {
    agent.onCommand(command, NO_REPLY);
    return outbox.replies.get(outbox.replies.size() - 1);
  }

  @Test
  void createReportsStartedAfterDelay() throws Exception {
    Duration delay = Duration.ofMillis(200);
    SimulatedAgent agent = agent(delay);
    long begin = System.nanoTime();

    AgentEvent.KernelStarted started = start(agent, "k1");

    long elapsedMillis = (System.nanoTime() - begin) / 1_000_000;
    assertTrue(elapsedMillis >= delay.toMillis(), "started after " + elapsedMillis + " ms");
    assertEquals("sim-0001", started.agentId());
    assertEquals("session-k1", started.sessionId());
    assertEquals("k1", started.kernelId());
    assertTrue(started.containerId().startsWith("sim-"), started.containerId());
  }

  @Test
  void createBeyondCapacityFails() throws Exception {
    SimulatedAgent agent = agent(Duration.ZERO);
    start(agent, "k1");
    start(agent, "k2");

    agent.onCommand(create("k3", ONE_CORE), NO_REPLY);

    AgentEvent.KernelCreationFailed failed =
        assertInstanceOf(AgentEvent.KernelCreationFailed.class, outbox.nextEvent(WAIT));
    assertEquals("k3", failed.kernelId());
    assertTrue(failed.reason().contains("not enough free resources"), failed.reason());
    assertEquals("2", agent.occupied().toStringMap().get("cpu"));
  }

  @Test
  void createWithoutMemoryFails() throws Exception {
    SimulatedAgent agent = agent(Duration.ZERO);

    agent.onCommand(create("k1", Map.of("cpu", "1")), NO_REPLY);

    AgentEvent.KernelCreationFailed failed =
        assertInstanceOf(AgentEvent.KernelCreationFailed.class, outbox.nextEvent(WAIT));
    assertTrue(failed.reason().contains("positive cpu and mem"), failed.reason());
  }

  @Test
  void repeatedCreateRepeatsStarted() throws Exception {
    SimulatedAgent agent = agent(Duration.ZERO);
    AgentEvent.KernelStarted first = start(agent, "k1");

    agent.onCommand(create("k1", ONE_CORE), NO_REPLY);

    AgentEvent.KernelStarted again =
        assertInstanceOf(AgentEvent.KernelStarted.class, outbox.nextEvent(WAIT));
    assertEquals(first.containerId(), again.containerId());
    assertEquals("1", agent.occupied().toStringMap().get("cpu"));
  }

  @Test
  void destroyFreesSlots() throws Exception {
    SimulatedAgent agent = agent(Duration.ZERO);
    start(agent, "k1");
    start(agent, "k2");

    agent.onCommand(new AgentCommand.DestroyKernel("session-k1", "k1", "user-requested"), NO_REPLY);

    AgentEvent.KernelTerminated terminated =
        assertInstanceOf(AgentEvent.KernelTerminated.class, outbox.nextEvent(WAIT));
    assertEquals("k1", terminated.kernelId());
    assertEquals("user-requested", terminated.reason());
    assertNull(terminated.exitCode());
    assertEquals("1", agent.occupied().toStringMap().get("cpu"));
    start(agent, "k3");
  }

  @Test
  void destroyBeforeStartCancelsIt() throws Exception {
    Duration delay = Duration.ofMillis(300);
    SimulatedAgent agent = agent(delay);
    agent.onCommand(create("k1", ONE_CORE), NO_REPLY);

    agent.onCommand(new AgentCommand.DestroyKernel("session-k1", "k1", null), NO_REPLY);
    awaitTimerPast(delay);

    AgentEvent.KernelTerminated terminated =
        assertInstanceOf(AgentEvent.KernelTerminated.class, outbox.nextEvent(WAIT));
    assertEquals("destroyed", terminated.reason());
    assertTrue(outbox.events.isEmpty(), "events after the destroy: " + outbox.events);
    assertEquals("0", agent.occupied().toStringMap().get("cpu"));
  }

  @Test
  void destroyOfUnknownKernelReportsTerminated() throws Exception {
    SimulatedAgent agent = agent(Duration.ZERO);

    agent.onCommand(new AgentCommand.DestroyKernel("s9", "k9", "orphaned"), NO_REPLY);

    AgentEvent.KernelTerminated terminated =
        assertInstanceOf(AgentEvent.KernelTerminated.class, outbox.nextEvent(WAIT));
    assertEquals("s9", terminated.sessionId());
    assertEquals("orphaned", terminated.reason());
  }

  @Test
  void executeSaysCodeWasNotRun() throws Exception {
    SimulatedAgent agent = agent(Duration.ZERO);
    start(agent, "k1");

    for (String mode : List.of("query", "batch")) {
      AgentReply reply =
          request(
              agent,
              new AgentCommand.Execute("session-k1", "k1", "run-1", mode, "print(1)", Map.of(), 0));

      AgentReply.ExecuteResult result = assertInstanceOf(AgentReply.ExecuteResult.class, reply);
      assertEquals("run-1", result.runId(), mode);
      assertEquals("finished", result.status(), mode);
      assertEquals(List.of(List.of("stdout", SimulatedAgent.NOT_RUN_OUTPUT)), result.console());
      assertEquals(SimulatedAgent.NOT_RUN_EXIT_CODE, result.exitCode(), mode);
    }
  }

  @Test
  void executeModesWithoutRun() throws Exception {
    SimulatedAgent agent = agent(Duration.ZERO);
    start(agent, "k1");

    AgentReply continued =
        request(agent, new AgentCommand.Execute("s", "k1", "run-1", "continue", "", Map.of(), 0));
    AgentReply completion =
        request(agent, new AgentCommand.Execute("s", "k1", "run-2", "complete", "pri", null, 0));
    AgentReply unknown =
        request(agent, new AgentCommand.Execute("s", "k1", "run-3", "shout", "", null, 0));

    assertEquals(
        "run-not-found", assertInstanceOf(AgentReply.CommandFailed.class, continued).code());
    AgentReply.ExecuteResult completed =
        assertInstanceOf(AgentReply.ExecuteResult.class, completion);
    assertEquals("finished", completed.status());
    assertEquals(List.of(), completed.options().get("completions"));
    assertEquals(
        "unsupported-mode", assertInstanceOf(AgentReply.CommandFailed.class, unknown).code());
  }

  @Test
  void requestBeforeStartFindsNoKernel() {
    SimulatedAgent agent = agent(Duration.ofSeconds(60));
    agent.onCommand(create("k1", ONE_CORE), NO_REPLY);

    AgentReply reply =
        request(agent, new AgentCommand.Execute("s", "k1", "run-1", "query", "1", null, 0));

    AgentReply.CommandFailed failed = assertInstanceOf(AgentReply.CommandFailed.class, reply);
    assertEquals("kernel-not-found", failed.code());
    assertTrue(failed.message().contains("simulated agent sim-0001"), failed.message());
  }

  @Test
  void otherRequestsSaySimulated() throws Exception {
    SimulatedAgent agent = agent(Duration.ZERO);
    start(agent, "k1");

    AgentReply interrupt = request(agent, new AgentCommand.Interrupt("s", "k1"));
    AgentReply restart = request(agent, new AgentCommand.RestartKernel("s", "k1"));
    AgentReply logs = request(agent, new AgentCommand.GetLogs("s", "k1"));
    AgentReply upload =
        request(
            agent,
            new AgentCommand.UploadFiles(
                "s", "k1", List.of(new AgentCommand.FileData("a.txt", "aGk="))));
    AgentReply badUpload =
        request(
            agent,
            new AgentCommand.UploadFiles(
                "s", "k1", List.of(new AgentCommand.FileData("../a.txt", "aGk="))));
    AgentReply download = request(agent, new AgentCommand.DownloadFiles("s", "k1", List.of("a")));
    AgentReply listing = request(agent, new AgentCommand.ListFiles("s", "k1", "."));
    AgentReply subfolder = request(agent, new AgentCommand.ListFiles("s", "k1", "data"));

    assertTrue(assertInstanceOf(AgentReply.Done.class, interrupt).message().contains("simulated"));
    assertTrue(assertInstanceOf(AgentReply.Done.class, restart).message().contains("simulated"));
    assertTrue(assertInstanceOf(AgentReply.Logs.class, logs).text().contains("simulated"));
    AgentReply.CommandFailed uploadFailed =
        assertInstanceOf(AgentReply.CommandFailed.class, upload);
    assertEquals("file-operation-failed", uploadFailed.code());
    assertTrue(uploadFailed.message().contains("simulated"), uploadFailed.message());
    assertEquals(
        "invalid-path", assertInstanceOf(AgentReply.CommandFailed.class, badUpload).code());
    assertEquals(
        "file-not-found", assertInstanceOf(AgentReply.CommandFailed.class, download).code());
    AgentReply.FileList files = assertInstanceOf(AgentReply.FileList.class, listing);
    assertEquals("/home/work", files.absPath());
    assertEquals(List.of(), files.files());
    assertEquals(
        "file-not-found", assertInstanceOf(AgentReply.CommandFailed.class, subfolder).code());
  }

  @Test
  void heartbeatReportsSlotsKernelsAndImages() throws Exception {
    SimulatedAgent agent = agent(Duration.ZERO);
    AgentEvent.KernelStarted started = start(agent, "k1");
    agent.onCommand(create("k2", ONE_CORE), NO_REPLY);
    outbox.nextEvent(WAIT);

    agent.sendHeartbeat();

    assertEquals(1, outbox.heartbeats.size());
    AgentEvent.Heartbeat heartbeat = outbox.heartbeats.get(0);
    assertEquals("sim-0001", heartbeat.agentId());
    assertEquals("test-host", heartbeat.hostname());
    assertEquals("1.0-simulated", heartbeat.version());
    assertEquals("sim-test", heartbeat.scalingGroup());
    assertEquals(Map.of("cpu", "2", "mem", String.valueOf(1L << 30)), heartbeat.availableSlots());
    assertEquals(Map.of("cpu", "2", "mem", String.valueOf(1L << 29)), heartbeat.occupiedSlots());
    assertEquals(2, heartbeat.kernels().size());
    AgentEvent.KernelInfo kernel = heartbeat.kernels().get(0);
    assertEquals("k1", kernel.kernelId());
    assertEquals(started.containerId(), kernel.containerId());
    assertEquals("running", kernel.status());
    assertEquals(SimulatedImages.BUILT_IN, heartbeat.images());
    assertEquals(1, heartbeat.intervalSeconds());
    assertEquals(Duration.ofSeconds(3), outbox.heartbeatTimesToLive.get(0));
  }

  @Test
  void heartbeatLeavesOutKernelsNotStarted() {
    SimulatedAgent agent = agent(Duration.ofSeconds(60));
    agent.onCommand(create("k1", ONE_CORE), NO_REPLY);

    AgentEvent.Heartbeat heartbeat = agent.heartbeat();

    assertEquals(List.of(), heartbeat.kernels());
    assertEquals("1", heartbeat.occupiedSlots().get("cpu"));
  }

  @Test
  void stopReportsKernelsTerminated() throws Exception {
    SimulatedAgent agent = agent(Duration.ZERO);
    start(agent, "k1");

    agent.stop();
    agent.onCommand(create("k2", ONE_CORE), NO_REPLY);
    agent.sendHeartbeat();

    AgentEvent.KernelTerminated terminated =
        assertInstanceOf(AgentEvent.KernelTerminated.class, outbox.nextEvent(WAIT));
    assertEquals("k1", terminated.kernelId());
    assertEquals("the simulated agent stopped", terminated.reason());
    AgentEvent.KernelCreationFailed failed =
        assertInstanceOf(AgentEvent.KernelCreationFailed.class, outbox.nextEvent(WAIT));
    assertEquals("k2", failed.kernelId());
    assertEquals(List.of(), outbox.heartbeats);
  }
}
