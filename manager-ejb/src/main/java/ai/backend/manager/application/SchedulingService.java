package ai.backend.manager.application;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.resource.ResourceSlots;
import ai.backend.manager.domain.model.Agent;
import ai.backend.manager.domain.model.AgentStatus;
import ai.backend.manager.domain.model.Kernel;
import ai.backend.manager.domain.model.KernelStatus;
import ai.backend.manager.domain.model.Session;
import ai.backend.manager.domain.model.SessionStatus;
import ai.backend.manager.infrastructure.messaging.AgentCommandSender;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Places PENDING sessions on ALIVE agents in FIFO order, and fails sessions whose agent never
 * reported their kernel started. Pending rows are taken with {@code FOR UPDATE SKIP LOCKED} and
 * agent rows locked while their free slots are computed, so several manager nodes never place one
 * session twice nor overfill an agent.
 */
@Stateless
public class SchedulingService {

  private static final Logger LOG = Logger.getLogger(SchedulingService.class);
  private static final int BATCH = 50;

  /** Hibernate's lock timeout value that requests SKIP LOCKED. */
  private static final int SKIP_LOCKED = -2;

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  @EJB private AgentCommandSender commands;

  /**
   * Places as many PENDING sessions as fit, in one transaction.
   *
   * @return the number of sessions placed
   */
  @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
  public int placePending() {
    List<Session> pending =
        em.createQuery(
                "select s from Session s where s.status = :pending order by s.createdAt",
                Session.class)
            .setParameter("pending", SessionStatus.PENDING)
            .setLockMode(LockModeType.PESSIMISTIC_WRITE)
            .setHint("jakarta.persistence.lock.timeout", SKIP_LOCKED)
            .setMaxResults(BATCH)
            .getResultList();
    if (pending.isEmpty()) {
      return 0;
    }
    List<Agent> agents =
        em.createQuery("select a from Agent a where a.status = :alive order by a.id", Agent.class)
            .setParameter("alive", AgentStatus.ALIVE)
            .setLockMode(LockModeType.PESSIMISTIC_WRITE)
            .getResultList();
    Map<String, ResourceSlots> free = freeSlots(agents);
    Map<String, List<String>> imagesByAgent = imagesByAgent();
    int placed = 0;
    OffsetDateTime now = ManagerClock.now();
    for (Session session : pending) {
      Agent chosen = null;
      int withImage = 0;
      for (Agent agent : agents) {
        if (!imagesByAgent.getOrDefault(agent.getId(), List.of()).contains(session.getImage())) {
          continue;
        }
        withImage++;
        if (session.getRequestedSlots().fitsIn(free.get(agent.getId()))) {
          chosen = agent;
          break;
        }
      }
      if (chosen == null) {
        session.describeStatus(
            withImage == 0
                ? "waiting for an ALIVE agent with image " + session.getImage()
                : "waiting for resources: none of "
                    + withImage
                    + " agents with the image has "
                    + session.getRequestedSlots()
                    + " free");
        continue;
      }
      free.put(chosen.getId(), free.get(chosen.getId()).subtract(session.getRequestedSlots()));
      assign(session, chosen, now);
      placed++;
    }
    return placed;
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
            session.getAccessKey()));
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
    List<Kernel> holding =
        em.createQuery("select k from Kernel k where k.status in :holding", Kernel.class)
            .setParameter(
                "holding",
                List.of(KernelStatus.SCHEDULED, KernelStatus.RUNNING, KernelStatus.TERMINATING))
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
