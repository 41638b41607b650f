package ai.backend.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The agent against a real broker, the local Docker engine and the real Python kernel image. */
@Tag("docker")
class AgentDockerTest {

  private static final String AGENT_ID = "agent-docker-test";
  private static final Duration EVENT_WAIT = Duration.ofSeconds(90);

  private static AgentHarness harness;

  @BeforeAll
  static void startAgent() throws Exception {
    String missing = AgentHarness.missingPrerequisite();
    Assumptions.assumeTrue(missing == null, missing);
    harness = new AgentHarness(AGENT_ID);
    harness.removeContainers();
    harness.startAgent();
  }

  @AfterEach
  void removeLeftovers() throws Exception {
    if (harness != null) {
      harness.removeContainers();
    }
  }

  @AfterAll
  static void stopAgent() throws Exception {
    if (harness == null) {
      return;
    }
    harness.close();
    assertEquals(List.of(), harness.containers(), "containers left behind");
    AgentHarness.docker("network", "rm", AgentHarness.NETWORK);
  }

  private static void startKernel(String kernelId) throws Exception {
    harness.send(AgentHarness.createCommand(kernelId, AgentHarness.IMAGE));
    harness.awaitKernelEvent(AgentEvent.KernelStarted.class, kernelId, EVENT_WAIT);
  }

  @Test
  void kernelRunsCodeAndIsDestroyed() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    startKernel(kernelId);

    AgentReply first = harness.execute(AgentHarness.query(kernelId, "run-1", "x = 41"));
    AgentReply.ExecuteResult assigned = assertInstanceOf(AgentReply.ExecuteResult.class, first);
    assertEquals("finished", assigned.status());
    assertEquals(0, assigned.exitCode());

    AgentReply second = harness.execute(AgentHarness.query(kernelId, "run-2", "print(x + 1)"));
    AgentReply.ExecuteResult printed = assertInstanceOf(AgentReply.ExecuteResult.class, second);
    assertEquals("finished", printed.status());
    assertEquals(0, printed.exitCode());
    assertEquals(List.of(List.of("stdout", "42\n")), printed.console());

    AgentReply env =
        harness.execute(
            AgentHarness.query(
                kernelId,
                "run-3",
                "import os; print(os.environ['GREETING'], os.environ['BACKENDAI_KERNEL_ID'],"
                    + " os.environ['BACKENDAI_RUNTIME_TYPE'], os.getuid())"));
    AgentReply.ExecuteResult envResult = assertInstanceOf(AgentReply.ExecuteResult.class, env);
    assertEquals(
        List.of(List.of("stdout", "hello " + kernelId + " python 1000\n")), envResult.console());

    harness.send(new AgentCommand.DestroyKernel("s-" + kernelId, kernelId, "user-requested"));
    AgentEvent.KernelTerminated terminated =
        harness.awaitKernelEvent(AgentEvent.KernelTerminated.class, kernelId, EVENT_WAIT);

    assertEquals("user-requested", terminated.reason());
    assertEquals(List.of(), harness.containers());
  }

  @Test
  void outputLimitAndErrorsReachCaller() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    startKernel(kernelId);

    AgentReply flood =
        harness.execute(
            AgentHarness.query(kernelId, "run-1", "print('z' * (3 * 1024 * 1024), end='')"));
    AgentReply.ExecuteResult floodResult = assertInstanceOf(AgentReply.ExecuteResult.class, flood);
    assertEquals("finished", floodResult.status());
    String keptOutput = floodResult.console().get(0).get(1).toString();
    assertEquals(1 << 20, keptOutput.length());
    String marker = floodResult.console().get(floodResult.console().size() - 1).get(1).toString();
    assertTrue(marker.contains("1048576-byte limit per stream reached on stdout"), marker);

    AgentReply failing = harness.execute(AgentHarness.query(kernelId, "run-2", "1 / 0"));
    AgentReply.ExecuteResult failed = assertInstanceOf(AgentReply.ExecuteResult.class, failing);
    assertEquals("finished", failed.status());
    assertTrue(
        failed.console().toString().contains("ZeroDivisionError"), failed.console().toString());

    harness.send(new AgentCommand.DestroyKernel("s-" + kernelId, kernelId, "done"));
    harness.awaitKernelEvent(AgentEvent.KernelTerminated.class, kernelId, EVENT_WAIT);
  }

  @Test
  void unknownImageFailsAndLeavesNoContainer() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    String image = "backendai/no-such-image:0.0";

    harness.send(AgentHarness.createCommand(kernelId, image));
    AgentEvent.KernelCreationFailed failed =
        harness.awaitKernelEvent(AgentEvent.KernelCreationFailed.class, kernelId, EVENT_WAIT);

    assertTrue(failed.reason().contains(image), failed.reason());
    assertTrue(failed.reason().contains(AGENT_ID), failed.reason());
    assertEquals(List.of(), harness.containers());
  }

  @Test
  void executeOnUnknownKernelFails() throws Exception {
    AgentReply reply = harness.execute(AgentHarness.query("k-unknown", "run-1", "1"));

    AgentReply.CommandFailed failed = assertInstanceOf(AgentReply.CommandFailed.class, reply);
    assertEquals("kernel-not-found", failed.code());
    assertTrue(failed.message().contains(AGENT_ID), failed.message());
  }

  @Test
  void oversizedRequestIsRejected() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    harness.send(
        new AgentCommand.CreateKernel(
            "s-" + kernelId,
            kernelId,
            AgentHarness.IMAGE,
            Map.of("cpu", "64", "mem", "1g"),
            Map.of(),
            "AKTEST"));

    AgentEvent.KernelCreationFailed failed =
        harness.awaitKernelEvent(AgentEvent.KernelCreationFailed.class, kernelId, EVENT_WAIT);

    assertTrue(failed.reason().contains("not enough free resources"), failed.reason());
    assertEquals(List.of(), harness.containers());
  }

  @Test
  void heartbeatListsImagesKernelsAndSlots() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    startKernel(kernelId);

    AgentEvent.Heartbeat heartbeat =
        harness.awaitEvent(
            AgentEvent.Heartbeat.class,
            beat -> beat.kernels().stream().anyMatch(k -> kernelId.equals(k.kernelId())),
            EVENT_WAIT);

    assertEquals(AGENT_ID, heartbeat.agentId());
    assertEquals("default", heartbeat.scalingGroup());
    assertEquals(Map.of("cpu", "2", "mem", String.valueOf(4L << 30)), heartbeat.availableSlots());
    assertEquals(Map.of("cpu", "1", "mem", String.valueOf(512L << 20)), heartbeat.occupiedSlots());
    assertTrue(
        heartbeat.images().stream().anyMatch(image -> image.name().equals(AgentHarness.IMAGE)),
        heartbeat.images().toString());
    AgentEvent.ImageInfo image =
        heartbeat.images().stream()
            .filter(i -> i.name().equals(AgentHarness.IMAGE))
            .findFirst()
            .orElseThrow();
    assertEquals("python", image.labels().get("ai.backend.runtime-type"));
    assertTrue(image.sizeBytes() > 0);

    harness.send(new AgentCommand.DestroyKernel("s-" + kernelId, kernelId, "done"));
    harness.awaitKernelEvent(AgentEvent.KernelTerminated.class, kernelId, EVENT_WAIT);
  }

  @Test
  void killedContainerIsReportedTerminated() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    startKernel(kernelId);

    AgentHarness.docker("kill", "bai-kernel-" + kernelId);
    AgentEvent.KernelTerminated terminated =
        harness.awaitKernelEvent(AgentEvent.KernelTerminated.class, kernelId, EVENT_WAIT);

    assertEquals(137, terminated.exitCode());
    assertTrue(terminated.reason().contains("exited with code 137"), terminated.reason());
    assertEquals(List.of(), harness.containers());
    AgentReply reply = harness.execute(AgentHarness.query(kernelId, "run-1", "1"));
    assertEquals(
        "kernel-not-found", assertInstanceOf(AgentReply.CommandFailed.class, reply).code());
  }

  @Test
  void kernelNetworkIsInternalWithoutInterContainerTraffic() throws Exception {
    AgentHarness.CommandResult inspected =
        AgentHarness.docker(
            "network",
            "inspect",
            "--format",
            "{{.Internal}} {{index .Options \"com.docker.network.bridge.enable_icc\"}}",
            AgentHarness.NETWORK);

    assertEquals(0, inspected.exitCode(), inspected.output());
    assertEquals("true false", inspected.output());
  }

  @Test
  void destroyOfUnknownKernelStillReportsTerminated() throws Exception {
    String kernelId = AgentHarness.newKernelId();

    harness.send(new AgentCommand.DestroyKernel("s-" + kernelId, kernelId, "cleanup"));
    AgentEvent.KernelTerminated terminated =
        harness.awaitKernelEvent(AgentEvent.KernelTerminated.class, kernelId, EVENT_WAIT);

    assertNull(terminated.exitCode());
  }
}
