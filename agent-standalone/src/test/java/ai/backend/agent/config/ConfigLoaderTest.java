package ai.backend.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class ConfigLoaderTest {

  private static final long GIB = 1L << 30;

  @TempDir Path temp;
  private Path repository;
  private HostFacts host;

  @BeforeEach
  void createRepository() throws IOException {
    repository = temp.resolve("repo");
    Path bundle = repository.resolve("kernel-images/target/krunner/bin");
    Files.createDirectories(bundle);
    Files.writeString(bundle.resolve("entrypoint.sh"), "#!/bin/sh\n");
    host = new HostFacts("node-1.example", 4, 10 * GIB, repository);
  }

  private AgentConfig load(Map<String, String> env, String... args) throws ConfigException {
    CommandLine commandLine = new CommandLine(ConfigLoader.commandSpec("test"));
    return new ConfigLoader(env, host).load(commandLine.parseArgs(args));
  }

  @Test
  void defaultsComeFromHost() throws Exception {
    AgentConfig config = load(Map.of());

    assertEquals("tcp://127.0.0.1:61616", config.brokerUrl());
    assertEquals("agent", config.brokerUser());
    assertNull(config.brokerPassword());
    assertEquals("node-1.example", config.agentId());
    assertEquals("default", config.scalingGroup());
    assertEquals(0, new BigDecimal(4).compareTo(config.cpu()));
    assertEquals(8 * GIB, config.memBytes());
    assertEquals(
        repository.resolve("kernel-images/target/krunner").toAbsolutePath(), config.krunnerPath());
    assertEquals("bai-kernels", config.kernelNetwork());
    assertEquals(Duration.ofSeconds(5), config.heartbeatInterval());
    assertEquals(Duration.ofSeconds(30), config.kernelStartTimeout());
    assertEquals(1L << 20, config.outputLimitBytes());
    assertEquals(Duration.ZERO, config.execTimeout());
    assertEquals(64L << 20, config.maxUploadBytes());
    assertEquals(64L << 20, config.maxDownloadBytes());
    assertEquals("unix:///var/run/docker.sock", config.dockerHost());
    assertEquals("INFO", config.logLevel());
  }

  @Test
  void commandLineWinsOverEnvironmentAndFile() throws Exception {
    Path file = temp.resolve("agent.properties");
    Files.writeString(file, "scaling-group=from-file\nagent-id=file-agent\nmem=2g\ncpu=3\n");
    Map<String, String> env = new HashMap<>();
    env.put("BACKEND_AGENT_CONFIG", file.toString());
    env.put("BACKEND_AGENT_AGENT_ID", "env-agent");
    env.put("BACKEND_AGENT_MEM", "4g");

    AgentConfig config = load(env, "--mem", "8g");

    assertEquals(8 * GIB, config.memBytes());
    assertEquals("env-agent", config.agentId());
    assertEquals("from-file", config.scalingGroup());
    assertEquals(0, new BigDecimal(3).compareTo(config.cpu()));
  }

  @Test
  void configFlagOverridesConfigEnvironment() throws Exception {
    Path fromEnv = temp.resolve("env.properties");
    Files.writeString(fromEnv, "scaling-group=env-file\n");
    Path fromFlag = temp.resolve("flag.properties");
    Files.writeString(fromFlag, "scaling-group=flag-file\n");

    AgentConfig config =
        load(Map.of("BACKEND_AGENT_CONFIG", fromEnv.toString()), "--config", fromFlag.toString());

    assertEquals("flag-file", config.scalingGroup());
  }

  @Test
  void execTimeoutAndTransferLimitsAreParsed() throws Exception {
    AgentConfig config =
        load(
            Map.of("BACKEND_AGENT_MAX_DOWNLOAD_SIZE", "16m"),
            "--exec-timeout",
            "86400",
            "--max-upload-size",
            "1k");

    assertEquals(Duration.ofDays(1), config.execTimeout());
    assertEquals(1024, config.maxUploadBytes());
    assertEquals(16L << 20, config.maxDownloadBytes());
  }

  @Test
  void sandboxSettingsAreParsed() throws Exception {
    SandboxConfig defaults = load(Map.of()).sandbox();
    assertEquals(SandboxConfig.DEFAULTS, defaults);

    SandboxConfig sandbox =
        load(
                Map.of("BACKEND_AGENT_JAIL", "watch"),
                "--scratch-root",
                "/srv/scratch",
                "--scratch-size",
                "2g",
                "--tmp-size",
                "64m",
                "--shm-size",
                "1m",
                "--kernel-firewall",
                "OFF",
                "--outbound-network",
                "lab-outbound")
            .sandbox();

    assertEquals(SandboxConfig.JailMode.WATCH, sandbox.jail());
    assertEquals("watch", sandbox.jail().value());
    assertEquals(Path.of("/srv/scratch"), sandbox.scratchRoot());
    assertEquals(2L << 30, sandbox.scratchBytes());
    assertEquals(64L << 20, sandbox.tmpBytes());
    assertEquals(1L << 20, sandbox.shmBytes());
    assertEquals(SandboxConfig.FirewallMode.OFF, sandbox.firewall());
    assertEquals("lab-outbound", sandbox.outboundNetwork());
  }

  @Test
  void memAcceptsBinarySuffixes() throws Exception {
    assertEquals(8 * GIB, load(Map.of(), "--mem", "8g").memBytes());
    assertEquals(512L << 20, load(Map.of(), "--mem=512m").memBytes());
    assertEquals(1000, load(Map.of(), "--mem", "1000").memBytes());
  }

  @Test
  void passwordFileFlagWinsOverPasswordEnvironment() throws Exception {
    Path secret = temp.resolve("password");
    Files.writeString(secret, "from-file\n");
    Map<String, String> env = Map.of("BACKEND_AGENT_BROKER_PASSWORD", "from-env");

    assertEquals("from-env", load(env).brokerPassword());
    assertEquals(
        "from-file", load(env, "--broker-password-file", secret.toString()).brokerPassword());
  }

  @Test
  void passwordEnvironmentWinsOverPasswordFileInConfig() throws Exception {
    Path secret = temp.resolve("password");
    Files.writeString(secret, "from-file");
    Path file = temp.resolve("agent.properties");
    Files.writeString(file, "broker-password-file=" + secret + "\n");

    AgentConfig fromEnv =
        load(Map.of("BACKEND_AGENT_BROKER_PASSWORD", "from-env"), "--config", file.toString());
    AgentConfig fromFile = load(Map.of(), "--config", file.toString());

    assertEquals("from-env", fromEnv.brokerPassword());
    assertEquals("from-file", fromFile.brokerPassword());
  }

  @Test
  void toStringHidesPassword() throws Exception {
    AgentConfig config = load(Map.of("BACKEND_AGENT_BROKER_PASSWORD", "s3cret-value"));

    assertTrue(config.toString().contains("brokerPassword=(hidden)"), config.toString());
    assertTrue(!config.toString().contains("s3cret-value"), config.toString());
  }

  @Test
  void toStringHidesPasswordInBrokerUrl() throws Exception {
    AgentConfig config =
        load(Map.of(), "--broker-url", "tcp://127.0.0.1:1?user=a&password=pw1&x=1");

    assertTrue(
        config.toString().contains("tcp://127.0.0.1:1?user=a&password=***&x=1"), config.toString());
    assertTrue(!config.toString().contains("pw1"), config.toString());
  }

  @Test
  void defaultAgentIdReplacesInvalidCharacters() {
    assertEquals("my-host-local", ConfigLoader.defaultAgentId("my host+local"));
    assertEquals("agent", ConfigLoader.defaultAgentId(""));
    assertEquals(64, ConfigLoader.defaultAgentId("h".repeat(100)).length());
  }

  @ParameterizedTest
  @CsvSource({
    "--agent-id, bad/id",
    "--agent-id, '" + "a123456789b123456789c123456789d123456789e123456789f123456789g12345" + "'",
    "--scaling-group, 'a b'",
    "--cpu, 0",
    "--cpu, many",
    "--mem, 0",
    "--mem, lots",
    "--heartbeat-interval, 0",
    "--heartbeat-interval, 3601",
    "--heartbeat-interval, 1.5",
    "--kernel-start-timeout, -1",
    "--output-limit, 2g",
    "--output-limit, 0",
    "--exec-timeout, -1",
    "--exec-timeout, 86401",
    "--exec-timeout, 1.5",
    "--max-upload-size, 0",
    "--max-upload-size, 2g",
    "--max-download-size, huge",
    "--kernel-network, -net",
    "--outbound-network, bai-kernels",
    "--jail, strict",
    "--kernel-firewall, maybe",
    "--scratch-size, 512k",
    "--tmp-size, 65g",
    "--shm-size, big",
    "--docker-host, http://example",
    "--docker-host, tcp://nohost",
    "--log-level, LOUD",
    "--broker-url, 'not a url'",
    "--krunner-path, /nonexistent/krunner",
    "--broker-password-file, /nonexistent/password",
    "--config, /nonexistent/agent.properties",
  })
  void invalidValueNamesOption(String option, String value) {
    ConfigException error =
        assertThrows(ConfigException.class, () -> load(Map.of(), option, value));

    assertTrue(error.getMessage().contains(option), error.getMessage());
    assertTrue(error.getMessage().contains(value), error.getMessage());
  }

  @Test
  void invalidEnvironmentValueNamesVariable() {
    ConfigException error =
        assertThrows(
            ConfigException.class, () -> load(Map.of("BACKEND_AGENT_HEARTBEAT_INTERVAL", "soon")));

    assertTrue(error.getMessage().contains("--heartbeat-interval"), error.getMessage());
    assertTrue(error.getMessage().contains("BACKEND_AGENT_HEARTBEAT_INTERVAL"), error.getMessage());
  }

  @Test
  void unknownConfigKeyIsRejected() throws IOException {
    Path file = temp.resolve("agent.properties");
    Files.writeString(file, "broker-password=plain\n");

    ConfigException error =
        assertThrows(ConfigException.class, () -> load(Map.of(), "--config", file.toString()));

    assertTrue(error.getMessage().contains("broker-password"), error.getMessage());
  }

  @Test
  void bundleWithoutEntrypointIsRejected() throws IOException {
    Path empty = Files.createDirectories(temp.resolve("empty-bundle"));

    ConfigException error =
        assertThrows(
            ConfigException.class, () -> load(Map.of(), "--krunner-path", empty.toString()));

    assertTrue(error.getMessage().contains("entrypoint.sh"), error.getMessage());
  }

  @Test
  void extraSlotsJoinTheCapacity() throws Exception {
    AgentConfig config = load(Map.of(), "--extra-slots", "cuda.device=2, cuda.shares=0.5");
    assertEquals(
        0, new java.math.BigDecimal("2").compareTo(config.extraSlots().get("cuda.device")));
    assertEquals("2", config.capacity().toStringMap().get("cuda.device"));
    assertEquals("0.5", config.capacity().toStringMap().get("cuda.shares"));
    assertEquals(config.cpu().toPlainString(), config.capacity().toStringMap().get("cpu"));
    assertTrue(load(Map.of()).extraSlots().isEmpty());
  }

  @Test
  void invalidExtraSlotsAreRejected() {
    for (String bad : List.of("cpu=2", "cuda.device", "cuda.device=-1", "GPU=1", "x=1e9")) {
      ConfigException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              ConfigException.class, () -> load(Map.of(), "--extra-slots", bad));
      assertTrue(e.getMessage().contains("extra-slots"), e.getMessage());
    }
  }
}
