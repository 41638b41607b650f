package ai.backend.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** An agent that restarts re-adopts running kernels and reports the ones that exited meanwhile. */
@Tag("docker")
class AgentRestartDockerTest {

  private static final String AGENT_ID = "agent-restart-test";
  private static final Duration EVENT_WAIT = Duration.ofSeconds(90);

  private static AgentHarness harness;

  @BeforeAll
  static void createHarness() throws Exception {
    String missing = AgentHarness.missingPrerequisite();
    Assumptions.assumeTrue(missing == null, missing);
    harness = new AgentHarness(AGENT_ID);
    harness.removeContainers();
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (harness == null) {
      return;
    }
    harness.close();
    assertEquals(List.of(), harness.containers(), "containers left behind");
    AgentHarness.docker("network", "rm", AgentHarness.NETWORK);
  }

  @Test
  void restartAdoptsRunningAndReportsExitedKernels() throws Exception {
    harness.startAgent();
    String survivor = AgentHarness.newKernelId();
    String victim = AgentHarness.newKernelId();
    harness.send(AgentHarness.createCommand(survivor, AgentHarness.IMAGE));
    harness.send(AgentHarness.createCommand(victim, AgentHarness.IMAGE));
    harness.awaitKernelEvent(AgentEvent.KernelStarted.class, survivor, EVENT_WAIT);
    harness.awaitKernelEvent(AgentEvent.KernelStarted.class, victim, EVENT_WAIT);
    AgentReply assigned = harness.execute(AgentHarness.query(survivor, "run-1", "state = 'kept'"));
    assertEquals("finished", ((AgentReply.ExecuteResult) assigned).status());

    harness.stopAgent();
    AgentHarness.docker("kill", "bai-kernel-" + victim);
    harness.startAgent();

    AgentEvent.KernelTerminated exited =
        harness.awaitKernelEvent(AgentEvent.KernelTerminated.class, victim, EVENT_WAIT);
    assertEquals(1, harness.containers().size(), "only the survivor's container should remain");
    AgentReply reply = harness.execute(AgentHarness.query(survivor, "run-2", "print(state)"));
    AgentReply.ExecuteResult result = assertInstanceOf(AgentReply.ExecuteResult.class, reply);
    assertEquals(List.of(List.of("stdout", "kept\n")), result.console());
    assertEquals(137, exited.exitCode());

    harness.send(new AgentCommand.DestroyKernel("s-" + survivor, survivor, "done"));
    harness.awaitKernelEvent(AgentEvent.KernelTerminated.class, survivor, EVENT_WAIT);
    assertEquals(List.of(), harness.containers());
  }
}
