package ai.backend.manager.application;

import ai.backend.manager.domain.model.Agent;
import ai.backend.manager.domain.model.Domain;
import ai.backend.manager.domain.model.KeyPair;
import ai.backend.manager.domain.model.ScalingGroup;
import ai.backend.manager.domain.model.SessionStatus;
import ai.backend.manager.domain.model.UserGroup;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Order;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Selection;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Scaling groups: the admin calls on them (superadmins change them, domain admins read them), and
 * which domains, groups and keypairs may use each.
 */
@Stateless
public class ScalingGroupService {

  /** Names as agents may give them in their configuration. */
  private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");

  private static final int MAX_MEMBERS = 10_000;

  private static final Set<String> UPDATE_FIELDS =
      Set.of(
          "description",
          "isActive",
          "scheduler",
          "agentSelection",
          "pendingTimeout",
          "domains",
          "groups",
          "keypairs");

  private static final Set<String> CREATE_FIELDS;

  static {
    Set<String> fields = new java.util.HashSet<>(UPDATE_FIELDS);
    fields.add("name");
    CREATE_FIELDS = Set.copyOf(fields);
  }

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  @EJB private AuditLog audit;

  @EJB private SchedulingService scheduling;

  public List<Map<String, Object>> list(Caller caller) throws ManagerException {
    AccessControl.requireAdmin(caller);
    return em
        .createQuery("select g from ScalingGroup g order by g.name", ScalingGroup.class)
        .getResultList()
        .stream()
        .map(this::json)
        .toList();
  }

  public Map<String, Object> get(Caller caller, String name) throws ManagerException {
    AccessControl.requireAdmin(caller);
    return json(find(name, false));
  }

  public Map<String, Object> create(Caller caller, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    Fields fields = Fields.of(body, CREATE_FIELDS);
    String name = fields.requiredString("name", 64, "give the scaling group a name");
    if (!NAME.matcher(name).matches()) {
      throw ManagerException.invalidParameters(
          "invalid name '"
              + ManagerException.shorten(name)
              + "': use 1 to 64 letters, digits, '.', '_' or '-'");
    }
    if (em.find(ScalingGroup.class, name) != null) {
      throw AccessControl.conflict("scaling group '" + name + "' already exists");
    }
    ScalingGroup group = new ScalingGroup(name, ManagerClock.now());
    List<String> changed = apply(group, fields);
    em.persist(group);
    audit.record(caller, "create", "scaling-group", name, null, String.join(" ", changed));
    return json(group);
  }

  public Map<String, Object> update(Caller caller, String name, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    Fields fields = Fields.of(body, UPDATE_FIELDS);
    ScalingGroup group = find(name, true);
    List<String> changed = apply(group, fields);
    group.touch(ManagerClock.now());
    if (!changed.isEmpty()) {
      audit.record(caller, "update", "scaling-group", name, null, String.join(" ", changed));
    }
    return json(group);
  }

  public void delete(Caller caller, String name) throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    ScalingGroup group = find(name, true);
    if (ScalingGroup.DEFAULT.equals(name)) {
      throw AccessControl.conflict("the scaling group 'default' cannot be deleted");
    }
    long agents =
        em.createQuery("select count(a) from Agent a where a.scalingGroup = :g", Long.class)
            .setParameter("g", name)
            .getSingleResult();
    long sessions =
        em.createQuery(
                "select count(s) from Session s where s.scalingGroup = :g and s.status in :live",
                Long.class)
            .setParameter("g", name)
            .setParameter("live", KeyPairService.LIVE)
            .getSingleResult();
    if (agents > 0 || sessions > 0) {
      throw AccessControl.conflict(
          "scaling group '"
              + name
              + "' still has "
              + agents
              + " agents and "
              + sessions
              + " live sessions; move the agents (their scaling-group setting) and end the"
              + " sessions first");
    }
    em.remove(group);
    audit.record(caller, "delete", "scaling-group", name, null, null);
  }

  /** Lists the agents with their status, scaling group, capacity and free slots. */
  public List<Map<String, Object>> listAgents(Caller caller) throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    List<Agent> agents =
        em.createQuery("select a from Agent a order by a.scalingGroup, a.id", Agent.class)
            .getResultList();
    Map<String, ai.backend.common.resource.ResourceSlots> free = scheduling.freeSlotsOf(agents);
    List<Map<String, Object>> result = new ArrayList<>();
    for (Agent agent : agents) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("id", agent.getId());
      json.put("status", agent.getStatus().name());
      json.put("scalingGroup", agent.getScalingGroup());
      json.put("hostname", agent.getHostname());
      json.put("version", agent.getVersion());
      json.put("availableSlots", agent.getAvailableSlots().toStringMap());
      json.put("freeSlots", free.get(agent.getId()).toStringMap());
      json.put("heartbeatIntervalSeconds", agent.getHeartbeatIntervalSeconds());
      json.put("firstContact", agent.getFirstContact().toString());
      json.put("lastHeartbeat", agent.getLastHeartbeat().toString());
      json.put("lostAt", agent.getLostAt() == null ? null : agent.getLostAt().toString());
      result.add(json);
    }
    return result;
  }

  /**
   * Forgets a LOST agent without live kernels, for agents that were retired or simulated. An agent
   * that comes back later joins again as new.
   */
  public void deleteAgent(Caller caller, String agentId) throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    Agent agent =
        agentId == null
            ? null
            : em.find(Agent.class, agentId, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
    if (agent == null) {
      throw AccessControl.notFound("agent", agentId);
    }
    if (agent.getStatus() != ai.backend.manager.domain.model.AgentStatus.LOST) {
      throw AccessControl.conflict(
          "agent " + agentId + " is " + agent.getStatus() + "; only LOST agents can be deleted");
    }
    long live =
        em.createQuery(
                "select count(k) from Kernel k where k.agentId = :a and k.status in :live",
                Long.class)
            .setParameter("a", agentId)
            .setParameter(
                "live",
                List.of(
                    ai.backend.manager.domain.model.KernelStatus.SCHEDULED,
                    ai.backend.manager.domain.model.KernelStatus.RUNNING,
                    ai.backend.manager.domain.model.KernelStatus.TERMINATING))
            .getSingleResult();
    if (live > 0) {
      throw AccessControl.conflict(
          "agent "
              + agentId
              + " still holds "
              + live
              + " live kernels; destroy their sessions first");
    }
    em.remove(agent);
    audit.record(
        caller, "delete", "agent", agentId, null, "scalingGroup=" + agent.getScalingGroup());
  }

  private List<String> apply(ScalingGroup group, Fields fields) throws ManagerException {
    List<String> changed = new ArrayList<>();
    String description = fields.string("description", 512);
    if (description != null) {
      group.setDescription(description);
      changed.add("description");
    }
    Boolean active = fields.bool("isActive");
    if (active != null) {
      group.setActive(active);
      changed.add("isActive=" + active);
    }
    String scheduler = fields.string("scheduler", 16);
    if (scheduler != null) {
      Order order =
          Order.parse(scheduler)
              .orElseThrow(
                  () ->
                      ManagerException.invalidParameters(
                          "invalid scheduler '"
                              + ManagerException.shorten(scheduler)
                              + "': use fifo, lifo or drf"));
      group.setScheduler(order.name().toLowerCase(Locale.ROOT));
      changed.add("scheduler=" + group.getScheduler());
    }
    String selection = fields.string("agentSelection", 16);
    if (selection != null) {
      Selection parsed =
          Selection.parse(selection)
              .orElseThrow(
                  () ->
                      ManagerException.invalidParameters(
                          "invalid agentSelection '"
                              + ManagerException.shorten(selection)
                              + "': use concentrated or dispersed"));
      group.setAgentSelection(parsed.name().toLowerCase(Locale.ROOT));
      changed.add("agentSelection=" + group.getAgentSelection());
    }
    Integer pendingTimeout = fields.integer("pendingTimeout", 0, 30 * 86_400);
    if (pendingTimeout != null) {
      group.setPendingTimeout(pendingTimeout);
      changed.add("pendingTimeout=" + pendingTimeout);
    }
    List<String> domains = fields.strings("domains", MAX_MEMBERS);
    if (domains != null) {
      for (String domain : domains) {
        if (em.find(Domain.class, domain) == null) {
          throw ManagerException.invalidParameters(
              "domain '" + ManagerException.shorten(domain) + "' does not exist");
        }
      }
      group.getDomains().clear();
      group.getDomains().addAll(domains);
      changed.add("domains=" + domains);
    }
    List<String> groups = fields.strings("groups", MAX_MEMBERS);
    if (groups != null) {
      List<UUID> ids = new ArrayList<>();
      for (String id : groups) {
        UUID uuid = parseUuid(id);
        if (uuid == null || em.find(UserGroup.class, uuid) == null) {
          throw ManagerException.invalidParameters(
              "group '" + ManagerException.shorten(id) + "' does not exist; give group ids");
        }
        ids.add(uuid);
      }
      group.getGroups().clear();
      group.getGroups().addAll(ids);
      changed.add("groups=" + groups);
    }
    List<String> keyPairs = fields.strings("keypairs", MAX_MEMBERS);
    if (keyPairs != null) {
      for (String key : keyPairs) {
        if (em.find(KeyPair.class, key) == null) {
          throw ManagerException.invalidParameters(
              "access key '" + ManagerException.shorten(key) + "' does not exist");
        }
      }
      group.getKeyPairs().clear();
      group.getKeyPairs().addAll(keyPairs);
      changed.add("keypairs=" + keyPairs);
    }
    return changed;
  }

  private ScalingGroup find(String name, boolean lock) throws ManagerException {
    ScalingGroup group =
        name == null
            ? null
            : lock
                ? em.find(ScalingGroup.class, name, LockModeType.PESSIMISTIC_WRITE)
                : em.find(ScalingGroup.class, name);
    if (group == null) {
      throw AccessControl.notFound("scaling group", name);
    }
    return group;
  }

  private Map<String, Object> json(ScalingGroup group) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", group.getName());
    json.put("description", group.getDescription());
    json.put("isActive", group.isActive());
    json.put("scheduler", group.getScheduler());
    json.put("agentSelection", group.getAgentSelection());
    json.put("pendingTimeout", group.getPendingTimeout());
    json.put("domains", List.copyOf(group.getDomains()));
    json.put("groups", group.getGroups().stream().map(UUID::toString).toList());
    json.put("keypairs", List.copyOf(group.getKeyPairs()));
    List<Agent> agents =
        em.createQuery("select a from Agent a where a.scalingGroup = :g order by a.id", Agent.class)
            .setParameter("g", group.getName())
            .getResultList();
    json.put(
        "agents",
        agents.stream()
            .map(agent -> Map.of("id", agent.getId(), "status", agent.getStatus().name()))
            .toList());
    json.put(
        "pendingSessions",
        em.createQuery(
                "select count(s) from Session s where s.scalingGroup = :g and s.status = :p",
                Long.class)
            .setParameter("g", group.getName())
            .setParameter("p", SessionStatus.PENDING)
            .getSingleResult());
    json.put("createdAt", group.getCreatedAt().toString());
    json.put("modifiedAt", group.getModifiedAt().toString());
    return json;
  }

  private static UUID parseUuid(String text) {
    try {
      return text != null && text.trim().length() == 36 ? UUID.fromString(text.trim()) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
