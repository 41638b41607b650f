package ai.backend.manager.domain.model;

import java.util.EnumSet;
import java.util.Set;

/** Lifecycle states of a session, named as Backend.AI names them. */
public enum SessionStatus {
  PENDING,
  SCHEDULED,
  PREPARING,
  RUNNING,
  TERMINATING,
  TERMINATED,
  ERROR,
  CANCELLED;

  private static final Set<SessionStatus> FINAL = EnumSet.of(TERMINATED, ERROR, CANCELLED);

  /** Tells whether the session has ended and occupies no resources. */
  public boolean isFinal() {
    return FINAL.contains(this);
  }
}
