package ai.backend.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.agent.config.HostFacts;
import ai.backend.agent.config.Setting;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentMainTest {

  @TempDir Path bundle;
  private final HostFacts host = new HostFacts("test-host", 2, 1L << 30, Path.of("/nonexistent"));
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void createBundle() throws IOException {
    Files.createDirectories(bundle.resolve("bin"));
    Files.writeString(bundle.resolve("bin/entrypoint.sh"), "#!/bin/sh\n");
  }

  private int run(Map<String, String> env, String... args) {
    return AgentMain.run(args, env, host, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void helpListsEveryOptionWithEnvironmentVariable() {
    int code = run(Map.of(), "--help");

    assertEquals(0, code);
    String help = out.toString().replaceAll("\\s+", " ");
    for (Setting setting : Setting.values()) {
      assertTrue(help.contains(setting.optionName()), setting.optionName());
      assertTrue(help.contains(setting.envName()), setting.envName());
    }
    assertTrue(help.contains("Default: tcp://127.0.0.1:61616"), help);
    assertTrue(help.contains("Default: 80% of the host's memory"), help);
  }

  @Test
  void invalidValueExitsWithTwo() {
    int code = run(Map.of(), "--krunner-path", bundle.toString(), "--heartbeat-interval", "never");

    assertEquals(2, code);
    assertTrue(err.toString().contains("--heartbeat-interval"), err.toString());
    assertTrue(err.toString().contains("'never'"), err.toString());
  }

  @Test
  void unknownOptionExitsWithTwo() {
    int code = run(Map.of(), "--no-such-option");

    assertEquals(2, code);
    assertTrue(err.toString().contains("--no-such-option"), err.toString());
  }

  @Test
  void missingBundleExitsWithTwo() {
    int code = run(Map.of());

    assertEquals(2, code);
    assertTrue(err.toString().contains("--krunner-path"), err.toString());
  }

  @Test
  void passwordIsNeverPrinted() {
    int code = run(Map.of("BACKEND_AGENT_BROKER_PASSWORD", "hunter2-secret"), "--cpu", "x");

    assertEquals(2, code);
    assertTrue(!err.toString().contains("hunter2-secret"), err.toString());
    assertTrue(!out.toString().contains("hunter2-secret"), out.toString());
  }
}
