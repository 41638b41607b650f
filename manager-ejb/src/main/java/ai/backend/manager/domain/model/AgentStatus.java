package ai.backend.manager.domain.model;

/** States of an agent in the registry. */
public enum AgentStatus {
  /** Sends heartbeats in time and takes new kernels. */
  ALIVE,
  /** Missed heartbeats past the timeout; takes no new kernels until it returns. */
  LOST
}
