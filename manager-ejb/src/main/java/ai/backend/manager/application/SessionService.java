package ai.backend.manager.application;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.resource.ResourceSlots;
import ai.backend.manager.domain.model.Agent;
import ai.backend.manager.domain.model.AgentStatus;
import ai.backend.manager.domain.model.Kernel;
import ai.backend.manager.domain.model.KernelImage;
import ai.backend.manager.domain.model.KernelStatus;
import ai.backend.manager.domain.model.Session;
import ai.backend.manager.domain.model.SessionStatus;
import ai.backend.manager.infrastructure.messaging.AgentCommandSender;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
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

  @Inject private Event<SchedulingRequested> enqueued;

  /** A user's request for a new session. */
  public record CreateRequest(
      String image,
      String name,
      String type,
      Map<String, ?> resources,
      Map<String, String> environ) {}

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
  public CreateResult create(String accessKey, CreateRequest request) throws ManagerException {
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
    checkSomeAgentCanHold(slots, image);

    Session session =
        new Session(name, accessKey, type, image.getName(), slots, environ, ManagerClock.now());
    session.describeStatus("waiting to be scheduled");
    em.persist(session);
    enqueued.fire(new SchedulingRequested("session " + session.getId() + " enqueued"));
    LOG.infof(
        "Session %s (%s) of %s created as PENDING: image %s, slots %s",
        session.getId(), name, accessKey, image.getName(), slots);
    return new CreateResult(SessionView.of(session), true);
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

  private void checkSomeAgentCanHold(ResourceSlots slots, KernelImage image)
      throws ManagerException {
    List<Agent> agents =
        em.createQuery(
                "select a from Agent a where a.status = :alive and exists (select 1 from"
                    + " AgentImage ai where ai.agentId = a.id and ai.imageName = :image)",
                Agent.class)
            .setParameter("alive", AgentStatus.ALIVE)
            .setParameter("image", image.getName())
            .getResultList();
    boolean fits = agents.stream().anyMatch(agent -> slots.fitsIn(agent.getAvailableSlots()));
    if (!fits) {
      throw ManagerException.invalidParameters(
          "no agent with image "
              + image.getName()
              + " has capacity for "
              + slots
              + " even when idle; request fewer resources");
    }
  }

  /**
   * Finds a session of the caller by id or name; the newest live one wins a name clash.
   *
   * @throws ManagerException 404 when the caller has no such session
   */
  public SessionView find(String accessKey, String idOrName) throws ManagerException {
    return SessionView.of(findEntity(accessKey, idOrName));
  }

  Session findEntity(String accessKey, String idOrName) throws ManagerException {
    UUID id = parseUuid(idOrName);
    if (id != null) {
      Session session = em.find(Session.class, id);
      if (session != null && session.getAccessKey().equals(accessKey)) {
        return session;
      }
    }
    return em.createQuery(
            "select s from Session s where s.accessKey = :key and s.name = :name"
                + " order by s.createdAt desc",
            Session.class)
        .setParameter("key", accessKey)
        .setParameter("name", idOrName)
        .setMaxResults(10)
        .getResultStream()
        .min((a, b) -> Boolean.compare(a.getStatus().isFinal(), b.getStatus().isFinal()))
        .orElseThrow(() -> ManagerException.sessionNotFound(idOrName));
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

  /** Counts the caller's sessions, optionally of one status. */
  public long count(String accessKey, SessionStatus status) {
    String where = status == null ? "" : " and s.status = :status";
    var query =
        em.createQuery(
                "select count(s) from Session s where s.accessKey = :key" + where, Long.class)
            .setParameter("key", accessKey);
    if (status != null) {
      query.setParameter("status", status);
    }
    return query.getSingleResult();
  }

  /** Lists the caller's sessions, newest first, optionally of one status. */
  public List<SessionView> list(String accessKey, SessionStatus status, int limit) {
    String where = status == null ? "" : " and s.status = :status";
    var query =
        em.createQuery(
                "select s from Session s where s.accessKey = :key"
                    + where
                    + " order by s.createdAt desc",
                Session.class)
            .setParameter("key", accessKey)
            .setMaxResults(limit);
    if (status != null) {
      query.setParameter("status", status);
    }
    return query.getResultList().stream().map(SessionView::of).toList();
  }

  /**
   * Destroys a session. A pending one is cancelled at once, and a placed one is marked TERMINATING
   * while its agent receives a command to remove the container.
   */
  public SessionView destroy(String accessKey, String idOrName) throws ManagerException {
    // The row lock keeps the scheduler and agent events off this session until commit.
    // The id is resolved without loading the entity: locking a stale managed copy would fail
    // its version check instead of waiting for the lock.
    UUID id = findEntity(accessKey, idOrName).getId();
    em.clear();
    Session session =
        em.find(Session.class, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
    OffsetDateTime now = ManagerClock.now();
    Kernel kernel = session.mainKernel();
    switch (session.getStatus()) {
      case PENDING -> {
        session.transition(SessionStatus.CANCELLED, "cancelled by the user before scheduling", now);
        kernel.transition(KernelStatus.TERMINATED, "cancelled", now);
      }
      case SCHEDULED, PREPARING, RUNNING, TERMINATING -> {
        session.transition(SessionStatus.TERMINATING, "destroy requested by the user", now);
        kernel.transition(KernelStatus.TERMINATING, "destroy requested by the user", now);
        commands.send(
            kernel.getAgentId(),
            new AgentCommand.DestroyKernel(
                session.getId().toString(), kernel.getId().toString(), "user-requested"));
      }
      default -> {
        return SessionView.of(session);
      }
    }
    LOG.infof(
        "Session %s (%s) of %s is %s",
        session.getId(), session.getName(), accessKey, session.getStatus());
    return SessionView.of(session);
  }
}
