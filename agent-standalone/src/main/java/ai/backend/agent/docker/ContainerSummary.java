package ai.backend.agent.docker;

import java.util.Map;

/**
 * A container from a listing.
 *
 * @param state the engine's state word, such as {@code running} or {@code exited}
 */
public record ContainerSummary(String id, String state, Map<String, String> labels) {

  /** Tells whether the container's main process runs. */
  public boolean running() {
    return "running".equals(state);
  }
}
