package ai.backend.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Kernel creation that fails after the container started: a runner that exits at once and a runner
 * that never replies. A stand-in bundle picks the behaviour from the kernel's environment.
 */
@Tag("docker")
class KernelStartFailureDockerTest {

  private static final String AGENT_ID = "agent-start-failure-test";
  private static final Duration EVENT_WAIT = Duration.ofSeconds(60);
  private static final String ENTRYPOINT =
      """
      #!/bin/sh
      # The agent passes the session's variables with the prefix BACKENDAI_USER_ENV_.
      if [ "$BACKENDAI_USER_ENV_RUNNER_MODE" = exit ]; then
        echo "runner cannot start: missing driver"
        exit 3
      fi
      exec sleep 600
      """;

  private static AgentHarness harness;
  private static Path bundle;

  @BeforeAll
  static void startAgent() throws Exception {
    String missing = AgentHarness.missingPrerequisite();
    Assumptions.assumeTrue(missing == null, missing);
    bundle = Files.createTempDirectory("bai-fake-bundle");
    Path bin = Files.createDirectories(bundle.resolve("bin"));
    Path entrypoint = bin.resolve("entrypoint.sh");
    Files.writeString(entrypoint, ENTRYPOINT);
    // The kernel runs as uid 1000, so the bundle must be readable and executable by others.
    Files.setPosixFilePermissions(bundle, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(entrypoint, PosixFilePermissions.fromString("rwxr-xr-x"));
    harness = new AgentHarness(AGENT_ID);
    harness.removeContainers();
    harness.startAgent(AgentHarness.config(AGENT_ID, bundle, Duration.ofSeconds(3)));
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
    Files.delete(bundle.resolve("bin/entrypoint.sh"));
    Files.delete(bundle.resolve("bin"));
    Files.delete(bundle);
  }

  private static AgentCommand.CreateKernel create(String kernelId, String mode) {
    return new AgentCommand.CreateKernel(
        "s-" + kernelId,
        kernelId,
        AgentHarness.IMAGE,
        Map.of("cpu", "0.5", "mem", "128m"),
        Map.of("RUNNER_MODE", mode),
        "AKTEST");
  }

  @Test
  void runnerThatExitsFailsCreationWithItsOutput() throws Exception {
    String kernelId = AgentHarness.newKernelId();

    harness.send(create(kernelId, "exit"));
    AgentEvent.KernelCreationFailed failed =
        harness.awaitKernelEvent(AgentEvent.KernelCreationFailed.class, kernelId, EVENT_WAIT);

    assertTrue(failed.reason().contains("exited with code 3"), failed.reason());
    assertTrue(failed.reason().contains("missing driver"), failed.reason());
    assertEquals(List.of(), harness.containers());
  }

  @Test
  void silentRunnerFailsCreationAfterTimeout() throws Exception {
    String kernelId = AgentHarness.newKernelId();

    harness.send(create(kernelId, "silent"));
    AgentEvent.KernelCreationFailed failed =
        harness.awaitKernelEvent(AgentEvent.KernelCreationFailed.class, kernelId, EVENT_WAIT);

    assertTrue(failed.reason().contains("did not report ready within 3 seconds"), failed.reason());
    assertEquals(List.of(), harness.containers());
  }
}
