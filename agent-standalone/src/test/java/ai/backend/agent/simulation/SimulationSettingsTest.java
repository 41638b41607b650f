package ai.backend.agent.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.agent.config.AgentConfig;
import ai.backend.agent.config.ConfigException;
import ai.backend.agent.config.ConfigLoader;
import ai.backend.agent.config.HostFacts;
import ai.backend.agent.config.SimulationConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class SimulationSettingsTest {

  private static final String MISSING_BUNDLE = "/nonexistent/krunner";

  private final HostFacts host = new HostFacts("test-host", 2, 1L << 30, Path.of("/nonexistent"));

  private static ParseResult parse(String... args) {
    return new CommandLine(ConfigLoader.commandSpec("test")).parseArgs(args);
  }

  private SimulationConfig simulation(Map<String, String> env, String... args)
      throws ConfigException {
    return new ConfigLoader(env, host).loadSimulation(parse(args));
  }

  @Test
  void simulationIsOffByDefault() throws ConfigException {
    assertNull(simulation(Map.of()));
  }

  @Test
  void simulateAloneUsesDefaults() throws ConfigException {
    SimulationConfig simulation = simulation(Map.of(), "--simulate");

    assertNotNull(simulation);
    assertEquals(1, simulation.agents());
    assertEquals(Duration.ofMillis(200), simulation.startDelay());
  }

  @Test
  void simulateTakesCountAndDelay() throws ConfigException {
    SimulationConfig simulation =
        simulation(
            Map.of(), "--simulate", "--simulate-agents", "100", "--simulate-start-millis", "0");

    assertEquals(100, simulation.agents());
    assertEquals(Duration.ZERO, simulation.startDelay());
  }

  @Test
  void simulateFromEnvironment() throws ConfigException {
    SimulationConfig simulation =
        simulation(Map.of("BACKEND_AGENT_SIMULATE", "true", "BACKEND_AGENT_SIMULATE_AGENTS", "3"));

    assertEquals(3, simulation.agents());
  }

  @Test
  void simulateFalseTurnsItOff() throws ConfigException {
    assertNull(simulation(Map.of("BACKEND_AGENT_SIMULATE", "true"), "--simulate=false"));
  }

  @Test
  void invalidSimulateValueIsRejected() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> simulation(Map.of(), "--simulate=maybe"));

    assertTrue(e.getMessage().contains("--simulate"), e.getMessage());
    assertTrue(e.getMessage().contains("true or false"), e.getMessage());
  }

  @Test
  void agentCountOutOfRangeIsRejected() {
    for (String count : new String[] {"0", "10000", "many"}) {
      ConfigException e =
          assertThrows(
              ConfigException.class,
              () -> simulation(Map.of(), "--simulate", "--simulate-agents", count));

      assertTrue(e.getMessage().contains("--simulate-agents"), e.getMessage());
      assertTrue(e.getMessage().contains("1 to 9999"), e.getMessage());
    }
  }

  @Test
  void startDelayOutOfRangeIsRejected() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> simulation(Map.of(), "--simulate", "--simulate-start-millis", "-1"));

    assertTrue(e.getMessage().contains("--simulate-start-millis"), e.getMessage());
  }

  @Test
  void simulationOptionWithoutSimulateIsRejected() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> simulation(Map.of(), "--simulate-agents", "100"));

    assertTrue(e.getMessage().contains("only together with --simulate"), e.getMessage());
  }

  @Test
  void agentIdTooLongForSuffixIsRejected() {
    String longId = "a".repeat(60);

    ConfigException e =
        assertThrows(
            ConfigException.class, () -> simulation(Map.of(), "--simulate", "--agent-id", longId));

    assertTrue(e.getMessage().contains("at most 59 characters"), e.getMessage());
  }

  @Test
  void simulationNeedsNoRunnerBundle() throws ConfigException {
    ConfigLoader loader = new ConfigLoader(Map.of(), host);

    AgentConfig config =
        loader.load(parse("--simulate", "--krunner-path", MISSING_BUNDLE, "--agent-id", "bench"));

    assertEquals(Path.of(MISSING_BUNDLE), config.krunnerPath());
    assertThrows(ConfigException.class, () -> loader.load(parse("--krunner-path", MISSING_BUNDLE)));
  }

  @Test
  void agentIdsCarryFourDigits() {
    assertEquals("bench-0007", SimulationConfig.agentId("bench", 7));
    assertEquals("bench-9999", SimulationConfig.agentId("bench", 9999));
  }
}
