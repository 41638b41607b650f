package ai.backend.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.backend.agent.config.AgentConfig;
import ai.backend.agent.config.SandboxConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelRequestsTest {

  private static AgentConfig config(Path bundle, SandboxConfig.JailMode mode) {
    AgentConfig base = AgentHarness.config("agent-requests-test", bundle, Duration.ofSeconds(5));
    return AgentHarness.withBrokerAndSandbox(
        base, base.brokerUrl(), SandboxConfig.DEFAULTS.withJail(mode));
  }

  private static Path bundleWithJail(Path root) throws IOException {
    Path jail = root.resolve("jail/jail");
    Files.createDirectories(jail.getParent());
    Files.writeString(jail, "#!/bin/sh\n");
    Files.setPosixFilePermissions(jail, PosixFilePermissions.fromString("rwxr-xr-x"));
    return root;
  }

  @Test
  void fileCommandsRunUnderJail(@TempDir Path root) throws IOException {
    Path bundle = bundleWithJail(root);

    assertEquals(
        List.of(
            "/opt/kernel/jail/jail",
            "--policy",
            "/opt/kernel/jail/policies/default.policy",
            "--allow-write",
            "/home/work",
            "--"),
        KernelRequests.fileJail(config(bundle, SandboxConfig.JailMode.ENFORCE)));
    assertEquals(
        "--watch", KernelRequests.fileJail(config(bundle, SandboxConfig.JailMode.WATCH)).get(3));
  }

  @Test
  void fileCommandsWithoutJail(@TempDir Path root) throws IOException {
    Path withJail = bundleWithJail(root.resolve("with-jail"));
    Path withoutJail = Files.createDirectories(root.resolve("without-jail"));

    assertEquals(List.of(), KernelRequests.fileJail(config(withJail, SandboxConfig.JailMode.OFF)));
    assertEquals(
        List.of(), KernelRequests.fileJail(config(withoutJail, SandboxConfig.JailMode.ENFORCE)));
  }
}
