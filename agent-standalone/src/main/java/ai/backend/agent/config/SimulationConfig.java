package ai.backend.agent.config;

import java.time.Duration;
import java.util.Locale;

/**
 * The settings of {@code --simulate}, which set how many simulated agents one JVM runs and how they
 * behave. The other settings, such as the broker, the scaling group and the slots each agent
 * offers, come from the {@link AgentConfig}.
 *
 * @param agents the number of simulated agents, 1 to {@value #MAX_AGENTS}
 * @param startDelay the time from {@code create_kernel} to {@code kernel_started}
 */
public record SimulationConfig(int agents, Duration startDelay) {

  /** The maximum agent count, because agent ids end in a four-digit number. */
  public static final int MAX_AGENTS = 9999;

  /** Characters that a simulated agent adds to the agent id, such as {@code -0001}. */
  public static final int ID_SUFFIX_LENGTH = 5;

  /** The maximum start delay. */
  public static final Duration MAX_START_DELAY = Duration.ofHours(1);

  /** Returns the id of the simulated agent number {@code index}, counted from 1. */
  public static String agentId(String baseId, int index) {
    return String.format(Locale.ROOT, "%s-%04d", baseId, index);
  }
}
