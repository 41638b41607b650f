package ai.backend.agent.simulation;

import ai.backend.agent.config.AgentConfig;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;

/** Agent settings for simulation tests. */
final class SimulationTestConfigs {

  private SimulationTestConfigs() {}

  /**
   * Returns settings with 2 cores, 1 GiB and a one-second heartbeat, for the broker at {@code
   * brokerUrl}.
   */
  static AgentConfig config(String brokerUrl, String agentId) {
    return new AgentConfig(
        brokerUrl,
        "agent",
        null,
        agentId,
        "sim-test",
        new BigDecimal(2),
        1L << 30,
        Path.of("/nonexistent/krunner"),
        "bai-kernels",
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        1 << 20,
        Duration.ZERO,
        64L << 20,
        64L << 20,
        "unix:///nonexistent/docker.sock",
        "INFO");
  }
}
