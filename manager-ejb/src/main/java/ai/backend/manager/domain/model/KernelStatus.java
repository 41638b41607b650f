package ai.backend.manager.domain.model;

/** Lifecycle states of a kernel, the container that a session runs on one agent. */
public enum KernelStatus {
  PENDING,
  SCHEDULED,
  RUNNING,
  TERMINATING,
  TERMINATED,
  ERROR;

  /** Tells whether the kernel still occupies resources on its agent. */
  public boolean holdsResources() {
    return this == SCHEDULED || this == RUNNING || this == TERMINATING;
  }
}
