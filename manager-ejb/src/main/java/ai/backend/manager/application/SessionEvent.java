package ai.backend.manager.application;

import ai.backend.manager.domain.model.Session;
import ai.backend.manager.domain.model.SessionStatus;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A change of a session's status, named as Backend.AI names its session events, with the owner
 * fields that decide who may see it.
 *
 * @param event {@code session_enqueued}, {@code session_scheduled}, {@code session_preparing},
 *     {@code session_started}, {@code session_terminating}, {@code session_terminated}, {@code
 *     session_cancelled} or {@code session_failure}
 */
public record SessionEvent(
    String event,
    String sessionId,
    String sessionName,
    String ownerAccessKey,
    String userUuid,
    String domain,
    String scalingGroup,
    String agent,
    String status,
    String reason,
    String at) {

  /** Returns the event of a session that has just entered its current status. */
  public static SessionEvent of(Session session, OffsetDateTime at) {
    return new SessionEvent(
        eventName(session.getStatus()),
        session.getId().toString(),
        session.getName(),
        session.getAccessKey(),
        session.getUserUuid() == null ? null : session.getUserUuid().toString(),
        session.getDomainName(),
        session.getScalingGroup(),
        session.getAgentId(),
        session.getStatus().name(),
        session.getStatusInfo(),
        at.toString());
  }

  static String eventName(SessionStatus status) {
    return switch (status) {
      case PENDING -> "session_enqueued";
      case SCHEDULED -> "session_scheduled";
      case PREPARING -> "session_preparing";
      case RUNNING -> "session_started";
      case TERMINATING -> "session_terminating";
      case TERMINATED -> "session_terminated";
      case CANCELLED -> "session_cancelled";
      case ERROR -> "session_failure";
    };
  }

  /** Returns true if the caller may see this event, by the rules of {@link AccessControl}. */
  public boolean visibleTo(Caller caller) {
    if (caller.actsForOther()) {
      return caller.ownerAccessKey().equals(ownerAccessKey);
    }
    if (caller.accessKey().equals(ownerAccessKey) || caller.isSuperadmin()) {
      return true;
    }
    if (caller.isAdmin() && domain != null && domain.equals(caller.domainName())) {
      return true;
    }
    return userUuid != null
        && caller.userUuid() != null
        && userUuid.equals(caller.userUuid().toString());
  }

  /** Returns the session id as a UUID. */
  public UUID id() {
    return UUID.fromString(sessionId);
  }
}
