package ai.backend.agent.simulation;

import ai.backend.agent.config.AgentConfig;
import ai.backend.agent.files.FileCommandException;
import ai.backend.agent.files.WorkPaths;
import ai.backend.agent.messaging.CommandListener;
import ai.backend.agent.messaging.ReplyAddress;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import ai.backend.common.resource.ResourceSlots;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated agent. It accounts for slots like a real agent and reports its kernels in
 * heartbeats, but it starts no container and runs no code. A kernel reports started after the start
 * delay, with the container id {@code sim-<uuid>}, and execute calls return status {@code finished}
 * with {@value #NOT_RUN_OUTPUT} on stdout and exit code {@value #NOT_RUN_EXIT_CODE}.
 *
 * <p>Kernel events are sent while holding the agent's lock, so that the events of one kernel reach
 * the broker in the order of its steps.
 */
public final class SimulatedAgent implements CommandListener {

  private static final Logger log = LoggerFactory.getLogger(SimulatedAgent.class);

  /** Suffix of the agent's version in heartbeats, which marks the agent in the manager's list. */
  public static final String VERSION_SUFFIX = "-simulated";

  /** Prefix of the fake container ids of simulated kernels. */
  public static final String CONTAINER_ID_PREFIX = "sim-";

  /** Standard output of every execute call of mode query or batch, in place of running code. */
  public static final String NOT_RUN_OUTPUT = "simulated agent: code not run\n";

  /** Exit code of those calls. It is not 0, so that no caller takes the run for a success. */
  public static final int NOT_RUN_EXIT_CODE = 1;

  private static final int LOG_EVERY_FAILED_HEARTBEAT = 60;

  private final String agentId;
  private final String hostname;
  private final String version;
  private final String scalingGroup;
  private final ResourceSlots capacity;
  private final Duration heartbeatInterval;
  private final Duration startDelay;
  private final List<AgentEvent.ImageInfo> images;
  private final ScheduledExecutorService timer;
  private final Outbox outbox;

  /** Kernels by id, in creation order, guarded by {@code this}. */
  private final Map<String, SimulatedKernel> kernels = new LinkedHashMap<>();

  private final AtomicInteger heartbeatFailures = new AtomicInteger();

  private boolean stopped;

  /**
   * A kernel that starts after the delay ({@code start} set) or has started ({@code containerId}).
   */
  private static final class SimulatedKernel {
    final String sessionId;
    final String kernelId;
    final ResourceSlots slots;
    ScheduledFuture<?> start;
    String containerId;

    SimulatedKernel(String sessionId, String kernelId, ResourceSlots slots) {
      this.sessionId = sessionId;
      this.kernelId = kernelId;
      this.slots = slots;
    }

    boolean started() {
      return containerId != null;
    }
  }

  /**
   * Creates a simulated agent that offers the slots of {@code config}.
   *
   * @param agentId this agent's id, which differs from the configured one by a number suffix
   * @param version the agent software's version, to which {@value #VERSION_SUFFIX} is added
   * @param startDelay the time from {@code create_kernel} to {@code kernel_started}
   * @param timer runs the delayed starts
   */
  SimulatedAgent(
      String agentId,
      AgentConfig config,
      String hostname,
      String version,
      Duration startDelay,
      List<AgentEvent.ImageInfo> images,
      ScheduledExecutorService timer,
      Outbox outbox) {
    this.agentId = agentId;
    this.hostname = hostname;
    this.version = version + VERSION_SUFFIX;
    this.scalingGroup = config.scalingGroup();
    this.capacity = config.capacity();
    this.heartbeatInterval = config.heartbeatInterval();
    this.startDelay = startDelay;
    this.images = List.copyOf(images);
    this.timer = timer;
    this.outbox = outbox;
  }

  String agentId() {
    return agentId;
  }

  /** Returns the sum of the slots of started kernels and of kernels waiting to start. */
  synchronized ResourceSlots occupied() {
    ResourceSlots sum =
        ResourceSlots.of(
            Map.of(ResourceSlots.CPU, BigDecimal.ZERO, ResourceSlots.MEM, BigDecimal.ZERO));
    for (SimulatedKernel kernel : kernels.values()) {
      sum = sum.add(kernel.slots);
    }
    return sum;
  }

  @Override
  public void onCommand(AgentCommand command, ReplyAddress replyAddress) {
    String kernelId = command.kernelId();
    if (kernelId == null || kernelId.isBlank()) {
      log.warn(
          "Simulated agent {} rejected a {} command without a kernel id",
          agentId,
          command.getClass().getSimpleName());
      if (isRequest(command)) {
        outbox.reply(
            replyAddress,
            new AgentReply.CommandFailed("invalid-command", "the kernel id is empty"));
      }
      return;
    }
    if (command instanceof AgentCommand.CreateKernel create) {
      create(create);
    } else if (command instanceof AgentCommand.DestroyKernel destroy) {
      destroy(destroy);
    } else {
      outbox.reply(replyAddress, handleRequest(command));
    }
  }

  private static boolean isRequest(AgentCommand command) {
    return !(command instanceof AgentCommand.CreateKernel)
        && !(command instanceof AgentCommand.DestroyKernel);
  }

  /**
   * Takes the kernel's slots and schedules its start, or sends {@code kernel_creation_failed} when
   * the slots are invalid or do not fit.
   */
  private synchronized void create(AgentCommand.CreateKernel command) {
    String kernelId = command.kernelId();
    SimulatedKernel existing = kernels.get(kernelId);
    if (existing != null) {
      if (existing.started()) {
        log.info(
            "Simulated agent {} kernel {} (session {}) already runs, repeating kernel_started",
            agentId,
            kernelId,
            existing.sessionId);
        outbox.sendEvent(
            new AgentEvent.KernelStarted(
                agentId, existing.sessionId, kernelId, existing.containerId));
      } else {
        log.info(
            "Simulated agent {} kernel {} (session {}) is already starting, so the repeated"
                + " create_kernel is ignored",
            agentId,
            kernelId,
            existing.sessionId);
      }
      return;
    }

    if (stopped) {
      failCreation(command, "simulated agent " + agentId + " is stopping");
      return;
    }
    ResourceSlots slots;
    try {
      slots = requestedSlots(command);
    } catch (IllegalArgumentException e) {
      failCreation(command, e.getMessage());
      return;
    }
    ResourceSlots free = capacity.subtract(occupied());
    if (!slots.fitsIn(free)) {
      failCreation(
          command,
          "agent "
              + agentId
              + " has not enough free resources: requested "
              + slots
              + ", free "
              + free);
      return;
    }

    SimulatedKernel kernel = new SimulatedKernel(command.sessionId(), kernelId, slots);
    try {
      kernel.start =
          timer.schedule(() -> start(kernel), startDelay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      failCreation(command, "simulated agent " + agentId + " is stopping");
      return;
    }
    kernels.put(kernelId, kernel);
    log.info(
        "Simulated agent {} creating kernel {} (session {}) from image {} with {}; no container is"
            + " started",
        agentId,
        kernelId,
        command.sessionId(),
        command.image(),
        slots);
  }

  /** Returns the kernel's cpu and mem slots, which must both be positive as on a real agent. */
  private static ResourceSlots requestedSlots(AgentCommand.CreateKernel command) {
    Map<String, String> resources = command.resources() == null ? Map.of() : command.resources();
    ResourceSlots slots = ResourceSlots.parse(resources);
    if (slots.get(ResourceSlots.CPU).signum() <= 0 || slots.get(ResourceSlots.MEM).signum() <= 0) {
      throw new IllegalArgumentException(
          "create_kernel must give positive cpu and mem resources, got " + resources);
    }
    return ResourceSlots.of(
        Map.of(
            ResourceSlots.CPU, slots.get(ResourceSlots.CPU),
            ResourceSlots.MEM, slots.get(ResourceSlots.MEM)));
  }

  private void failCreation(AgentCommand.CreateKernel command, String reason) {
    log.warn(
        "Simulated agent {} failed to create kernel {} (session {}): {}",
        agentId,
        command.kernelId(),
        command.sessionId(),
        reason);
    outbox.sendEvent(
        new AgentEvent.KernelCreationFailed(
            agentId, command.sessionId(), command.kernelId(), reason));
  }

  /** Marks a kernel started after its delay, unless it was destroyed meanwhile. */
  private synchronized void start(SimulatedKernel kernel) {
    if (kernels.get(kernel.kernelId) != kernel || kernel.started()) {
      return;
    }
    kernel.start = null;
    kernel.containerId = CONTAINER_ID_PREFIX + UUID.randomUUID();
    log.info(
        "Simulated agent {} started kernel {} (session {}) as {}",
        agentId,
        kernel.kernelId,
        kernel.sessionId,
        kernel.containerId);
    outbox.sendEvent(
        new AgentEvent.KernelStarted(
            agentId, kernel.sessionId, kernel.kernelId, kernel.containerId));
  }

  /**
   * Frees the kernel's slots, cancels its start if it has not started, and sends {@code
   * kernel_terminated}, also for a kernel this agent does not know, as a real agent does.
   */
  private synchronized void destroy(AgentCommand.DestroyKernel command) {
    String kernelId = command.kernelId();
    SimulatedKernel kernel = kernels.remove(kernelId);
    if (kernel != null && kernel.start != null) {
      kernel.start.cancel(false);
    }
    String sessionId = kernel != null ? kernel.sessionId : command.sessionId();
    String reason =
        command.reason() == null || command.reason().isBlank() ? "destroyed" : command.reason();
    log.info(
        "Simulated agent {} destroyed kernel {} (session {}): {}",
        agentId,
        kernelId,
        sessionId,
        reason);
    outbox.sendEvent(new AgentEvent.KernelTerminated(agentId, sessionId, kernelId, reason, null));
  }

  /** Returns the reply to a request, which needs a started kernel. */
  AgentReply handleRequest(AgentCommand command) {
    String kernelId = command.kernelId();
    synchronized (this) {
      SimulatedKernel kernel = kernels.get(kernelId);
      if (kernel == null || !kernel.started()) {
        return new AgentReply.CommandFailed(
            "kernel-not-found",
            "kernel " + kernelId + " is not running on simulated agent " + agentId);
      }
    }
    try {
      if (command instanceof AgentCommand.Execute execute) {
        return execute(execute);
      } else if (command instanceof AgentCommand.Interrupt) {
        return new AgentReply.Done(
            "simulated agent " + agentId + ": nothing runs in kernel " + kernelId);
      } else if (command instanceof AgentCommand.RestartKernel) {
        return new AgentReply.Done(
            "simulated agent "
                + agentId
                + ": kernel "
                + kernelId
                + " has no interpreter to restart");
      } else if (command instanceof AgentCommand.UploadFiles upload) {
        return upload(upload);
      } else if (command instanceof AgentCommand.DownloadFiles download) {
        return download(download);
      } else if (command instanceof AgentCommand.ListFiles listing) {
        return list(listing);
      } else if (command instanceof AgentCommand.GetLogs) {
        return new AgentReply.Logs(
            "simulated agent "
                + agentId
                + ": kernel "
                + kernelId
                + " has no container and no log\n");
      }
    } catch (FileCommandException e) {
      return e.toReply();
    }
    return new AgentReply.CommandFailed(
        "invalid-command",
        "simulated agent "
            + agentId
            + " cannot carry out a "
            + command.getClass().getSimpleName()
            + " request");
  }

  /**
   * Returns the result of an execute call without running anything. A query or batch run ends at
   * once, so {@code continue} and {@code input} never find a run.
   */
  private AgentReply execute(AgentCommand.Execute command) {
    String mode = command.mode() == null ? "query" : command.mode();
    return switch (mode) {
      case "query", "batch" ->
          new AgentReply.ExecuteResult(
              command.runId(),
              "finished",
              List.of(List.of("stdout", NOT_RUN_OUTPUT)),
              NOT_RUN_EXIT_CODE,
              Map.of(),
              List.of());
      case "complete" ->
          new AgentReply.ExecuteResult(
              command.runId(),
              "finished",
              List.of(),
              0,
              Map.of("completions", List.of()),
              List.of());
      case "continue", "input" ->
          new AgentReply.CommandFailed(
              "run-not-found",
              "simulated agent "
                  + agentId
                  + " runs no code, so kernel "
                  + command.kernelId()
                  + " has no run to continue");
      default ->
          new AgentReply.CommandFailed(
              "unsupported-mode",
              "execute mode '"
                  + mode
                  + "' is not supported; use query, continue, input, batch or complete");
    };
  }

  private AgentReply upload(AgentCommand.UploadFiles upload) throws FileCommandException {
    WorkPaths.checkCount(upload.files(), "upload");
    for (AgentCommand.FileData file : upload.files()) {
      WorkPaths.check(file.path());
    }
    throw new FileCommandException(
        FileCommandException.FILE_OPERATION_FAILED,
        "agent " + agentId + " is simulated and stores no files; nothing was uploaded");
  }

  private AgentReply download(AgentCommand.DownloadFiles download) throws FileCommandException {
    WorkPaths.checkCount(download.paths(), "download");
    for (String path : download.paths()) {
      WorkPaths.check(path);
    }
    throw new FileCommandException(
        FileCommandException.FILE_NOT_FOUND,
        "agent " + agentId + " is simulated and has no files, so none can be downloaded");
  }

  /**
   * Lists {@code /home/work} as empty, because a simulated kernel has no files, and reports any
   * other folder as not found.
   */
  private AgentReply list(AgentCommand.ListFiles listing) throws FileCommandException {
    String path = listing.path() == null ? "." : listing.path();
    WorkPaths.checkFolder(path);
    if (!path.equals(".")) {
      throw new FileCommandException(
          FileCommandException.FILE_NOT_FOUND,
          "agent " + agentId + " is simulated and has no folder " + WorkPaths.absolute(path));
    }
    return new AgentReply.FileList(WorkPaths.WORK_DIR, List.of());
  }

  /** Sends a heartbeat with the agent's slots, started kernels and images. */
  void sendHeartbeat() {
    try {
      AgentEvent.Heartbeat heartbeat = heartbeat();
      if (heartbeat == null) {
        return;
      }
      outbox.sendHeartbeat(heartbeat, heartbeatInterval.multipliedBy(3));
      heartbeatFailures.set(0);
    } catch (RuntimeException e) {
      // Caught so that the timer keeps scheduling heartbeats.
      int failures = heartbeatFailures.incrementAndGet();
      if (failures == 1 || failures % LOG_EVERY_FAILED_HEARTBEAT == 0) {
        log.error(
            "Simulated agent {} failed to send a heartbeat ({} in a row)", agentId, failures, e);
      }
    }
  }

  /** Returns the heartbeat to send now, or {@code null} once the agent has stopped. */
  synchronized AgentEvent.Heartbeat heartbeat() {
    if (stopped) {
      return null;
    }
    List<AgentEvent.KernelInfo> kernelInfos = new ArrayList<>();
    for (SimulatedKernel kernel : kernels.values()) {
      if (kernel.started()) {
        kernelInfos.add(
            new AgentEvent.KernelInfo(
                kernel.sessionId, kernel.kernelId, kernel.containerId, "running"));
      }
    }
    return new AgentEvent.Heartbeat(
        agentId,
        hostname,
        version,
        scalingGroup,
        capacity.toStringMap(),
        occupied().toStringMap(),
        kernelInfos,
        images,
        (int) heartbeatInterval.toSeconds());
  }

  /**
   * Stops the agent. Its kernels end with it, so each is reported with {@code kernel_terminated},
   * and later creations fail. A JVM that is killed sends nothing, and the manager finds the kernels
   * gone from the next heartbeats of the restarted agent.
   */
  synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    for (SimulatedKernel kernel : kernels.values()) {
      if (kernel.start != null) {
        kernel.start.cancel(false);
      }
      outbox.sendEvent(
          new AgentEvent.KernelTerminated(
              agentId, kernel.sessionId, kernel.kernelId, "the simulated agent stopped", null));
    }
    if (!kernels.isEmpty()) {
      log.info(
          "Simulated agent {} stopped and reported its {} kernels terminated",
          agentId,
          kernels.size());
    }
    kernels.clear();
  }
}
