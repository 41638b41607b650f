package ai.backend.manager.application;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.resource.ResourceSlots;
import ai.backend.manager.application.SessionService.SchedulingRequested;
import ai.backend.manager.domain.model.Agent;
import ai.backend.manager.domain.model.AgentImage;
import ai.backend.manager.domain.model.Kernel;
import ai.backend.manager.domain.model.KernelImage;
import ai.backend.manager.domain.model.KernelStatus;
import ai.backend.manager.domain.model.ScalingGroup;
import ai.backend.manager.domain.model.Session;
import ai.backend.manager.domain.model.SessionStatus;
import ai.backend.manager.infrastructure.messaging.AgentCommandSender;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Applies agent events. Heartbeats keep the registry and the image list current and reconcile the
 * agent's containers with the manager's records. Kernel events move sessions along their lifecycle.
 */
@Stateless
public class AgentRegistry {

  private static final Logger LOG = Logger.getLogger(AgentRegistry.class);
  private static final Pattern AGENT_ID = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");
  private static final Pattern SCALING_GROUP = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  @EJB private AgentCommandSender commands;

  @Inject private Event<SchedulingRequested> scheduling;

  /** Applies one event from an agent. */
  public void apply(AgentEvent event) {
    if (event.agentId() == null || !AGENT_ID.matcher(event.agentId()).matches()) {
      LOG.warnf("Dropped an agent event with an invalid agent id '%s'", event.agentId());
      return;
    }
    if (event instanceof AgentEvent.Heartbeat heartbeat) {
      heartbeat(heartbeat);
    } else if (event instanceof AgentEvent.KernelStarted started) {
      kernelStarted(started);
    } else if (event instanceof AgentEvent.KernelCreationFailed failed) {
      kernelCreationFailed(failed);
    } else if (event instanceof AgentEvent.KernelTerminated terminated) {
      kernelTerminated(terminated);
    }
  }

  private void heartbeat(AgentEvent.Heartbeat heartbeat) {
    OffsetDateTime now = ManagerClock.now();
    Agent agent = em.find(Agent.class, heartbeat.agentId(), LockModeType.PESSIMISTIC_WRITE);
    boolean joined = agent == null;
    if (joined) {
      agent = new Agent(heartbeat.agentId(), now);
      em.persist(agent);
    }
    boolean wasLost = agent.getStatus() == ai.backend.manager.domain.model.AgentStatus.LOST;
    ResourceSlots available;
    try {
      available = ResourceSlots.parse(heartbeat.availableSlots());
    } catch (IllegalArgumentException e) {
      LOG.warnf("Agent %s reported invalid slots: %s", heartbeat.agentId(), e.getMessage());
      available = ResourceSlots.empty();
    }
    agent.recordHeartbeat(
        heartbeat.hostname(),
        heartbeat.version(),
        heartbeat.scalingGroup(),
        available,
        Math.max(1, heartbeat.intervalSeconds()),
        now);
    if (joined) {
      LOG.infof(
          "Agent %s joined from %s offering %s", agent.getId(), heartbeat.hostname(), available);
    } else if (wasLost) {
      LOG.infof("Agent %s is ALIVE again", agent.getId());
      String message = "running on agent " + agent.getId() + ", which is ALIVE again since " + now;
      em.createQuery(
              "select s from Session s where s.agentId = :agent and s.status = :running",
              Session.class)
          .setParameter("agent", agent.getId())
          .setParameter("running", SessionStatus.RUNNING)
          .getResultList()
          .forEach(session -> session.describeStatus(message));
    }
    ensureScalingGroup(agent, now);
    updateImages(agent.getId(), heartbeat.images() == null ? List.of() : heartbeat.images(), now);
    reconcileKernels(agent, heartbeat.kernels() == null ? List.of() : heartbeat.kernels(), now);
  }

  /** Creates the scaling group an agent names when it does not exist yet, so that it can join. */
  private void ensureScalingGroup(Agent agent, OffsetDateTime now) {
    String name = agent.getScalingGroup();
    if (em.find(ScalingGroup.class, name) != null) {
      return;
    }
    if (!SCALING_GROUP.matcher(name).matches()) {
      LOG.warnf(
          "Agent %s names the invalid scaling group '%s'; it stays unscheduled until fixed",
          agent.getId(), ManagerException.shorten(name));
      return;
    }
    em.persist(new ScalingGroup(name, now));
    LOG.warnf(
        "Agent %s created scaling group %s (fifo, dispersed); no domain, group or keypair may use"
            + " it until an admin allows one with PATCH /admin/scaling-groups/%s",
        agent.getId(), name, name);
  }

  private void updateImages(
      String agentId, List<AgentEvent.ImageInfo> reported, OffsetDateTime now) {
    Set<String> names = new HashSet<>();
    for (AgentEvent.ImageInfo info : reported) {
      if (info.name() == null || info.name().isBlank() || info.name().length() > 255) {
        continue;
      }
      names.add(info.name());
      KernelImage image = em.find(KernelImage.class, info.name());
      Map<String, String> labels = info.labels() == null ? Map.of() : info.labels();
      if (image == null) {
        image = new KernelImage(info.name());
        image.updateLabels(labels, now);
        em.persist(image);
        LOG.infof("Image %s reported by agent %s", info.name(), agentId);
      } else if (!labels.equals(image.getLabels())) {
        image.updateLabels(labels, now);
      }
    }
    Set<String> known =
        em.createQuery(
                "select ai.imageName from AgentImage ai where ai.agentId = :agent", String.class)
            .setParameter("agent", agentId)
            .getResultStream()
            .collect(Collectors.toSet());
    if (known.equals(names)) {
      return;
    }
    em.createQuery("delete from AgentImage ai where ai.agentId = :agent")
        .setParameter("agent", agentId)
        .executeUpdate();
    em.flush();
    for (String name : names) {
      em.persist(new AgentImage(agentId, name));
    }
  }

  private void reconcileKernels(
      Agent agent, List<AgentEvent.KernelInfo> reported, OffsetDateTime now) {
    Set<UUID> present = new HashSet<>();
    for (AgentEvent.KernelInfo info : reported) {
      UUID kernelId = parseUuid(info.kernelId());
      if (kernelId == null) {
        continue;
      }
      present.add(kernelId);
      Kernel kernel = em.find(Kernel.class, kernelId);
      boolean unknown =
          kernel == null
              || !agent.getId().equals(kernel.getAgentId())
              || !kernel.getStatus().holdsResources();
      if (unknown) {
        LOG.infof(
            "Agent %s runs kernel %s that the manager does not hold live; destroying it",
            agent.getId(), kernelId);
        commands.send(
            agent.getId(),
            new AgentCommand.DestroyKernel(info.sessionId(), info.kernelId(), "orphaned"));
      }
    }
    // A kernel RUNNING for two heartbeats that the agent no longer lists has vanished.
    OffsetDateTime settled =
        now.minus(Duration.ofSeconds(2L * Math.max(1, agent.getHeartbeatIntervalSeconds())));
    List<Kernel> running =
        em.createQuery(
                "select k from Kernel k where k.agentId = :agent and k.status = :running"
                    + " and k.statusChangedAt < :settled",
                Kernel.class)
            .setParameter("agent", agent.getId())
            .setParameter("running", KernelStatus.RUNNING)
            .setParameter("settled", settled)
            .getResultList();
    for (Kernel kernel : running) {
      if (!present.contains(kernel.getId())) {
        String reason =
            "the container of kernel " + kernel.getId() + " vanished from agent " + agent.getId();
        kernel.transition(KernelStatus.ERROR, reason, now);
        Session session = kernel.getSession();
        if (!session.getStatus().isFinal()) {
          session.transition(SessionStatus.ERROR, reason, now);
        }
        LOG.warnf("Session %s: %s", session.getId(), reason);
      }
    }
  }

  private void kernelStarted(AgentEvent.KernelStarted event) {
    OffsetDateTime now = ManagerClock.now();
    Kernel kernel = lockKernel(event.kernelId(), event.agentId(), "kernel_started");
    if (kernel == null) {
      commands.send(
          event.agentId(),
          new AgentCommand.DestroyKernel(event.sessionId(), event.kernelId(), "orphaned"));
      return;
    }
    Session session = kernel.getSession();
    kernel.setContainerId(event.containerId());
    if (session.getStatus() == SessionStatus.SCHEDULED
        || session.getStatus() == SessionStatus.PREPARING) {
      kernel.transition(KernelStatus.RUNNING, null, now);
      session.transition(SessionStatus.RUNNING, "running on agent " + event.agentId(), now);
      LOG.infof(
          "Session %s is RUNNING: kernel %s in container %s on agent %s",
          session.getId(), kernel.getId(), event.containerId(), event.agentId());
    } else {
      // Destroyed or failed while the agent was starting it.
      LOG.infof(
          "Kernel %s started but session %s is %s; destroying it",
          kernel.getId(), session.getId(), session.getStatus());
      commands.send(
          event.agentId(),
          new AgentCommand.DestroyKernel(event.sessionId(), event.kernelId(), "session-ended"));
    }
  }

  private void kernelCreationFailed(AgentEvent.KernelCreationFailed event) {
    OffsetDateTime now = ManagerClock.now();
    Kernel kernel = lockKernel(event.kernelId(), event.agentId(), "kernel_creation_failed");
    if (kernel == null) {
      return;
    }
    String reason = "kernel creation failed on agent " + event.agentId() + ": " + event.reason();
    kernel.transition(KernelStatus.ERROR, reason, now);
    Session session = kernel.getSession();
    if (session.getStatus() == SessionStatus.TERMINATING) {
      session.transition(SessionStatus.TERMINATED, reason, now);
    } else if (!session.getStatus().isFinal()) {
      session.transition(SessionStatus.ERROR, reason, now);
    }
    scheduling.fire(new SchedulingRequested("kernel " + kernel.getId() + " failed to start"));
    LOG.warnf("Session %s is %s: %s", session.getId(), session.getStatus(), reason);
  }

  private void kernelTerminated(AgentEvent.KernelTerminated event) {
    OffsetDateTime now = ManagerClock.now();
    Kernel kernel = lockKernel(event.kernelId(), event.agentId(), "kernel_terminated");
    if (kernel == null) {
      return;
    }
    Session session = kernel.getSession();
    String reason =
        event.reason() + (event.exitCode() == null ? "" : " (exit code " + event.exitCode() + ")");
    if (kernel.getStatus() != KernelStatus.ERROR) {
      kernel.transition(KernelStatus.TERMINATED, reason, now);
    }
    if (session.getStatus() == SessionStatus.TERMINATING) {
      // The status info of TERMINATING gives the reason the session ended, so it is kept.
      String why = session.getStatusInfo();
      session.transition(
          SessionStatus.TERMINATED, why == null ? reason : why + " (" + reason + ")", now);
    } else if (!session.getStatus().isFinal()) {
      session.transition(SessionStatus.TERMINATED, "self-terminated: " + reason, now);
    }
    scheduling.fire(new SchedulingRequested("kernel " + kernel.getId() + " terminated"));
    LOG.infof(
        "Kernel %s of session %s terminated on agent %s: %s; session is %s",
        kernel.getId(), session.getId(), event.agentId(), reason, session.getStatus());
  }

  private Kernel lockKernel(String kernelIdText, String agentId, String eventType) {
    UUID kernelId = parseUuid(kernelIdText);
    Kernel kernel = kernelId == null ? null : em.find(Kernel.class, kernelId);
    if (kernel == null) {
      LOG.warnf("Agent %s sent %s for unknown kernel %s", agentId, eventType, kernelIdText);
      return null;
    }
    em.lock(kernel.getSession(), LockModeType.PESSIMISTIC_WRITE);
    em.refresh(kernel);
    if (!agentId.equals(kernel.getAgentId())) {
      LOG.warnf(
          "Agent %s sent %s for kernel %s, which belongs to agent %s; ignored",
          agentId, eventType, kernelIdText, kernel.getAgentId());
      return null;
    }
    return kernel;
  }

  private static UUID parseUuid(String text) {
    try {
      return text == null ? null : UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
