package ai.backend.manager.application;

import ai.backend.manager.domain.model.Kernel;
import ai.backend.manager.domain.model.Session;
import ai.backend.manager.domain.model.SessionStatus;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/** A read-only copy of a session and its main kernel, safe to use outside a transaction. */
public record SessionView(
    UUID id,
    String name,
    String accessKey,
    String type,
    String image,
    SessionStatus status,
    String statusInfo,
    OffsetDateTime statusChangedAt,
    OffsetDateTime createdAt,
    OffsetDateTime terminatedAt,
    String agentId,
    UUID kernelId,
    String containerId,
    Map<String, String> requestedSlots,
    Map<String, String> occupiedSlots,
    String scalingGroup,
    String network) {

  /** Copies a session while its transaction is open. */
  public static SessionView of(Session session) {
    Kernel kernel = session.mainKernel();
    boolean occupies = kernel.getStatus().holdsResources();
    return new SessionView(
        session.getId(),
        session.getName(),
        session.getAccessKey(),
        session.getType(),
        session.getImage(),
        session.getStatus(),
        session.getStatusInfo(),
        session.getStatusChangedAt(),
        session.getCreatedAt(),
        session.getTerminatedAt(),
        session.getAgentId(),
        kernel.getId(),
        kernel.getContainerId(),
        session.getRequestedSlots().toStringMap(),
        occupies ? kernel.getOccupiedSlots().toStringMap() : Map.of(),
        session.getScalingGroup(),
        session.getNetwork());
  }
}
