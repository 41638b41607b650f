package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunnerConfigTest {

  private static final Map<String, String> MINIMAL =
      Map.of(RunnerConfig.RUNTIME_TYPE, "python", RunnerConfig.RUNTIME_PATH, "/usr/bin/python3");

  @Test
  void defaultsMatchTheAgentProtocol() {
    RunnerConfig config = RunnerConfig.fromEnvironment(MINIMAL);
    assertEquals("tcp://*:2000", config.inEndpoint());
    assertEquals("tcp://*:2001", config.outEndpoint());
    assertEquals(Path.of("/opt/kernel/drivers"), config.driversDir());
  }

  @Test
  void overridesAreRead() {
    RunnerConfig config =
        RunnerConfig.fromEnvironment(
            Map.of(
                RunnerConfig.RUNTIME_TYPE, "python",
                RunnerConfig.RUNTIME_PATH, "/opt/python/bin/python3",
                RunnerConfig.BIND, "tcp://127.0.0.1",
                RunnerConfig.PORT_IN, "12000",
                RunnerConfig.PORT_OUT, "12001",
                RunnerConfig.DRIVERS_DIR, "/tmp/drivers"));
    assertEquals("tcp://127.0.0.1:12000", config.inEndpoint());
    assertEquals("tcp://127.0.0.1:12001", config.outEndpoint());
    assertEquals(
        List.of("/opt/python/bin/python3", "-u", "/tmp/drivers/python/driver.py"),
        DriverCommand.forConfig(config));
  }

  @Test
  void missingRuntimeTypeIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RunnerConfig.fromEnvironment(
                    Map.of(RunnerConfig.RUNTIME_PATH, "/usr/bin/python3")));
    assertTrue(e.getMessage().contains(RunnerConfig.RUNTIME_TYPE), e.getMessage());
  }

  @Test
  void invalidPortIsRejected() {
    for (String port : List.of("0", "65536", "http")) {
      Map<String, String> env = new java.util.HashMap<>(MINIMAL);
      env.put(RunnerConfig.PORT_IN, port);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> RunnerConfig.fromEnvironment(env));
      assertTrue(e.getMessage().contains("'" + port + "'"), e.getMessage());
    }
  }

  @Test
  void unknownRuntimeTypeHasNoDriver() {
    Map<String, String> env = new java.util.HashMap<>(MINIMAL);
    env.put(RunnerConfig.RUNTIME_TYPE, "cobol");
    RunnerConfig config = RunnerConfig.fromEnvironment(env);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DriverCommand.forConfig(config));
    assertTrue(e.getMessage().contains("'cobol'"), e.getMessage());
  }
}
