package ai.backend.manager.application;

import ai.backend.common.resource.ResourceSlots;
import ai.backend.manager.domain.model.Agent;
import ai.backend.manager.domain.model.AgentStatus;
import ai.backend.manager.domain.model.Domain;
import ai.backend.manager.domain.model.KeyPair;
import ai.backend.manager.domain.model.ResourcePolicy;
import ai.backend.manager.domain.model.ResourcePreset;
import ai.backend.manager.domain.model.Session;
import ai.backend.manager.domain.model.SessionStatus;
import ai.backend.manager.domain.model.UserGroup;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Keypair resource policies and resource presets: the admin calls on them, the limits checked when
 * a session is created, what is still allocatable, and which sessions have outlived their idle
 * timeout or lifetime.
 */
@Stateless
public class PolicyService {

  /** The JSON value of an unlimited slot. */
  static final String INFINITY = "Infinity";

  private static final Set<String> POLICY_CREATE =
      Set.of(
          "name",
          "totalResourceSlots",
          "defaultForUnspecified",
          "maxConcurrentSessions",
          "maxContainersPerSession",
          "idleTimeout",
          "maxSessionLifetime");
  private static final Set<String> POLICY_UPDATE =
      Set.of(
          "totalResourceSlots",
          "defaultForUnspecified",
          "maxConcurrentSessions",
          "maxContainersPerSession",
          "idleTimeout",
          "maxSessionLifetime");
  private static final Set<String> PRESET_CREATE = Set.of("name", "resourceSlots");
  private static final Set<String> PRESET_UPDATE = Set.of("resourceSlots");

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  @EJB private AuditLog audit;

  @EJB private SchedulingService scheduling;

  // Resource policies

  public List<Map<String, Object>> listPolicies(Caller caller) throws ManagerException {
    AccessControl.requireAdmin(caller);
    return em
        .createQuery("select p from ResourcePolicy p order by p.name", ResourcePolicy.class)
        .getResultList()
        .stream()
        .map(PolicyService::json)
        .toList();
  }

  public Map<String, Object> getPolicy(Caller caller, String name) throws ManagerException {
    AccessControl.requireAdmin(caller);
    return json(policy(name, false));
  }

  public Map<String, Object> createPolicy(Caller caller, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    Fields fields = Fields.of(body, POLICY_CREATE);
    String name = fields.name("name", true);
    if (em.find(ResourcePolicy.class, name) != null) {
      throw AccessControl.conflict("resource policy '" + name + "' already exists");
    }
    ResourcePolicy policy = new ResourcePolicy(name, ManagerClock.now());
    List<String> changed = applyPolicy(policy, fields);
    em.persist(policy);
    audit.record(caller, "create", "resource-policy", name, null, String.join(" ", changed));
    return json(policy);
  }

  public Map<String, Object> updatePolicy(Caller caller, String name, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    Fields fields = Fields.of(body, POLICY_UPDATE);
    ResourcePolicy policy = policy(name, true);
    List<String> changed = applyPolicy(policy, fields);
    policy.touch(ManagerClock.now());
    if (!changed.isEmpty()) {
      audit.record(caller, "update", "resource-policy", name, null, String.join(" ", changed));
    }
    return json(policy);
  }

  private static List<String> applyPolicy(ResourcePolicy policy, Fields fields)
      throws ManagerException {
    List<String> changed = new ArrayList<>();
    ResourceSlots slots = fields.slots("totalResourceSlots");
    if (slots != null) {
      policy.setTotalResourceSlots(slots);
      changed.add("totalResourceSlots=" + slots);
    }
    String unspecified = fields.string("defaultForUnspecified", 16);
    if (unspecified != null) {
      String upper = unspecified.toUpperCase(Locale.ROOT);
      if (!upper.equals(ResourcePolicy.LIMITED) && !upper.equals(ResourcePolicy.UNLIMITED)) {
        throw ManagerException.invalidParameters(
            "invalid defaultForUnspecified '"
                + ManagerException.shorten(unspecified)
                + "': use LIMITED or UNLIMITED");
      }
      policy.setDefaultForUnspecified(upper);
      changed.add("defaultForUnspecified=" + upper);
    }
    Integer sessions = fields.integer("maxConcurrentSessions", 0, 1_000_000);
    if (sessions != null) {
      policy.setMaxConcurrentSessions(sessions);
      changed.add("maxConcurrentSessions=" + sessions);
    }
    Integer containers = fields.integer("maxContainersPerSession", 1, 1_000);
    if (containers != null) {
      policy.setMaxContainersPerSession(containers);
      changed.add("maxContainersPerSession=" + containers);
    }
    Integer idle = fields.integer("idleTimeout", 0, 365 * 86_400);
    if (idle != null) {
      policy.setIdleTimeout(idle);
      changed.add("idleTimeout=" + idle);
    }
    Integer lifetime = fields.integer("maxSessionLifetime", 0, 365 * 86_400);
    if (lifetime != null) {
      policy.setMaxSessionLifetime(lifetime);
      changed.add("maxSessionLifetime=" + lifetime);
    }
    return changed;
  }

  public void deletePolicy(Caller caller, String name) throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    ResourcePolicy policy = policy(name, true);
    if (ResourcePolicy.DEFAULT.equals(name)) {
      throw AccessControl.conflict("the resource policy 'default' cannot be deleted");
    }
    long users =
        em.createQuery("select count(k) from KeyPair k where k.resourcePolicy = :p", Long.class)
            .setParameter("p", name)
            .getSingleResult();
    if (users > 0) {
      throw AccessControl.conflict(
          "resource policy '"
              + name
              + "' is used by "
              + users
              + " keypairs; move them to another policy first");
    }
    em.remove(policy);
    audit.record(caller, "delete", "resource-policy", name, null, null);
  }

  private ResourcePolicy policy(String name, boolean lock) throws ManagerException {
    ResourcePolicy policy =
        name == null
            ? null
            : lock
                ? em.find(ResourcePolicy.class, name, LockModeType.PESSIMISTIC_WRITE)
                : em.find(ResourcePolicy.class, name);
    if (policy == null) {
      throw AccessControl.notFound("resource policy", name);
    }
    return policy;
  }

  static Map<String, Object> json(ResourcePolicy policy) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", policy.getName());
    json.put("defaultForUnspecified", policy.getDefaultForUnspecified());
    json.put("totalResourceSlots", policy.getTotalResourceSlots().toStringMap());
    json.put("maxConcurrentSessions", policy.getMaxConcurrentSessions());
    json.put("maxContainersPerSession", policy.getMaxContainersPerSession());
    json.put("idleTimeout", policy.getIdleTimeout());
    json.put("maxSessionLifetime", policy.getMaxSessionLifetime());
    json.put("createdAt", policy.getCreatedAt().toString());
    json.put("modifiedAt", policy.getModifiedAt().toString());
    return json;
  }

  // Resource presets

  /** Lists the presets; every caller may read them. */
  public List<Map<String, Object>> listPresets() {
    return presets().stream().map(PolicyService::json).toList();
  }

  private List<ResourcePreset> presets() {
    return em.createQuery("select p from ResourcePreset p order by p.name", ResourcePreset.class)
        .getResultList();
  }

  public Map<String, Object> getPreset(Caller caller, String name) throws ManagerException {
    AccessControl.requireAdmin(caller);
    return json(preset(name, false));
  }

  public Map<String, Object> createPreset(Caller caller, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    Fields fields = Fields.of(body, PRESET_CREATE);
    String name = fields.name("name", true);
    ResourceSlots slots = fields.slots("resourceSlots");
    if (slots == null || slots.asMap().isEmpty()) {
      throw ManagerException.invalidParameters(
          "resourceSlots is missing: give an object such as {\"cpu\": \"2\", \"mem\": \"4g\"}");
    }
    if (em.find(ResourcePreset.class, name) != null) {
      throw AccessControl.conflict("resource preset '" + name + "' already exists");
    }
    ResourcePreset preset = new ResourcePreset(name, slots, ManagerClock.now());
    em.persist(preset);
    audit.record(caller, "create", "resource-preset", name, null, "resourceSlots=" + slots);
    return json(preset);
  }

  public Map<String, Object> updatePreset(Caller caller, String name, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    Fields fields = Fields.of(body, PRESET_UPDATE);
    ResourcePreset preset = preset(name, true);
    ResourceSlots slots = fields.slots("resourceSlots");
    if (slots != null) {
      if (slots.asMap().isEmpty()) {
        throw ManagerException.invalidParameters("resourceSlots must name at least one slot");
      }
      preset.setResourceSlots(slots);
      preset.touch(ManagerClock.now());
    }
    audit.record(caller, "update", "resource-preset", name, null, "resourceSlots=" + slots);
    return json(preset);
  }

  public void deletePreset(Caller caller, String name) throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    em.remove(preset(name, true));
    audit.record(caller, "delete", "resource-preset", name, null, null);
  }

  private ResourcePreset preset(String name, boolean lock) throws ManagerException {
    ResourcePreset preset =
        name == null
            ? null
            : lock
                ? em.find(ResourcePreset.class, name, LockModeType.PESSIMISTIC_WRITE)
                : em.find(ResourcePreset.class, name);
    if (preset == null) {
      throw AccessControl.notFound("resource preset", name);
    }
    return preset;
  }

  static Map<String, Object> json(ResourcePreset preset) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", preset.getName());
    json.put("resourceSlots", preset.getResourceSlots().toStringMap());
    json.put("createdAt", preset.getCreatedAt().toString());
    json.put("modifiedAt", preset.getModifiedAt().toString());
    return json;
  }

  // Limits

  /**
   * Checks a new session of a keypair against its policy, with the keypair's row locked so that
   * concurrent creates cannot both pass.
   *
   * @throws ManagerException 412 {@code quota-exceeded} naming the limit
   */
  public void checkQuota(
      String accessKey, ResourceSlots requested, int clusterSize, String domainName, UUID groupId)
      throws ManagerException {
    KeyPair keyPair = em.find(KeyPair.class, accessKey, LockModeType.PESSIMISTIC_WRITE);
    if (keyPair == null) {
      throw ManagerException.invalidParameters("access key " + accessKey + " no longer exists");
    }
    ResourcePolicy policy = em.find(ResourcePolicy.class, keyPair.getResourcePolicy());
    if (policy == null) {
      return;
    }
    if (clusterSize > policy.getMaxContainersPerSession()) {
      throw quotaExceeded(
          "the session asks for "
              + clusterSize
              + " containers; resource policy '"
              + policy.getName()
              + "' allows "
              + policy.getMaxContainersPerSession()
              + " per session (maxContainersPerSession)");
    }
    // The login keypairs of a user count together, so that logging in again adds no room.
    List<Session> live =
        keyPair.getExpiresAt() == null
            ? liveSessions(accessKey)
            : em.createQuery(
                    "select s from Session s where s.status in :live and s.accessKey in"
                        + " (select k.accessKey from KeyPair k where k.userUuid = :user"
                        + " and k.expiresAt is not null)",
                    Session.class)
                .setParameter("live", KeyPairService.LIVE)
                .setParameter("user", keyPair.getUserUuid())
                .getResultList();
    if (live.size() >= policy.getMaxConcurrentSessions()) {
      throw quotaExceeded(
          "keypair "
              + accessKey
              + " already has "
              + live.size()
              + " live sessions; resource policy '"
              + policy.getName()
              + "' allows "
              + policy.getMaxConcurrentSessions()
              + " (maxConcurrentSessions); destroy one first");
    }
    ResourceSlots used = ResourceSlots.empty();
    for (Session session : live) {
      used = used.add(session.getRequestedSlots());
    }
    for (Map.Entry<String, BigDecimal> slot : requested.asMap().entrySet()) {
      BigDecimal limit = limitOf(policy, slot.getKey());
      if (limit == null) {
        continue;
      }
      BigDecimal total = used.get(slot.getKey()).add(slot.getValue());
      if (total.compareTo(limit) > 0) {
        throw quotaExceeded(
            "resource slot "
                + slot.getKey()
                + ": "
                + slot.getValue().toPlainString()
                + " requested and "
                + used.get(slot.getKey()).toPlainString()
                + " in use exceed the "
                + limit.toPlainString()
                + " that resource policy '"
                + policy.getName()
                + "' allows (totalResourceSlots)");
      }
    }
    checkScopeQuota(requested, domainName, groupId);
  }

  /**
   * Checks a new session against the total slots of its domain and of its group, where those are
   * set: the sum over all their live sessions may not exceed them. Slots absent from a total are
   * unlimited.
   *
   * @throws ManagerException 412 {@code quota-exceeded} naming the domain or group and the slot
   */
  public void checkScopeQuota(ResourceSlots requested, String domainName, UUID groupId)
      throws ManagerException {
    Domain domain = domainName == null ? null : em.find(Domain.class, domainName);
    if (domain != null && !domain.getTotalResourceSlots().asMap().isEmpty()) {
      // Serializes the creates of the domain, so that two users cannot both take the last slots.
      em.lock(domain, LockModeType.PESSIMISTIC_WRITE);
      checkTotal(
          "domain '" + domainName + "'",
          domain.getTotalResourceSlots(),
          requested,
          em.createQuery(
                  "select s from Session s where s.domainName = :d and s.status in :live",
                  Session.class)
              .setParameter("d", domainName)
              .setParameter("live", KeyPairService.LIVE)
              .getResultList());
    }
    UserGroup group = groupId == null ? null : em.find(UserGroup.class, groupId);
    if (group != null && !group.getTotalResourceSlots().asMap().isEmpty()) {
      em.lock(group, LockModeType.PESSIMISTIC_WRITE);
      checkTotal(
          "group '" + group.getName() + "'",
          group.getTotalResourceSlots(),
          requested,
          em.createQuery(
                  "select s from Session s where s.groupId = :g and s.status in :live",
                  Session.class)
              .setParameter("g", groupId)
              .setParameter("live", KeyPairService.LIVE)
              .getResultList());
    }
  }

  private static void checkTotal(
      String scope, ResourceSlots total, ResourceSlots requested, List<Session> live)
      throws ManagerException {
    ResourceSlots used = ResourceSlots.empty();
    for (Session session : live) {
      used = used.add(session.getRequestedSlots());
    }
    for (Map.Entry<String, BigDecimal> limit : total.asMap().entrySet()) {
      BigDecimal requestedAmount = requested.get(limit.getKey());
      BigDecimal inUse = used.get(limit.getKey());
      if (requestedAmount.signum() > 0
          && inUse.add(requestedAmount).compareTo(limit.getValue()) > 0) {
        throw quotaExceeded(
            "resource slot "
                + limit.getKey()
                + ": "
                + requestedAmount.toPlainString()
                + " requested and "
                + inUse.toPlainString()
                + " in use exceed the "
                + limit.getValue().toPlainString()
                + " of "
                + scope
                + " (totalResourceSlots)");
      }
    }
  }

  /** Returns the policy's limit of a slot, or null when the slot is unlimited. */
  private static BigDecimal limitOf(ResourcePolicy policy, String slot) {
    BigDecimal limit = policy.getTotalResourceSlots().asMap().get(slot);
    if (limit != null) {
      return limit;
    }
    return policy.unspecifiedIsUnlimited() ? null : BigDecimal.ZERO;
  }

  private List<Session> liveSessions(String accessKey) {
    return em.createQuery(
            "select s from Session s where s.accessKey = :key and s.status in :live", Session.class)
        .setParameter("key", accessKey)
        .setParameter("live", KeyPairService.LIVE)
        .getResultList();
  }

  private static ManagerException quotaExceeded(String detail) {
    return new ManagerException(412, "quota-exceeded", "Quota exceeded", detail);
  }

  /**
   * Reports the keypair's limits, usage and remainder, the free slots of the scaling group, and
   * which presets could be allocated now, in the shape of Backend.AI's {@code
   * /resource/check-presets}.
   */
  @TransactionAttribute(TransactionAttributeType.SUPPORTS)
  public Map<String, Object> checkPresets(String accessKey, String scalingGroup)
      throws ManagerException {
    KeyPair keyPair = em.find(KeyPair.class, accessKey);
    ResourcePolicy policy =
        keyPair == null ? null : em.find(ResourcePolicy.class, keyPair.getResourcePolicy());
    String group = scalingGroup == null || scalingGroup.isBlank() ? "default" : scalingGroup;
    List<Agent> agents =
        em.createQuery(
                "select a from Agent a where a.status = :alive and a.scalingGroup = :group",
                Agent.class)
            .setParameter("alive", AgentStatus.ALIVE)
            .setParameter("group", group)
            .getResultList();
    Map<String, ResourceSlots> free = scheduling.freeSlotsOf(agents);
    ResourceSlots groupFree = ResourceSlots.empty();
    for (ResourceSlots slots : free.values()) {
      groupFree = groupFree.add(slots);
    }
    ResourceSlots groupUsing = ResourceSlots.empty();
    for (Agent agent : agents) {
      groupUsing = groupUsing.add(agent.getAvailableSlots().subtract(free.get(agent.getId())));
    }
    ResourceSlots using = ResourceSlots.empty();
    for (Session session : liveSessions(accessKey)) {
      using = using.add(session.getRequestedSlots());
    }
    Set<String> slotNames = new TreeSet<>(Set.of(ResourceSlots.CPU, ResourceSlots.MEM));
    agents.forEach(agent -> slotNames.addAll(agent.getAvailableSlots().asMap().keySet()));
    if (policy != null) {
      slotNames.addAll(policy.getTotalResourceSlots().asMap().keySet());
    }
    Map<String, String> limits = new TreeMap<>();
    Map<String, String> remaining = new TreeMap<>();
    Map<String, BigDecimal> remainingValues = new TreeMap<>();
    for (String slot : slotNames) {
      BigDecimal limit = policy == null ? null : limitOf(policy, slot);
      limits.put(slot, limit == null ? INFINITY : limit.toPlainString());
      if (limit == null) {
        remaining.put(slot, INFINITY);
      } else {
        BigDecimal left = limit.subtract(using.get(slot)).max(BigDecimal.ZERO);
        remaining.put(slot, left.toPlainString());
        remainingValues.put(slot, left);
      }
    }
    List<Map<String, Object>> presetJson = new ArrayList<>();
    for (ResourcePreset preset : presets()) {
      ResourceSlots slots = preset.getResourceSlots();
      boolean withinKeypair =
          slots.asMap().entrySet().stream()
              .allMatch(
                  e ->
                      !remainingValues.containsKey(e.getKey())
                          || e.getValue().compareTo(remainingValues.get(e.getKey())) <= 0);
      boolean fitsAgent = free.values().stream().anyMatch(slots::fitsIn);
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("name", preset.getName());
      item.put("resource_slots", slots.toStringMap());
      item.put("shared_memory", null);
      item.put("allocatable", withinKeypair && fitsAgent);
      presetJson.add(item);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("keypair_limits", limits);
    json.put("keypair_using", using.toStringMap());
    json.put("keypair_remaining", remaining);
    json.put("scaling_group_remaining", groupFree.toStringMap());
    json.put(
        "scaling_groups",
        Map.of(
            group,
            Map.of("using", groupUsing.toStringMap(), "remaining", groupFree.toStringMap())));
    json.put("presets", presetJson);
    return json;
  }

  // Idle timeout and lifetime

  /** A session to end because of its policy, and why. */
  public record Expired(UUID sessionId, String reason, String detail) {}

  /** Finds live sessions past their policy's idle timeout or maximum lifetime. */
  @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
  public List<Expired> findExpired() {
    OffsetDateTime now = ManagerClock.now();
    List<Object[]> rows =
        em.createQuery(
                "select s, p from Session s, KeyPair k, ResourcePolicy p"
                    + " where k.accessKey = s.accessKey and p.name = k.resourcePolicy"
                    + " and s.status in :live and (p.idleTimeout > 0 or p.maxSessionLifetime > 0)",
                Object[].class)
            .setParameter(
                "live",
                List.of(
                    SessionStatus.PENDING,
                    SessionStatus.SCHEDULED,
                    SessionStatus.PREPARING,
                    SessionStatus.RUNNING))
            .getResultList();
    List<Expired> expired = new ArrayList<>();
    for (Object[] row : rows) {
      Session session = (Session) row[0];
      ResourcePolicy policy = (ResourcePolicy) row[1];
      long age = Duration.between(session.getCreatedAt(), now).toSeconds();
      if (policy.getMaxSessionLifetime() > 0 && age >= policy.getMaxSessionLifetime()) {
        expired.add(
            new Expired(
                session.getId(),
                "max-lifetime",
                "max-lifetime: the session ran "
                    + age
                    + " s; resource policy '"
                    + policy.getName()
                    + "' allows "
                    + policy.getMaxSessionLifetime()
                    + " s (maxSessionLifetime)"));
        continue;
      }
      OffsetDateTime last =
          session.getLastActivity() == null ? session.getCreatedAt() : session.getLastActivity();
      long idle = Duration.between(last, now).toSeconds();
      if (session.getStatus() == SessionStatus.RUNNING
          && policy.getIdleTimeout() > 0
          && idle >= policy.getIdleTimeout()) {
        expired.add(
            new Expired(
                session.getId(),
                "idle-timeout",
                "idle-timeout: no activity for "
                    + idle
                    + " s; resource policy '"
                    + policy.getName()
                    + "' allows "
                    + policy.getIdleTimeout()
                    + " s (idleTimeout)"));
      }
    }
    return expired;
  }
}
