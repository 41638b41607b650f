package ai.backend.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.agent.AgentHarness.CommandResult;
import ai.backend.agent.config.SandboxConfig;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The container settings that confine a kernel, read back from the real Docker engine. */
@Tag("docker")
class ContainerHardeningDockerTest {

  private static final String AGENT_ID = "agent-hardening-test";
  private static final Duration EVENT_WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

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
    assertFalse(
        Files.exists(scratchOf("")) && Files.list(scratchOf("")).findAny().isPresent(),
        "scratch directories left behind");
  }

  private static Path scratchOf(String kernelId) {
    return AgentHarness.SCRATCH_ROOT.resolve(AGENT_ID).resolve(kernelId);
  }

  private static JsonNode inspect(String kernelId) throws Exception {
    CommandResult result = AgentHarness.docker("inspect", "bai-kernel-" + kernelId);
    assertEquals(0, result.exitCode(), result.output());
    return JSON.readTree(result.output()).get(0);
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    if (array != null) {
      array.forEach(node -> values.add(node.asText()));
    }
    return values;
  }

  /** Returns the harness's create command for a kernel with the given network. */
  private static AgentCommand.CreateKernel createWithNetwork(String kernelId, String network) {
    AgentCommand.CreateKernel base = AgentHarness.createCommand(kernelId, AgentHarness.IMAGE);
    return new AgentCommand.CreateKernel(
        base.sessionId(),
        kernelId,
        base.image(),
        base.resources(),
        base.environ(),
        base.accessKey(),
        network);
  }

  private static void destroy(String kernelId) throws Exception {
    harness.send(new AgentCommand.DestroyKernel("s-" + kernelId, kernelId, "test-done"));
    harness.awaitKernelEvent(AgentEvent.KernelTerminated.class, kernelId, EVENT_WAIT);
  }

  @Test
  void kernelContainerIsConfined() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    harness.send(AgentHarness.createCommand(kernelId, AgentHarness.IMAGE));
    harness.awaitKernelEvent(AgentEvent.KernelStarted.class, kernelId, EVENT_WAIT);

    JsonNode container = inspect(kernelId);
    JsonNode host = container.get("HostConfig");
    assertEquals("1000:1000", container.get("Config").get("User").asText());
    assertTrue(host.get("ReadonlyRootfs").asBoolean(), "the root file system must be read-only");
    assertEquals(List.of("ALL"), texts(host.get("CapDrop")));
    assertEquals(List.of(), texts(host.get("CapAdd")));
    assertEquals(List.of("no-new-privileges"), texts(host.get("SecurityOpt")));
    assertFalse(host.get("Privileged").asBoolean());
    assertEquals(1024, host.get("PidsLimit").asLong());
    assertEquals(512L << 20, host.get("Memory").asLong());
    assertEquals(512L << 20, host.get("MemorySwap").asLong(), "swap must add nothing");
    assertEquals(1_000_000_000L, host.get("NanoCpus").asLong());
    assertEquals(64L << 20, host.get("ShmSize").asLong());
    assertEquals(AgentHarness.NETWORK, host.get("NetworkMode").asText());
    JsonNode tmpfs = host.get("Tmpfs");
    assertEquals("size=268435456,mode=1777,nosuid,nodev", tmpfs.get("/tmp").asText());
    assertEquals("size=268435456,mode=1777,nosuid,nodev", tmpfs.get("/var/tmp").asText());
    List<String> binds = texts(host.get("Binds"));
    assertEquals(
        List.of(AgentHarness.BUNDLE + ":/opt/kernel:ro", scratchOf(kernelId) + ":/home/work:rw"),
        binds);
    for (String bind : binds) {
      assertFalse(bind.contains("docker.sock"), "the Docker socket must stay out: " + bind);
    }
    List<String> env = texts(container.get("Config").get("Env"));
    assertTrue(env.contains("BACKENDAI_JAIL=enforce"), env.toString());
    assertTrue(env.contains("BACKENDAI_NETWORK=none"), env.toString());
    assertTrue(env.contains("BACKENDAI_USER_ENV_GREETING=hello"), env.toString());
    assertFalse(env.contains("GREETING=hello"), "user variables reach the runner's JVM: " + env);

    CommandResult runner =
        AgentHarness.inKernel(
            kernelId,
            "for d in /proc/[0-9]*; do"
                + " if head -c 24 $d/cmdline 2>/dev/null | grep -q '^/opt/kernel/jre/bin/java';"
                + " then stat -c %U $d/mem; cat $d/environ > /dev/null 2>&1 || echo unreadable;"
                + " fi; done");
    assertEquals(
        "root\nunreadable",
        runner.output(),
        "the runner must not be dumpable, so that user code cannot read or write its memory");
    CommandResult init =
        AgentHarness.inKernel(kernelId, "stat -c %U /proc/1/mem; head -c 25 /proc/1/cmdline");
    assertEquals(
        "root\n/opt/kernel/jail/bai-init",
        init.output(),
        "PID 1 must be the bundle's init, which is not dumpable");
    assertFalse(host.get("Init").asBoolean(), "Docker's init is replaced by the bundle's");

    CommandResult rootWrite = AgentHarness.inKernel(kernelId, "touch /etc/probe 2>&1");
    assertNotEquals(0, rootWrite.exitCode());
    assertTrue(rootWrite.output().contains("Read-only file system"), rootWrite.output());
    CommandResult homeWrite =
        AgentHarness.inKernel(
            kernelId, "echo kept > /home/work/probe && df -k /home/work | tail -1");
    assertEquals(0, homeWrite.exitCode(), homeWrite.output());
    assertTrue(homeWrite.output().startsWith("tmpfs "), homeWrite.output());
    assertEquals("kept\n", Files.readString(scratchOf(kernelId).resolve("probe")));

    destroy(kernelId);
    assertFalse(Files.exists(scratchOf(kernelId)), "the scratch directory must go with the kernel");
  }

  @Test
  void tmpFillsUpAtItsSize() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    harness.send(AgentHarness.createCommand(kernelId, AgentHarness.IMAGE));
    harness.awaitKernelEvent(AgentEvent.KernelStarted.class, kernelId, EVENT_WAIT);

    CommandResult tmp =
        AgentHarness.inKernel(
            kernelId, "dd if=/dev/zero of=/tmp/fill bs=1M count=300 2>&1; rm -f /tmp/fill");
    assertTrue(tmp.output().contains("No space left on device"), tmp.output());
    assertTrue(tmp.output().contains("268435456 bytes"), tmp.output());

    CommandResult sizeRw = AgentHarness.docker("inspect", "--size", "bai-kernel-" + kernelId);
    long writable = JSON.readTree(sizeRw.output()).get(0).get("SizeRw").asLong();
    assertTrue(writable < 1 << 20, "the container layer grew by " + writable + " bytes");
    destroy(kernelId);
  }

  @Test
  void isolatedNetworkUsesOutboundBridge() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    harness.send(createWithNetwork(kernelId, AgentCommand.CreateKernel.NETWORK_ISOLATED));
    harness.awaitKernelEvent(AgentEvent.KernelStarted.class, kernelId, EVENT_WAIT);

    JsonNode container = inspect(kernelId);
    String outbound = SandboxConfig.DEFAULTS.outboundNetwork();
    assertEquals(outbound, container.get("HostConfig").get("NetworkMode").asText());
    assertTrue(
        texts(container.get("Config").get("Env")).contains("BACKENDAI_NETWORK=isolated"),
        "the runner must learn that the session has a network");
    CommandResult network =
        AgentHarness.docker("network", "inspect", "--format", "{{.Internal}}", outbound);
    assertEquals("false", network.output());
    destroy(kernelId);
  }

  @Test
  void unknownNetworkFailsTheCreation() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    harness.send(createWithNetwork(kernelId, "host"));
    AgentEvent.KernelCreationFailed failed =
        harness.awaitKernelEvent(AgentEvent.KernelCreationFailed.class, kernelId, EVENT_WAIT);
    assertEquals("invalid network 'host': expected none or isolated", failed.reason());
    assertEquals(List.of(), harness.containers());
    assertFalse(Files.exists(scratchOf(kernelId)), "a failed creation must leave no scratch");
  }

  @Test
  void firewallDropsKernelTrafficToTheHost() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "the firewall rules need root");
    CommandResult id =
        AgentHarness.docker("network", "inspect", "--format", "{{.Id}}", AgentHarness.NETWORK);
    String bridge = "br-" + id.output().substring(0, 12);
    Process check =
        new ProcessBuilder(
                "iptables",
                "-w",
                "-C",
                "INPUT",
                "-i",
                bridge,
                "-m",
                "comment",
                "--comment",
                "backend-ai-kernels",
                "-j",
                "DROP")
            .redirectErrorStream(true)
            .start();
    String output = new String(check.getInputStream().readAllBytes());
    assertEquals(0, check.waitFor(), "no DROP rule for " + bridge + ": " + output);
  }
}
