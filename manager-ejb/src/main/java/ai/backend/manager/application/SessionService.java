package ai.backend.manager.application;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.resource.ResourceSlots;
import ai.backend.manager.domain.model.Agent;
import ai.backend.manager.domain.model.AgentStatus;
import ai.backend.manager.domain.model.Kernel;
import ai.backend.manager.domain.model.KernelImage;
import ai.backend.manager.domain.model.KernelStatus;
import ai.backend.manager.domain.model.KeyPair;
import ai.backend.manager.domain.model.ScalingGroup;
import ai.backend.manager.domain.model.Session;
import ai.backend.manager.domain.model.SessionStatus;
import ai.backend.manager.domain.model.User;
import ai.backend.manager.domain.model.UserGroup;
import ai.backend.manager.domain.model.UserRole;
import ai.backend.manager.infrastructure.messaging.AgentCommandSender;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/** Creating, finding, listing and destroying the sessions of a keypair. */
@Stateless
public class SessionService {

  private static final Logger LOG = Logger.getLogger(SessionService.class);

  private static final Pattern SESSION_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{3,63}$");
  private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,127}$");
  private static final int MAX_ENV_ENTRIES = 64;
  private static final int MAX_ENV_VALUE = 4096;
  private static final Map<String, String> DEFAULT_SLOTS = Map.of("cpu", "1", "mem", "1g");

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  @EJB private ImageRegistry images;

  @EJB private AgentCommandSender commands;

  @EJB private PolicyService policies;

  @EJB private AccessControl access;

  @Inject private Event<SchedulingRequested> enqueued;

  /** A user's request for a new session. */
  public record CreateRequest(
      String image,
      String name,
      String type,
      Map<String, ?> resources,
      Map<String, String> environ,
      Integer clusterSize,
      String group,
      String scalingGroup,
      String network) {

    /** A request for a session without a network. */
    public CreateRequest(
        String image,
        String name,
        String type,
        Map<String, ?> resources,
        Map<String, String> environ,
        Integer clusterSize,
        String group,
        String scalingGroup) {
      this(image, name, type, resources, environ, clusterSize, group, scalingGroup, null);
    }
  }

  /** The created or reused session, and whether this call created it. */
  public record CreateResult(SessionView session, boolean created) {}

  /**
   * Fired when scheduling may now place a session: one was stored as PENDING, or a kernel released
   * its resources. The scheduler runs once the transaction commits.
   */
  public record SchedulingRequested(String reason) {}

  /**
   * Stores a new PENDING session, or returns the caller's live session of the same name as
   * Backend.AI does.
   */
  public CreateResult create(Caller caller, CreateRequest request) throws ManagerException {
    String accessKey = caller.ownerAccessKey();
    String name = request.name();
    if (name != null && !name.isBlank()) {
      if (!SESSION_NAME.matcher(name).matches()) {
        throw ManagerException.invalidParameters(
            "invalid session name '"
                + name
                + "': use 4 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
      }
      Optional<Session> existing = findLiveByName(accessKey, name);
      if (existing.isPresent()) {
        LOG.infof("Reusing session %s (%s) for %s", existing.get().getId(), name, accessKey);
        return new CreateResult(SessionView.of(existing.get()), false);
      }
    } else {
      name = "sess-" + UUID.randomUUID().toString().substring(0, 8);
    }
    String type = request.type() == null ? "interactive" : request.type().toLowerCase(Locale.ROOT);
    String network = parseNetwork(request.network());
    if (!type.equals("interactive") && !type.equals("batch")) {
      throw ManagerException.invalidParameters(
          "invalid session type '" + request.type() + "': use interactive or batch");
    }
    if (request.image() == null || request.image().isBlank()) {
      throw ManagerException.invalidParameters("the image is missing: name one, such as python");
    }
    KernelImage image =
        images
            .resolve(request.image())
            .orElseThrow(() -> ManagerException.imageNotFound(request.image()));
    ResourceSlots slots = parseSlots(request.resources(), image);
    Map<String, String> environ = validateEnviron(request.environ());
    int clusterSize = request.clusterSize() == null ? 1 : request.clusterSize();
    if (clusterSize < 1) {
      throw ManagerException.invalidParameters(
          "clusterSize " + clusterSize + " is out of range: use 1 or more");
    }
    KeyPair owner = em.find(KeyPair.class, accessKey);
    User user = owner == null ? null : em.find(User.class, owner.getUserUuid());
    if (user == null) {
      throw ManagerException.invalidParameters("access key " + accessKey + " has no user");
    }
    UserGroup group = resolveGroup(user, request.group());
    policies.checkQuota(
        accessKey, slots, clusterSize, user.getDomainName(), group == null ? null : group.getId());
    if (clusterSize > 1) {
      throw ManagerException.invalidParameters(
          "clusterSize " + clusterSize + " is not supported yet: sessions have one container");
    }
    String scalingGroup = resolveScalingGroup(request.scalingGroup(), user, group, accessKey);
    checkSomeAgentCanHold(slots, image, scalingGroup);

    Session session =
        new Session(name, accessKey, type, image.getName(), slots, environ, ManagerClock.now());
    session.assignOwner(user.getUuid(), user.getDomainName(), group == null ? null : group.getId());
    session.setScalingGroup(scalingGroup);
    session.setNetwork(network);
    session.describeStatus("waiting to be scheduled");
    em.persist(session);
    enqueued.fire(new SchedulingRequested("session " + session.getId() + " enqueued"));
    LOG.infof(
        "Session %s (%s) of %s created as PENDING in scaling group %s: image %s, slots %s,"
            + " network %s",
        session.getId(), name, accessKey, scalingGroup, image.getName(), slots, network);
    return new CreateResult(SessionView.of(session), true);
  }

  /** Returns the session's network, {@code none} unless the request names {@code isolated}. */
  private static String parseNetwork(String requested) throws ManagerException {
    if (requested == null || requested.isBlank()) {
      return AgentCommand.CreateKernel.NETWORK_NONE;
    }
    String network = requested.trim().toLowerCase(Locale.ROOT);
    if (!network.equals(AgentCommand.CreateKernel.NETWORK_NONE)
        && !network.equals(AgentCommand.CreateKernel.NETWORK_ISOLATED)) {
      throw ManagerException.invalidParameters(
          "invalid network '"
              + ManagerException.shorten(requested)
              + "': use none (the default: no network) or isolated (outbound access; neither"
              + " the manager's host nor other sessions are reachable)");
    }
    return network;
  }

  /**
   * Returns the group the session runs in: the one named, which the user must be a member of, or
   * the user's {@code default} group, or their first one.
   */
  private UserGroup resolveGroup(User user, String requested) throws ManagerException {
    if (requested == null || requested.isBlank()) {
      return user.getGroups().stream()
          .filter(group -> group.getName().equals("default"))
          .findFirst()
          .or(() -> user.getGroups().stream().findFirst())
          .orElse(null);
    }
    String groupName = requested.trim();
    UserGroup group =
        user.getGroups().stream()
            .filter(g -> g.getName().equals(groupName) || g.getId().toString().equals(groupName))
            .findFirst()
            .orElseThrow(
                () ->
                    ManagerException.invalidParameters(
                        "group '"
                            + ManagerException.shorten(groupName)
                            + "' is not one of the groups of user "
                            + user.getEmail()));
    if (!group.isActive()) {
      throw ManagerException.invalidParameters(
          "group '" + group.getName() + "' is inactive; ask an admin to activate it");
    }
    return group;
  }

  private ResourceSlots parseSlots(Map<String, ?> requested, KernelImage image)
      throws ManagerException {
    ResourceSlots slots;
    try {
      slots = ResourceSlots.parse(requested).withDefaults(ResourceSlots.parse(DEFAULT_SLOTS));
    } catch (IllegalArgumentException e) {
      throw ManagerException.invalidParameters(e.getMessage());
    }
    ResourceSlots minimum = image.getMinSlots();
    for (Map.Entry<String, BigDecimal> entry : minimum.asMap().entrySet()) {
      if (slots.get(entry.getKey()).compareTo(entry.getValue()) < 0) {
        throw ManagerException.invalidParameters(
            "resource slot "
                + entry.getKey()
                + " = "
                + slots.get(entry.getKey()).toPlainString()
                + " is below the minimum "
                + entry.getValue().toPlainString()
                + " of image "
                + image.getName());
      }
    }
    if (slots.get(ResourceSlots.CPU).signum() <= 0) {
      throw ManagerException.invalidParameters("resource slot cpu must be greater than 0");
    }
    return slots;
  }

  private static Map<String, String> validateEnviron(Map<String, String> environ)
      throws ManagerException {
    Map<String, String> checked = new TreeMap<>();
    if (environ == null) {
      return checked;
    }
    if (environ.size() > MAX_ENV_ENTRIES) {
      throw ManagerException.invalidParameters(
          "too many environment variables: " + environ.size() + ", at most " + MAX_ENV_ENTRIES);
    }
    for (Map.Entry<String, String> entry : environ.entrySet()) {
      String key = entry.getKey();
      String value = entry.getValue() == null ? "" : entry.getValue();
      if (key == null || !ENV_NAME.matcher(key).matches()) {
        throw ManagerException.invalidParameters(
            "invalid environment variable name '" + key + "': use letters, digits and '_'");
      }
      if (key.startsWith("BACKENDAI_")) {
        throw ManagerException.invalidParameters(
            "environment variable "
                + key
                + " is reserved: names starting with BACKENDAI_ are set"
                + " by the product");
      }
      if (value.length() > MAX_ENV_VALUE || value.indexOf('\0') >= 0) {
        throw ManagerException.invalidParameters(
            "invalid value of environment variable "
                + key
                + ": at most "
                + MAX_ENV_VALUE
                + " characters and no NUL");
      }
      checked.put(key, value);
    }
    return checked;
  }

  /**
   * Returns the scaling group for a new session: the one requested, which the session's domain,
   * group or keypair must be allowed to use, or {@code default} when allowed, or the first allowed.
   */
  private String resolveScalingGroup(String requested, User user, UserGroup group, String accessKey)
      throws ManagerException {
    List<String> allowed =
        em.createQuery(
                "select distinct g.name from ScalingGroup g left join g.domains d"
                    + " left join g.groups ug left join g.keyPairs k"
                    + " where g.active = true and (d = :domain or ug = :group or k = :key)"
                    + " order by g.name",
                String.class)
            .setParameter("domain", user.getDomainName())
            .setParameter("group", group == null ? new UUID(0, 0) : group.getId())
            .setParameter("key", accessKey)
            .getResultList();
    if (requested != null && !requested.isBlank()) {
      String name = requested.trim();
      if (!allowed.contains(name)) {
        throw ManagerException.invalidParameters(
            "scaling group '"
                + ManagerException.shorten(name)
                + "' is not allowed for this keypair, its group or its domain; allowed: "
                + allowed);
      }
      return name;
    }
    if (allowed.contains(ScalingGroup.DEFAULT)) {
      return ScalingGroup.DEFAULT;
    }
    if (allowed.isEmpty()) {
      throw ManagerException.invalidParameters(
          "no active scaling group is allowed for domain '"
              + user.getDomainName()
              + "', the session's group or this keypair; ask an admin to allow one");
    }
    return allowed.get(0);
  }

  private void checkSomeAgentCanHold(ResourceSlots slots, KernelImage image, String scalingGroup)
      throws ManagerException {
    List<Agent> agents =
        em.createQuery(
                "select a from Agent a where a.status = :alive and a.scalingGroup = :group"
                    + " and exists (select 1 from AgentImage ai where ai.agentId = a.id"
                    + " and ai.imageName = :image)",
                Agent.class)
            .setParameter("alive", AgentStatus.ALIVE)
            .setParameter("group", scalingGroup)
            .setParameter("image", image.getName())
            .getResultList();
    boolean fits = agents.stream().anyMatch(agent -> slots.fitsIn(agent.getAvailableSlots()));
    if (!fits) {
      throw ManagerException.invalidParameters(
          "no ALIVE agent of scaling group "
              + scalingGroup
              + " with image "
              + image.getName()
              + " has capacity for "
              + slots
              + " even when idle; request fewer resources or another scaling group");
    }
  }

  /**
   * Finds a session the caller reaches, by id or by name; a name is looked up among the sessions of
   * the keypair the caller acts for, and the newest live one wins a name clash.
   *
   * @throws ManagerException 404 when the caller reaches no such session
   */
  public SessionView find(Caller caller, String idOrName) throws ManagerException {
    return SessionView.of(findEntity(caller, idOrName));
  }

  Session findEntity(Caller caller, String idOrName) throws ManagerException {
    UUID id = parseUuid(idOrName);
    if (id != null) {
      Session session = em.find(Session.class, id);
      if (session != null && access.reaches(caller, session)) {
        return session;
      }
    }
    return em.createQuery(
            "select s from Session s where s.accessKey = :key and s.name = :name"
                + " order by s.createdAt desc",
            Session.class)
        .setParameter("key", caller.ownerAccessKey())
        .setParameter("name", idOrName)
        .setMaxResults(10)
        .getResultStream()
        .min((a, b) -> Boolean.compare(a.getStatus().isFinal(), b.getStatus().isFinal()))
        .orElseThrow(() -> ManagerException.sessionNotFound(idOrName));
  }

  /** Records API activity on a session, which resets its idle timeout. */
  @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
  public void recordActivity(UUID sessionId) {
    // A bulk update: it neither loads the row nor bumps its version.
    em.createQuery("update Session s set s.lastActivity = :now where s.id = :id")
        .setParameter("now", ManagerClock.now())
        .setParameter("id", sessionId)
        .executeUpdate();
  }

  private Optional<Session> findLiveByName(String accessKey, String name) {
    return em.createQuery(
            "select s from Session s where s.accessKey = :key and s.name = :name"
                + " and s.status not in :done order by s.createdAt desc",
            Session.class)
        .setParameter("key", accessKey)
        .setParameter("name", name)
        .setParameter(
            "done", List.of(SessionStatus.TERMINATED, SessionStatus.ERROR, SessionStatus.CANCELLED))
        .setMaxResults(1)
        .getResultStream()
        .findFirst();
  }

  private static UUID parseUuid(String text) {
    try {
      return text != null && text.length() == 36 ? UUID.fromString(text) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Counts the sessions that {@link #list} returns without its limit.
   *
   * @param all every session the caller reaches instead of those of one keypair
   */
  public long count(Caller caller, SessionStatus status, boolean all) {
    var query =
        em.createQuery("select count(s) from Session s" + where(caller, status, all), Long.class);
    bind(query, caller, status, all);
    return query.getSingleResult();
  }

  /**
   * Lists sessions newest first, optionally of one status: those of the keypair the caller acts
   * for, or with {@code all} every session the caller reaches.
   */
  public List<SessionView> list(Caller caller, SessionStatus status, int limit, boolean all) {
    var query =
        em.createQuery(
                "select s from Session s"
                    + where(caller, status, all)
                    + " order by s.createdAt desc",
                Session.class)
            .setMaxResults(limit);
    bind(query, caller, status, all);
    return query.getResultList().stream().map(SessionView::of).toList();
  }

  private static String where(Caller caller, SessionStatus status, boolean all) {
    String scope;
    if (!all || caller.actsForOther()) {
      scope = " where s.accessKey = :key";
    } else if (caller.isSuperadmin()) {
      scope = " where 1 = 1";
    } else if (caller.isAdmin()) {
      scope =
          " where (s.accessKey = :key or s.userUuid = :user or (s.domainName = :domain and"
              + " s.userUuid in (select u.uuid from User u where u.role = :userRole)))";
    } else {
      scope = " where (s.userUuid = :user or s.accessKey = :key)";
    }
    return scope + (status == null ? "" : " and s.status = :status");
  }

  private static void bind(
      jakarta.persistence.Query query, Caller caller, SessionStatus status, boolean all) {
    if (!all || caller.actsForOther()) {
      query.setParameter("key", caller.ownerAccessKey());
    } else if (caller.isAdmin() && !caller.isSuperadmin()) {
      query.setParameter("domain", caller.domainName());
      query.setParameter("key", caller.accessKey());
      query.setParameter("user", caller.userUuid());
      query.setParameter("userRole", UserRole.USER);
    } else if (!caller.isAdmin()) {
      query.setParameter("user", caller.userUuid());
      query.setParameter("key", caller.accessKey());
    }
    if (status != null) {
      query.setParameter("status", status);
    }
  }

  /**
   * Destroys a session. A pending one is cancelled at once, and a placed one is marked TERMINATING
   * while its agent receives a command to remove the container.
   */
  public SessionView destroy(Caller caller, String idOrName) throws ManagerException {
    UUID id = findEntity(caller, idOrName).getId();
    String who =
        caller.actsForOther()
            ? "admin " + caller.email() + " (" + caller.accessKey() + ")"
            : "the user";
    return terminate(id, "user-requested", "destroy requested by " + who);
  }

  /**
   * Ends a session: a pending one is cancelled at once, and a placed one is marked TERMINATING
   * while its agent receives a command to remove the container. Its status info keeps the reason.
   *
   * @param reasonCode the short reason sent to the agent, such as {@code idle-timeout}
   * @param detail the status info, the reason in words
   */
  public SessionView terminate(UUID id, String reasonCode, String detail) throws ManagerException {
    // The row lock keeps the scheduler and agent events off this session until commit.
    // The entity is loaded afresh: locking a stale managed copy would fail its version check
    // instead of waiting for the lock.
    em.clear();
    Session session = em.find(Session.class, id, LockModeType.PESSIMISTIC_WRITE);
    if (session == null) {
      throw ManagerException.sessionNotFound(id.toString());
    }
    OffsetDateTime now = ManagerClock.now();
    Kernel kernel = session.mainKernel();
    switch (session.getStatus()) {
      case PENDING -> {
        session.transition(SessionStatus.CANCELLED, detail, now);
        kernel.transition(KernelStatus.TERMINATED, reasonCode, now);
      }
      case SCHEDULED, PREPARING, RUNNING -> {
        session.transition(SessionStatus.TERMINATING, detail, now);
        kernel.transition(KernelStatus.TERMINATING, detail, now);
        commands.send(
            kernel.getAgentId(),
            new AgentCommand.DestroyKernel(
                session.getId().toString(), kernel.getId().toString(), reasonCode));
      }
      case TERMINATING ->
          // Sent again in case the agent missed the first command; the status info stays.
          commands.send(
              kernel.getAgentId(),
              new AgentCommand.DestroyKernel(
                  session.getId().toString(), kernel.getId().toString(), reasonCode));
      default -> {
        return SessionView.of(session);
      }
    }
    LOG.infof(
        "Session %s (%s) of %s is %s: %s",
        session.getId(), session.getName(), session.getAccessKey(), session.getStatus(), detail);
    return SessionView.of(session);
  }
}
