package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunnerConfigTest {

  private static final Map<String, String> MINIMAL =
      Map.of(RunnerConfig.RUNTIME_TYPE, "python", RunnerConfig.RUNTIME_PATH, "/usr/bin/python3");

  @Test
  void defaultsMatchTheAgentProtocol() {
    RunnerConfig config = RunnerConfig.fromEnvironment(MINIMAL);
    assertEquals("tcp://*:2000", config.inEndpoint());
    assertEquals("tcp://*:2001", config.outEndpoint());
    assertEquals(Path.of("/opt/kernel/drivers"), config.driversDir());
    assertEquals(Path.of("/home/work"), config.workDir());
    assertTrue(config.batchLineBuffered());
  }

  @Test
  void batchLineBufferingCanBeTurnedOff() {
    for (String value : List.of("false", "FALSE", " false ")) {
      Map<String, String> env = new java.util.HashMap<>(MINIMAL);
      env.put(RunnerConfig.BATCH_LINE_BUFFERED, value);
      assertFalse(RunnerConfig.fromEnvironment(env).batchLineBuffered(), "value '" + value + "'");
    }
  }

  @Test
  void invalidBatchLineBufferingIsRejected() {
    Map<String, String> env = new java.util.HashMap<>(MINIMAL);
    env.put(RunnerConfig.BATCH_LINE_BUFFERED, "no");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RunnerConfig.fromEnvironment(env));
    assertTrue(e.getMessage().contains(RunnerConfig.BATCH_LINE_BUFFERED), e.getMessage());
    assertTrue(e.getMessage().contains("'no'"), e.getMessage());
  }

  @Test
  void lineBufferingAppendsToInheritedPreload() {
    Path library = Path.of("/usr/libexec/coreutils/libstdbuf.so");

    Map<String, String> alone = BatchSettings.lineBufferedEnvironment(null, library);
    Map<String, String> appended =
        BatchSettings.lineBufferedEnvironment("/usr/lib/libjemalloc.so.2", library);

    assertEquals(
        Map.of("LD_PRELOAD", library.toString(), "_STDBUF_O", "L", "_STDBUF_I", "L"), alone);
    assertEquals("/usr/lib/libjemalloc.so.2 " + library, appended.get("LD_PRELOAD"));
    assertEquals("L", appended.get("_STDBUF_O"));
    assertEquals("L", appended.get("_STDBUF_I"));
    assertEquals(
        library.toString(), BatchSettings.lineBufferedEnvironment(" ", library).get("LD_PRELOAD"));
  }

  @Test
  void turnedOffLineBufferingAddsNoVariables() {
    Map<String, String> env = new java.util.HashMap<>(MINIMAL);
    env.put(RunnerConfig.BATCH_LINE_BUFFERED, "false");

    BatchSettings settings = BatchSettings.detect(RunnerConfig.fromEnvironment(env), Map.of());

    assertEquals(Map.of(), settings.environment());
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
                RunnerConfig.DRIVERS_DIR, "/tmp/drivers",
                RunnerConfig.WORK_DIR, "/tmp/work"));
    assertEquals("tcp://127.0.0.1:12000", config.inEndpoint());
    assertEquals("tcp://127.0.0.1:12001", config.outEndpoint());
    assertEquals("/tmp/work", config.workDir().toString());
    assertEquals(
        Optional.of(
            List.of("/opt/python/bin/python3", "-u", "-B", "/tmp/drivers/python/driver.py")),
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

  @Test
  void batchOnlyRuntimeHasNoDriver(@TempDir Path driversDir) throws IOException {
    Files.createDirectories(driversDir.resolve("c"));
    Files.writeString(driversDir.resolve("c/batch.properties"), "build=gcc main.c\nexec=./a.out\n");
    Map<String, String> env = new java.util.HashMap<>(MINIMAL);
    env.put(RunnerConfig.RUNTIME_TYPE, "c");
    env.put(RunnerConfig.DRIVERS_DIR, driversDir.toString());
    assertEquals(Optional.empty(), DriverCommand.forConfig(RunnerConfig.fromEnvironment(env)));

    BatchDefaults defaults = BatchDefaults.load(driversDir, "c");
    assertEquals(Optional.of("gcc main.c"), defaults.command("build"));
    assertEquals(Optional.of("./a.out"), defaults.command("exec"));
    assertEquals(Optional.empty(), defaults.command("clean"));
  }

  @Test
  void nodejsDriverStartsThroughSetsid() {
    Map<String, String> env = new java.util.HashMap<>(MINIMAL);
    env.put(RunnerConfig.RUNTIME_TYPE, "nodejs");
    env.put(RunnerConfig.RUNTIME_PATH, "/usr/bin/node");
    List<String> command = DriverCommand.forConfig(RunnerConfig.fromEnvironment(env)).orElseThrow();
    assertTrue(command.get(0).endsWith("setsid"), command.toString());
    assertEquals(
        List.of("/usr/bin/node", "/opt/kernel/drivers/nodejs/driver.js"), command.subList(1, 3));
  }

  @Test
  void pythonBatchDefaultsRunMainPy() {
    BatchDefaults defaults =
        BatchDefaults.load(
            Path.of(System.getenv().getOrDefault("BACKENDAI_TEST_DRIVERS_DIR", "drivers")),
            "python");
    assertEquals(Optional.of(""), defaults.command("clean"));
    assertEquals(Optional.of(""), defaults.command("build"));
    String exec = defaults.command("exec").orElseThrow();
    assertTrue(exec.startsWith("if [ -f main.py ]; then exec python3 main.py; fi;"), exec);
  }
}
