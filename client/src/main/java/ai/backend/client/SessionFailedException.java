package ai.backend.client;

/**
 * Raised when a session that a caller waits for reaches a state from which it cannot become
 * RUNNING: ERROR, CANCELLED, TERMINATING or TERMINATED.
 */
public class SessionFailedException extends BackendClientException {

  private final SessionInfo session;

  public SessionFailedException(SessionInfo session) {
    super(formatMessage(session));
    this.session = session;
  }

  /** Returns the session as the manager last reported it. */
  public SessionInfo session() {
    return session;
  }

  private static String formatMessage(SessionInfo session) {
    String message =
        "session " + session.displayName() + " is " + session.status() + " and will not start";
    String statusInfo = session.statusInfo();
    return statusInfo == null || statusInfo.isBlank() ? message : message + ": " + statusInfo;
  }
}
