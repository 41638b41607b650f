package ai.backend.manager.application;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.resource.ResourceSlots;
import ai.backend.manager.domain.model.Agent;
import ai.backend.manager.domain.model.AgentStatus;
import ai.backend.manager.domain.model.Kernel;
import ai.backend.manager.domain.model.KernelStatus;
import ai.backend.manager.domain.model.ScalingGroup;
import ai.backend.manager.domain.model.Session;
import ai.backend.manager.domain.model.SessionStatus;
import ai.backend.manager.domain.scheduling.PlacementPlanner;
import ai.backend.manager.domain.scheduling.PlacementPlanner.AgentSlots;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Order;
import ai.backend.manager.domain.scheduling.PlacementPlanner.PendingSession;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Placement;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Plan;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Selection;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Waiting;
import ai.backend.manager.infrastructure.messaging.AgentCommandSender;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Places PENDING sessions on ALIVE agents of their scaling group, and fails sessions whose agent
 * never reported their kernel started. Pending rows are taken with {@code FOR UPDATE SKIP LOCKED}
 * and agent rows locked while their free slots are computed, so several manager nodes never place
 * one session twice nor overfill an agent.
 */
@Stateless
public class SchedulingService {

  private static final Logger LOG = Logger.getLogger(SchedulingService.class);
  private static final int BATCH = 200;

  /** Kernel statuses whose slots count as taken on their agent. */
  private static final List<KernelStatus> HOLDING =
      List.of(KernelStatus.SCHEDULED, KernelStatus.RUNNING, KernelStatus.TERMINATING);

  /** Hibernate's lock timeout value that requests SKIP LOCKED. */
  private static final int SKIP_LOCKED = -2;

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  @EJB private AgentCommandSender commands;

  @EJB private SchedulerMetrics metrics;

  /** Returns the names of all scaling groups, for one placement pass each. */
  @TransactionAttribute(TransactionAttributeType.SUPPORTS)
  public List<String> scalingGroupNames() {
    return em.createQuery("select g.name from ScalingGroup g order by g.name", String.class)
        .getResultList();
  }

  /**
   * Places as many PENDING sessions of one scaling group as fit, in one transaction, in the order
   * and onto the agents that the group's scheduler chooses. Sessions pending longer than the
   * group's pending timeout are cancelled first.
   *
   * @return the number of sessions placed
   */
  @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
  public int placePending(String groupName) {
    ScalingGroup group = em.find(ScalingGroup.class, groupName);
    if (group == null) {
      return 0;
    }
    boolean newestFirst = "lifo".equalsIgnoreCase(group.getScheduler());
    List<Session> pending =
        em.createQuery(
                "select s from Session s where s.status = :pending and s.scalingGroup = :group"
                    + " order by s.createdAt"
                    + (newestFirst ? " desc" : ""),
                Session.class)
            .setParameter("pending", SessionStatus.PENDING)
            .setParameter("group", groupName)
            .setLockMode(LockModeType.PESSIMISTIC_WRITE)
            .setHint("jakarta.persistence.lock.timeout", SKIP_LOCKED)
            .setMaxResults(BATCH)
            .getResultList();
    if (pending.isEmpty()) {
      return 0;
    }
    OffsetDateTime now = ManagerClock.now();
    pending = cancelOverdue(group, pending, now);
    if (!group.isActive()) {
      pending.forEach(
          session ->
              session.describeStatus(
                  "waiting: scaling group "
                      + groupName
                      + " is inactive; an admin can activate it"));
      return 0;
    }
    List<Agent> agents =
        em.createQuery(
                "select a from Agent a where a.status = :alive and a.scalingGroup = :group"
                    + " order by a.id",
                Agent.class)
            .setParameter("alive", AgentStatus.ALIVE)
            .setParameter("group", groupName)
            .setLockMode(LockModeType.PESSIMISTIC_WRITE)
            .getResultList();
    Map<String, ResourceSlots> free = freeSlots(agents);
    Map<String, List<String>> imagesByAgent = imagesByAgent();
    List<AgentSlots> agentSlots = new ArrayList<>();
    for (Agent agent : agents) {
      agentSlots.add(
          new AgentSlots(
              agent.getId(),
              agent.getAvailableSlots(),
              free.get(agent.getId()),
              Set.copyOf(imagesByAgent.getOrDefault(agent.getId(), List.of()))));
    }
    Map<Object, Session> byId = new HashMap<>();
    List<PendingSession> requests = new ArrayList<>();
    for (Session session : pending) {
      byId.put(session.getId(), session);
      requests.add(
          new PendingSession(
              session.getId(),
              session.getAccessKey(),
              session.getImage(),
              session.getRequestedSlots(),
              session.getCreatedAt()));
    }
    PlacementPlanner planner =
        new PlacementPlanner(
            Order.parse(group.getScheduler()).orElse(Order.FIFO),
            Selection.parse(group.getAgentSelection()).orElse(Selection.DISPERSED));
    Map<String, ResourceSlots> usage = planner.usesShares() ? usageByKeyPair(agents) : Map.of();
    Plan plan = planner.plan(requests, agentSlots, usage);
    Map<String, Agent> agentsById = new HashMap<>();
    agents.forEach(agent -> agentsById.put(agent.getId(), agent));
    for (Placement placement : plan.placements()) {
      assign(byId.get(placement.session().id()), agentsById.get(placement.agentId()), now);
    }
    for (Waiting waiting : plan.waiting()) {
      byId.get(waiting.session().id()).describeStatus(waiting.reason());
    }
    return plan.placements().size();
  }

  /** Cancels the sessions pending longer than the group allows and returns the others. */
  private List<Session> cancelOverdue(
      ScalingGroup group, List<Session> pending, OffsetDateTime now) {
    if (group.getPendingTimeout() <= 0) {
      return pending;
    }
    List<Session> remaining = new ArrayList<>();
    for (Session session : pending) {
      long waited = Duration.between(session.getCreatedAt(), now).toSeconds();
      if (waited < group.getPendingTimeout()) {
        remaining.add(session);
        continue;
      }
      String reason =
          "pending-timeout: waited "
              + waited
              + " s; scaling group "
              + group.getName()
              + " allows "
              + group.getPendingTimeout()
              + " s (last reason: "
              + session.getStatusInfo()
              + ")";
      session.transition(SessionStatus.CANCELLED, reason, now);
      session.mainKernel().transition(KernelStatus.TERMINATED, "pending-timeout", now);
      LOG.infof("Session %s cancelled: %s", session.getId(), reason);
    }
    metrics.recordCancelled(pending.size() - remaining.size());
    return remaining;
  }

  /** Returns the slots that each keypair's live kernels hold on the given agents. */
  private Map<String, ResourceSlots> usageByKeyPair(List<Agent> agents) {
    Map<String, ResourceSlots> usage = new HashMap<>();
    if (agents.isEmpty()) {
      return usage;
    }
    List<Object[]> rows =
        em.createQuery(
                "select s.accessKey, k.occupiedSlots from Kernel k join k.session s"
                    + " where k.status in :holding and k.agentId in :agents",
                Object[].class)
            .setParameter("holding", HOLDING)
            .setParameter("agents", agents.stream().map(Agent::getId).toList())
            .getResultList();
    for (Object[] row : rows) {
      usage.merge((String) row[0], (ResourceSlots) row[1], ResourceSlots::add);
    }
    return usage;
  }

  private void assign(Session session, Agent agent, OffsetDateTime now) {
    Kernel kernel = session.mainKernel();
    session.assignAgent(agent.getId());
    kernel.assignAgent(agent.getId());
    session.transition(SessionStatus.SCHEDULED, "scheduled on agent " + agent.getId(), now);
    kernel.transition(KernelStatus.SCHEDULED, null, now);
    commands.send(
        agent.getId(),
        new AgentCommand.CreateKernel(
            session.getId().toString(),
            kernel.getId().toString(),
            session.getImage(),
            session.getRequestedSlots().toStringMap(),
            session.getEnviron(),
            session.getAccessKey(),
            session.getNetwork()));
    LOG.infof(
        "Session %s (kernel %s) scheduled on agent %s with %s",
        session.getId(), kernel.getId(), agent.getId(), session.getRequestedSlots());
  }

  /** Returns the free slots of each agent: its capacity less what its kernels hold. */
  @TransactionAttribute(TransactionAttributeType.SUPPORTS)
  public Map<String, ResourceSlots> freeSlotsOf(List<Agent> agents) {
    return freeSlots(agents);
  }

  private Map<String, ResourceSlots> freeSlots(List<Agent> agents) {
    Map<String, ResourceSlots> free = new HashMap<>();
    for (Agent agent : agents) {
      free.put(agent.getId(), agent.getAvailableSlots());
    }
    if (agents.isEmpty()) {
      return free;
    }
    List<Kernel> holding =
        em.createQuery(
                "select k from Kernel k where k.status in :holding and k.agentId in :agents",
                Kernel.class)
            .setParameter("holding", HOLDING)
            .setParameter("agents", agents.stream().map(Agent::getId).toList())
            .getResultList();
    for (Kernel kernel : holding) {
      free.computeIfPresent(
          kernel.getAgentId(), (id, slots) -> slots.subtract(kernel.getOccupiedSlots()));
    }
    return free;
  }

  private Map<String, List<String>> imagesByAgent() {
    Map<String, List<String>> result = new HashMap<>();
    em.createQuery("select ai.agentId, ai.imageName from AgentImage ai", Object[].class)
        .getResultList()
        .forEach(
            row ->
                result
                    .computeIfAbsent((String) row[0], id -> new java.util.ArrayList<>())
                    .add((String) row[1]));
    return result;
  }

  /** Fails sessions whose agent did not report their kernel started in time. */
  @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
  public int failStuckStarts() {
    OffsetDateTime now = ManagerClock.now();
    OffsetDateTime deadline = now.minus(ManagerSettings.kernelStartTimeout());
    List<Session> stuck =
        em.createQuery(
                "select s from Session s where s.status in :starting"
                    + " and s.statusChangedAt < :deadline",
                Session.class)
            .setParameter("starting", List.of(SessionStatus.SCHEDULED, SessionStatus.PREPARING))
            .setParameter("deadline", deadline)
            .setLockMode(LockModeType.PESSIMISTIC_WRITE)
            .setHint("jakarta.persistence.lock.timeout", SKIP_LOCKED)
            .getResultList();
    for (Session session : stuck) {
      Kernel kernel = session.mainKernel();
      String reason =
          "agent "
              + session.getAgentId()
              + " did not report the kernel started within "
              + ManagerSettings.kernelStartTimeout().toSeconds()
              + " s";
      session.transition(SessionStatus.ERROR, reason, now);
      kernel.transition(KernelStatus.ERROR, reason, now);
      commands.send(
          session.getAgentId(),
          new AgentCommand.DestroyKernel(
              session.getId().toString(), kernel.getId().toString(), "start-timeout"));
      LOG.warnf("Session %s (kernel %s) failed: %s", session.getId(), kernel.getId(), reason);
    }
    return stuck.size();
  }

  /** Marks agents LOST that sent no heartbeat within the timeout. */
  @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
  public int markLostAgents() {
    OffsetDateTime now = ManagerClock.now();
    OffsetDateTime deadline = now.minus(ManagerSettings.agentHeartbeatTimeout());
    List<Agent> silent =
        em.createQuery(
                "select a from Agent a where a.status = :alive and a.lastHeartbeat < :deadline",
                Agent.class)
            .setParameter("alive", AgentStatus.ALIVE)
            .setParameter("deadline", deadline)
            .setLockMode(LockModeType.PESSIMISTIC_WRITE)
            .setHint("jakarta.persistence.lock.timeout", SKIP_LOCKED)
            .getResultList();
    for (Agent agent : silent) {
      agent.markLost(now);
      em.createQuery(
              "select s from Session s where s.agentId = :agent and s.status in :live",
              Session.class)
          .setParameter("agent", agent.getId())
          .setLockMode(LockModeType.PESSIMISTIC_WRITE)
          .setParameter(
              "live",
              List.of(
                  SessionStatus.SCHEDULED,
                  SessionStatus.PREPARING,
                  SessionStatus.RUNNING,
                  SessionStatus.TERMINATING))
          .getResultList()
          .forEach(
              session ->
                  session.describeStatus(
                      "agent " + agent.getId() + " is LOST since " + now + "; waiting for it"));
      LOG.warnf(
          "Agent %s is LOST: no heartbeat since %s (timeout %d s)",
          agent.getId(),
          agent.getLastHeartbeat(),
          ManagerSettings.agentHeartbeatTimeout().toSeconds());
    }
    return silent.size();
  }
}
