package ai.backend.manager.domain.model;

import ai.backend.common.resource.ResourceSlots;
import ai.backend.manager.infrastructure.persistence.SessionStatusListener;
import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityListeners;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import jakarta.persistence.Version;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A compute session that a keypair owns: a request for an image with resources, placed on an agent
 * as one kernel.
 */
@Entity
@Table(name = "sessions")
@EntityListeners(SessionStatusListener.class)
public class Session {

  /** Maximum length of a status message; longer ones are cut with an ellipsis. */
  public static final int MAX_STATUS_INFO = 2000;

  @Id
  @Column(name = "id")
  private UUID id;

  @Column(name = "name", nullable = false)
  private String name;

  @Column(name = "access_key", nullable = false)
  private String accessKey;

  @Column(name = "session_type", nullable = false)
  private String type;

  @Column(name = "image", nullable = false)
  private String image;

  @Enumerated(EnumType.STRING)
  @Column(name = "status", nullable = false)
  private SessionStatus status;

  @Column(name = "status_info")
  private String statusInfo;

  @Column(name = "status_changed_at", nullable = false)
  private OffsetDateTime statusChangedAt;

  @Convert(converter = SlotsConverter.class)
  @Column(name = "requested_slots", nullable = false)
  private ResourceSlots requestedSlots;

  @Convert(converter = StringMapConverter.class)
  @Column(name = "environ", nullable = false)
  private Map<String, String> environ;

  @Column(name = "agent_id")
  private String agentId;

  @Column(name = "created_at", nullable = false)
  private OffsetDateTime createdAt;

  @Column(name = "terminated_at")
  private OffsetDateTime terminatedAt;

  @Column(name = "user_uuid")
  private UUID userUuid;

  @Column(name = "domain_name")
  private String domainName;

  @Column(name = "group_id")
  private UUID groupId;

  @Column(name = "scaling_group")
  private String scalingGroup;

  /** {@code none} or {@code isolated}, as in {@code AgentCommand.CreateKernel}. */
  @Column(name = "network", nullable = false)
  private String network = "none";

  /** The last API call on the session, which the idle timeout counts from. */
  @Column(name = "last_activity")
  private OffsetDateTime lastActivity;

  /** Set when the status changed and the event of the change is not yet published. */
  @Transient private boolean statusChanged;

  @Version
  @Column(name = "version", nullable = false)
  private long version;

  @OneToMany(mappedBy = "session", cascade = CascadeType.ALL, orphanRemoval = true)
  @OrderBy("createdAt")
  private List<Kernel> kernels = new ArrayList<>();

  protected Session() {}

  public Session(
      String name,
      String accessKey,
      String type,
      String image,
      ResourceSlots requestedSlots,
      Map<String, String> environ,
      OffsetDateTime now) {
    this.id = UUID.randomUUID();
    this.name = name;
    this.accessKey = accessKey;
    this.type = type;
    this.image = image;
    this.requestedSlots = requestedSlots;
    this.environ = environ;
    this.createdAt = now;
    this.status = SessionStatus.PENDING;
    this.statusChangedAt = now;
    this.lastActivity = now;
    this.statusChanged = true;
    this.kernels.add(new Kernel(this, image, requestedSlots, now));
  }

  /** Changes the status and its message; a final status also records the end time. */
  public void transition(SessionStatus next, String info, OffsetDateTime now) {
    this.statusChanged |= next != status;
    this.status = next;
    this.statusInfo = truncate(info);
    this.statusChangedAt = now;
    if (next == SessionStatus.RUNNING) {
      // The idle timeout counts from the start, not from a creation that waited for resources.
      this.lastActivity = now;
    }
    if (next.isFinal() && terminatedAt == null) {
      this.terminatedAt = now;
    }
  }

  /** Sets the status message without changing the status, for example why it still waits. */
  public void describeStatus(String info) {
    this.statusInfo = truncate(info);
  }

  static String truncate(String info) {
    if (info == null || info.length() <= MAX_STATUS_INFO) {
      return info;
    }
    return info.substring(0, MAX_STATUS_INFO - 3) + "...";
  }

  /** Returns the main kernel; a session of this version has exactly one. */
  public Kernel mainKernel() {
    return kernels.get(0);
  }

  public void assignAgent(String agentId) {
    this.agentId = agentId;
  }

  public UUID getId() {
    return id;
  }

  public String getName() {
    return name;
  }

  public String getAccessKey() {
    return accessKey;
  }

  public String getType() {
    return type;
  }

  public String getImage() {
    return image;
  }

  public SessionStatus getStatus() {
    return status;
  }

  public String getStatusInfo() {
    return statusInfo;
  }

  public OffsetDateTime getStatusChangedAt() {
    return statusChangedAt;
  }

  public ResourceSlots getRequestedSlots() {
    return requestedSlots;
  }

  public Map<String, String> getEnviron() {
    return environ;
  }

  public String getAgentId() {
    return agentId;
  }

  public OffsetDateTime getCreatedAt() {
    return createdAt;
  }

  public OffsetDateTime getTerminatedAt() {
    return terminatedAt;
  }

  public List<Kernel> getKernels() {
    return kernels;
  }

  /** Records who owns the session: the keypair's user, their domain and the group it runs in. */
  public void assignOwner(UUID userUuid, String domainName, UUID groupId) {
    this.userUuid = userUuid;
    this.domainName = domainName;
    this.groupId = groupId;
  }

  public UUID getUserUuid() {
    return userUuid;
  }

  public String getDomainName() {
    return domainName;
  }

  public UUID getGroupId() {
    return groupId;
  }

  public OffsetDateTime getLastActivity() {
    return lastActivity;
  }

  public String getScalingGroup() {
    return scalingGroup;
  }

  public void setScalingGroup(String scalingGroup) {
    this.scalingGroup = scalingGroup;
  }

  public String getNetwork() {
    return network;
  }

  public void setNetwork(String network) {
    this.network = network;
  }

  /** Returns true once after each status change, for publishing its event. */
  public boolean takeStatusChange() {
    boolean changed = statusChanged;
    statusChanged = false;
    return changed;
  }
}
