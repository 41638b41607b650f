package ai.backend.agent;

import ai.backend.agent.config.AgentConfig;
import ai.backend.agent.docker.ContainerSpec;
import ai.backend.agent.docker.ContainerState;
import ai.backend.agent.docker.ContainerSummary;
import ai.backend.agent.docker.DockerEngine;
import ai.backend.agent.docker.DockerEngineException;
import ai.backend.agent.docker.DockerEngineException.ContainerNotFoundException;
import ai.backend.agent.docker.DockerEngineException.ImageNotFoundException;
import ai.backend.agent.docker.KernelLabels;
import ai.backend.agent.files.ScratchDirs;
import ai.backend.agent.kernel.Kernel;
import ai.backend.agent.kernel.KernelConnection;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import ai.backend.common.resource.ResourceSlots;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZContext;

/**
 * Creates, adopts, reaps and destroys kernel containers and keeps the table of running kernels.
 * Every method that changes one kernel must run on that kernel's lane of the {@link
 * KeyedSerialExecutor}, so that the steps for one kernel never overlap.
 */
final class KernelLifecycle {

  private static final Logger log = LoggerFactory.getLogger(KernelLifecycle.class);

  /** Kernel ids become container names, so they follow Docker's name rule. */
  static final Pattern KERNEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  static final String CONTAINER_NAME_PREFIX = "bai-kernel-";
  static final String CONTAINER_USER = "1000:1000";
  static final String BUNDLE_MOUNT_POINT = "/opt/kernel";
  static final String ENTRYPOINT = BUNDLE_MOUNT_POINT + "/bin/entrypoint.sh";

  /** PID 1 of kernel containers when the bundle has it, in place of Docker's init. */
  static final String BUNDLE_INIT = "jail/bai-init";

  static final long PIDS_LIMIT = 1024;

  /** Prefix of the container variables that carry the user's environment to the runner. */
  static final String USER_ENV_PREFIX = "BACKENDAI_USER_ENV_";

  private static final int LOG_TAIL_LINES = 20;
  private static final Duration READY_POLL = Duration.ofSeconds(1);

  /** How long a restart lets the runner stop before the engine kills the container's processes. */
  private static final Duration RESTART_STOP_TIMEOUT = Duration.ofSeconds(5);

  private final AgentConfig config;
  private final DockerEngine docker;
  private final ZContext zmq;
  private final Consumer<AgentEvent> events;
  private final ScratchDirs scratch;
  private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();

  /** Slots held by running kernels and by creations in progress, keyed by kernel id. */
  private final Map<String, ResourceSlots> allocations = new LinkedHashMap<>();

  KernelLifecycle(
      AgentConfig config,
      DockerEngine docker,
      ZContext zmq,
      Consumer<AgentEvent> events,
      ScratchDirs scratch) {
    this.config = config;
    this.scratch = scratch;
    this.docker = docker;
    this.zmq = zmq;
    this.events = events;
  }

  /** Returns the slots that the agent offers. */
  ResourceSlots capacity() {
    return config.capacity();
  }

  /** Returns the sum of the slots of running kernels and of creations in progress. */
  synchronized ResourceSlots occupied() {
    ResourceSlots sum =
        ResourceSlots.of(
            Map.of(ResourceSlots.CPU, BigDecimal.ZERO, ResourceSlots.MEM, BigDecimal.ZERO));
    for (ResourceSlots slots : allocations.values()) {
      sum = sum.add(slots);
    }
    return sum;
  }

  /** Returns the kernels that run now. */
  Collection<Kernel> kernels() {
    return List.copyOf(kernels.values());
  }

  /** Returns the running kernel with this id, or {@code null}. */
  Kernel kernel(String kernelId) {
    return kernelId == null ? null : kernels.get(kernelId);
  }

  /** Returns the networks of kernel containers: the internal one and the outbound one. */
  private String[] networks() {
    return new String[] {config.kernelNetwork(), config.sandbox().outboundNetwork()};
  }

  static String containerName(String kernelId) {
    return CONTAINER_NAME_PREFIX + kernelId;
  }

  /** Creates and starts a kernel, then sends {@code kernel_started} or the failure. */
  void create(AgentCommand.CreateKernel command) {
    String kernelId = command.kernelId();
    String sessionId = command.sessionId();
    Kernel existing = kernels.get(kernelId);
    if (existing != null) {
      log.info(
          "Agent {} kernel {} (session {}) already runs; repeating kernel_started",
          config.agentId(),
          kernelId,
          sessionId);
      events.accept(
          new AgentEvent.KernelStarted(
              config.agentId(), sessionId, kernelId, existing.containerId()));
      return;
    }
    log.info(
        "Agent {} creating kernel {} (session {}) from image {}",
        config.agentId(),
        kernelId,
        sessionId,
        command.image());
    String containerId = null;
    KernelConnection connection = null;
    boolean allocated = false;
    try {
      ResourceSlots slots = requestedSlots(command);
      allocate(kernelId, slots);
      allocated = true;
      Map<String, String> imageLabels = docker.imageLabels(command.image());
      ContainerSpec spec = containerSpec(command, slots, imageLabels, createScratch(kernelId));
      containerId = docker.createContainer(spec);
      docker.startContainer(containerId);
      ContainerState state = docker.inspectContainer(containerId, networks());
      if (!state.running()) {
        throw exitedEarly(containerId, kernelId, state);
      }
      if (state.ipAddress() == null) {
        throw new CreationFailure(
            "container "
                + containerName(kernelId)
                + " has no address on network "
                + String.join(" or ", networks()));
      }
      connection = connect(sessionId, kernelId, state.ipAddress());
      awaitRunner(connection, containerId, kernelId);
      kernels.put(
          kernelId,
          new Kernel(sessionId, kernelId, containerId, state.ipAddress(), slots, connection));
      log.info(
          "Agent {} started kernel {} (session {}) in container {} at {} on network {}, jail {}",
          config.agentId(),
          kernelId,
          sessionId,
          shortId(containerId),
          state.ipAddress(),
          spec.network(),
          config.sandbox().jail().value());
      events.accept(
          new AgentEvent.KernelStarted(config.agentId(), sessionId, kernelId, containerId));
    } catch (ImageNotFoundException e) {
      failCreation(
          command,
          "image "
              + command.image()
              + " not found on agent "
              + config.agentId()
              + "; build or load it on that host first",
          containerId,
          connection,
          allocated);
    } catch (CreationFailure | DockerEngineException e) {
      failCreation(command, e.getMessage(), containerId, connection, allocated);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failCreation(command, "the agent is shutting down", containerId, connection, allocated);
    } catch (RuntimeException e) {
      log.error(
          "Agent {} kernel {} (session {}) creation failed unexpectedly",
          config.agentId(),
          kernelId,
          sessionId,
          e);
      failCreation(command, "internal agent error: " + e, containerId, connection, allocated);
    }
  }

  /** A creation step that failed with a reason for the user. */
  private static final class CreationFailure extends Exception {
    CreationFailure(String reason) {
      super(reason);
    }
  }

  private ResourceSlots requestedSlots(AgentCommand.CreateKernel command) throws CreationFailure {
    Map<String, String> resources = command.resources() == null ? Map.of() : command.resources();
    ResourceSlots slots;
    try {
      slots = ResourceSlots.parse(resources);
    } catch (IllegalArgumentException e) {
      throw new CreationFailure(e.getMessage());
    }
    if (slots.get(ResourceSlots.CPU).signum() <= 0 || slots.get(ResourceSlots.MEM).signum() <= 0) {
      throw new CreationFailure(
          "create_kernel must give positive cpu and mem resources, got " + resources);
    }
    // Slots the agent does not offer stay in, so that the capacity check rejects them.
    return slots;
  }

  private synchronized void allocate(String kernelId, ResourceSlots slots) throws CreationFailure {
    ResourceSlots free = capacity().subtract(occupied());
    if (!slots.fitsIn(free)) {
      throw new CreationFailure(
          "agent "
              + config.agentId()
              + " has not enough free resources: requested "
              + slots
              + ", free "
              + free);
    }
    allocations.put(kernelId, slots);
  }

  private synchronized void release(String kernelId) {
    allocations.remove(kernelId);
  }

  private Path createScratch(String kernelId) throws CreationFailure {
    if (scratch == null) {
      return null;
    }
    try {
      return scratch.create(kernelId);
    } catch (IOException e) {
      throw new CreationFailure(
          "cannot make the scratch directory of kernel " + kernelId + ": " + e.getMessage());
    }
  }

  private void removeScratch(String kernelId, String sessionId) {
    if (scratch == null || kernelId == null || !KERNEL_ID.matcher(kernelId).matches()) {
      return;
    }
    try {
      scratch.remove(kernelId);
    } catch (IOException e) {
      log.error(
          "Agent {} failed to remove the scratch directory of kernel {} (session {}): {}",
          config.agentId(),
          kernelId,
          sessionId,
          e.getMessage());
    }
  }

  /** Returns the Docker network for the session's network choice. */
  private String networkFor(AgentCommand.CreateKernel command) throws CreationFailure {
    String network = command.network();
    if (network == null || network.equals(AgentCommand.CreateKernel.NETWORK_NONE)) {
      return config.kernelNetwork();
    }
    if (network.equals(AgentCommand.CreateKernel.NETWORK_ISOLATED)) {
      return config.sandbox().outboundNetwork();
    }
    throw new CreationFailure(
        "invalid network '"
            + network
            + "': expected "
            + AgentCommand.CreateKernel.NETWORK_NONE
            + " or "
            + AgentCommand.CreateKernel.NETWORK_ISOLATED);
  }

  private ContainerSpec containerSpec(
      AgentCommand.CreateKernel command,
      ResourceSlots slots,
      Map<String, String> imageLabels,
      Path scratchPath)
      throws CreationFailure {
    String network = networkFor(command);
    Map<String, String> env = new LinkedHashMap<>();
    if (command.environ() != null) {
      for (Map.Entry<String, String> entry : command.environ().entrySet()) {
        String name = entry.getKey();
        if (name == null || name.isEmpty() || name.contains("=") || name.startsWith("BACKENDAI_")) {
          throw new CreationFailure("invalid environment variable name '" + name + "'");
        }
        // Under a prefix, so that neither the runner's JVM nor the shells that docker exec starts
        // outside the jail load LD_PRELOAD or JAVA_TOOL_OPTIONS of the user: the runner gives
        // them to user code only, under their own names.
        env.put(USER_ENV_PREFIX + name, entry.getValue() == null ? "" : entry.getValue());
      }
    }
    for (Map.Entry<String, BigDecimal> slot : slots.asMap().entrySet()) {
      if (!slot.getKey().equals(ResourceSlots.CPU) && !slot.getKey().equals(ResourceSlots.MEM)) {
        String name = slot.getKey().toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        env.put("BACKENDAI_SLOT_" + name, slot.getValue().toPlainString());
      }
    }
    env.put("BACKENDAI_SESSION_ID", command.sessionId());
    env.put("BACKENDAI_KERNEL_ID", command.kernelId());
    env.put("BACKENDAI_RUNTIME_TYPE", imageLabels.getOrDefault(KernelLabels.RUNTIME_TYPE, ""));
    env.put("BACKENDAI_RUNTIME_PATH", imageLabels.getOrDefault(KernelLabels.RUNTIME_PATH, ""));
    env.put("BACKENDAI_JAIL", config.sandbox().jail().value());
    env.put(
        "BACKENDAI_NETWORK",
        network.equals(config.kernelNetwork())
            ? AgentCommand.CreateKernel.NETWORK_NONE
            : AgentCommand.CreateKernel.NETWORK_ISOLATED);
    List<String> envList = new ArrayList<>();
    env.forEach((name, value) -> envList.add(name + "=" + value));

    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(KernelLabels.KERNEL_ID, command.kernelId());
    labels.put(KernelLabels.SESSION_ID, command.sessionId());
    labels.put(KernelLabels.AGENT_ID, config.agentId());
    labels.put(KernelLabels.OWNER, KernelLabels.OWNER_VALUE);

    // Docker's init runs as the kernel's user and is dumpable, so user code that won a race
    // against the jail's path rules could write its memory. bai-init is not dumpable.
    boolean ownInit = java.nio.file.Files.isExecutable(config.krunnerPath().resolve(BUNDLE_INIT));
    long memBytes = slots.get(ResourceSlots.MEM).longValue();
    long nanoCpus =
        slots
            .get(ResourceSlots.CPU)
            .movePointRight(9)
            .setScale(0, RoundingMode.CEILING)
            .longValue();
    return new ContainerSpec(
        containerName(command.kernelId()),
        command.image(),
        CONTAINER_USER,
        envList,
        labels,
        memBytes,
        nanoCpus,
        PIDS_LIMIT,
        config.krunnerPath(),
        BUNDLE_MOUNT_POINT,
        ownInit ? List.of(BUNDLE_MOUNT_POINT + "/" + BUNDLE_INIT, ENTRYPOINT) : List.of(ENTRYPOINT),
        network,
        scratchPath,
        tmpfsMounts(),
        config.sandbox().shmBytes(),
        !ownInit);
  }

  /** /tmp and /var/tmp: world-writable with the sticky bit, like on a host, and size-limited. */
  private Map<String, String> tmpfsMounts() {
    String options = "size=" + config.sandbox().tmpBytes() + ",mode=1777,nosuid,nodev";
    Map<String, String> mounts = new LinkedHashMap<>();
    mounts.put("/tmp", options);
    mounts.put("/var/tmp", options);
    if (scratch == null) {
      // Without a scratch directory on the host, /home/work is a tmpfs of the container, which a
      // restart of the container empties.
      mounts.put(
          ContainerSpec.SCRATCH_MOUNT_POINT,
          "size=" + config.sandbox().scratchBytes() + ",uid=1000,gid=1000,mode=0755,nosuid,nodev");
    }
    return mounts;
  }

  private KernelConnection connect(String sessionId, String kernelId, String ip) {
    KernelConnection connection =
        new KernelConnection(
            zmq,
            config.agentId(),
            sessionId,
            kernelId,
            ip,
            KernelConnection.RUNNER_INPUT_PORT,
            KernelConnection.RUNNER_OUTPUT_PORT,
            config.outputLimitBytes(),
            config.execTimeout());
    connection.start();
    return connection;
  }

  /**
   * Waits for the runner's ready record up to the kernel start timeout, checking every second that
   * the container still runs.
   */
  private void awaitRunner(KernelConnection connection, String containerId, String kernelId)
      throws CreationFailure, InterruptedException {
    Duration timeout = config.kernelStartTimeout();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new CreationFailure(
            "the kernel runner in container "
                + containerName(kernelId)
                + " did not report ready within "
                + timeout.toSeconds()
                + " seconds");
      }
      Duration slice = Duration.ofNanos(Math.min(remaining, READY_POLL.toNanos()));
      if (connection.awaitReady(slice)) {
        return;
      }
      ContainerState state = docker.inspectContainer(containerId, networks());
      if (!state.running()) {
        throw exitedEarly(containerId, kernelId, state);
      }
    }
  }

  /** Describes a container that stopped before its runner was ready, with its last output. */
  private CreationFailure exitedEarly(String containerId, String kernelId, ContainerState state) {
    String output = docker.logTail(containerId, LOG_TAIL_LINES);
    return new CreationFailure(
        "container "
            + containerName(kernelId)
            + " exited with code "
            + state.exitCode()
            + " before its runner was ready"
            + (output.isEmpty() ? "" : "; its last output: " + output));
  }

  private void failCreation(
      AgentCommand.CreateKernel command,
      String reason,
      String containerId,
      KernelConnection connection,
      boolean allocated) {
    log.warn(
        "Agent {} failed to create kernel {} (session {}): {}",
        config.agentId(),
        command.kernelId(),
        command.sessionId(),
        reason);
    if (connection != null) {
      connection.close();
    }
    if (containerId != null) {
      removeQuietly(containerId, command.kernelId(), command.sessionId());
    }
    removeScratch(command.kernelId(), command.sessionId());
    if (allocated) {
      release(command.kernelId());
    }
    events.accept(
        new AgentEvent.KernelCreationFailed(
            config.agentId(), command.sessionId(), command.kernelId(), reason));
  }

  /** Stops a kernel on the manager's request and sends {@code kernel_terminated}. */
  void destroy(AgentCommand.DestroyKernel command) {
    String kernelId = command.kernelId();
    Kernel kernel = kernels.remove(kernelId);
    String sessionId = kernel != null ? kernel.sessionId() : command.sessionId();
    log.info(
        "Agent {} destroying kernel {} (session {}): {}",
        config.agentId(),
        kernelId,
        sessionId,
        command.reason());
    if (kernel != null) {
      kernel.connection().close();
    }
    try {
      if (kernel != null) {
        docker.removeContainer(kernel.containerId());
      } else {
        removeUnregisteredContainer(kernelId, sessionId);
      }
    } catch (DockerEngineException e) {
      log.error(
          "Agent {} failed to remove the container of kernel {} (session {}): {}",
          config.agentId(),
          kernelId,
          sessionId,
          e.getMessage());
      return;
    } finally {
      release(kernelId);
    }
    removeScratch(kernelId, sessionId);
    String reason =
        command.reason() == null || command.reason().isBlank() ? "destroyed" : command.reason();
    events.accept(
        new AgentEvent.KernelTerminated(config.agentId(), sessionId, kernelId, reason, null));
    log.info("Agent {} destroyed kernel {} (session {})", config.agentId(), kernelId, sessionId);
  }

  /** Removes the container named after the kernel only if it carries this agent's label. */
  private void removeUnregisteredContainer(String kernelId, String sessionId) {
    if (kernelId == null || !KERNEL_ID.matcher(kernelId).matches()) {
      return;
    }
    try {
      ContainerState state = docker.inspectContainer(containerName(kernelId), networks());
      if (config.agentId().equals(state.labels().get(KernelLabels.AGENT_ID))) {
        docker.removeContainer(state.id());
        log.info(
            "Agent {} removed container {} of unregistered kernel {} (session {})",
            config.agentId(),
            shortId(state.id()),
            kernelId,
            sessionId);
      }
    } catch (ContainerNotFoundException e) {
      log.debug("Agent {} kernel {} has no container to remove", config.agentId(), kernelId);
    }
  }

  /**
   * Removes the kernel if its container stopped or vanished, and sends {@code kernel_terminated}
   * with the exit code.
   */
  void reapIfExited(String kernelId) {
    Kernel kernel = kernels.get(kernelId);
    if (kernel == null) {
      return;
    }
    Integer exitCode = null;
    String reason;
    try {
      ContainerState state = docker.inspectContainer(kernel.containerId(), networks());
      if (state.running()) {
        return;
      }
      exitCode = state.exitCode();
      reason = "the kernel container exited with code " + exitCode;
    } catch (ContainerNotFoundException e) {
      reason = "the kernel container was removed outside the agent";
    }

    kernels.remove(kernelId);
    kernel.connection().markDead(reason);
    kernel.connection().close();
    removeQuietly(kernel.containerId(), kernelId, kernel.sessionId());
    removeScratch(kernelId, kernel.sessionId());
    release(kernelId);

    log.warn(
        "Agent {} kernel {} (session {}) terminated: {}",
        config.agentId(),
        kernelId,
        kernel.sessionId(),
        reason);
    events.accept(
        new AgentEvent.KernelTerminated(
            config.agentId(), kernel.sessionId(), kernelId, reason, exitCode));
  }

  /**
   * Takes over a container that a previous run of this agent left: a running one is reconnected if
   * its runner reports ready, anything else is removed and reported terminated.
   */
  void adopt(ContainerSummary container) {
    String kernelId = container.labels().get(KernelLabels.KERNEL_ID);
    String sessionId = container.labels().get(KernelLabels.SESSION_ID);
    KernelConnection connection = null;
    String reason;
    Integer exitCode = null;
    try {
      ContainerState state = docker.inspectContainer(container.id(), networks());
      if (state.running() && state.ipAddress() != null) {
        connection = connect(sessionId, kernelId, state.ipAddress());
        if (connection.awaitReady(config.kernelStartTimeout())) {
          ResourceSlots slots = slotsOf(state);
          synchronized (this) {
            allocations.put(kernelId, slots);
          }
          kernels.put(
              kernelId,
              new Kernel(sessionId, kernelId, state.id(), state.ipAddress(), slots, connection));
          log.info(
              "Agent {} re-adopted kernel {} (session {}) in container {}",
              config.agentId(),
              kernelId,
              sessionId,
              shortId(state.id()));
          return;
        }
        reason = "the kernel runner did not report ready after the agent restarted";
      } else if (state.running()) {
        reason =
            "the kernel container has no address on network " + String.join(" or ", networks());
      } else {
        exitCode = state.exitCode();
        reason = "the kernel container exited with code " + exitCode + " while the agent was down";
      }
    } catch (ContainerNotFoundException e) {
      reason = "the kernel container was removed while the agent was down";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (connection != null) {
        connection.close();
      }
      return;
    }
    if (connection != null) {
      connection.close();
    }
    removeQuietly(container.id(), kernelId, sessionId);
    removeScratch(kernelId, sessionId);
    log.warn(
        "Agent {} kernel {} (session {}) terminated: {}",
        config.agentId(),
        kernelId,
        sessionId,
        reason);
    events.accept(
        new AgentEvent.KernelTerminated(config.agentId(), sessionId, kernelId, reason, exitCode));
  }

  private static ResourceSlots slotsOf(ContainerState state) {
    return ResourceSlots.of(
        Map.of(
            ResourceSlots.CPU,
                BigDecimal.valueOf(state.nanoCpus()).movePointLeft(9).stripTrailingZeros(),
            ResourceSlots.MEM, BigDecimal.valueOf(state.memBytes())));
  }

  /**
   * Restarts a kernel's container, so that the runner and the language driver start with fresh
   * state while the files in the container stay, and waits for the runner to report ready. A call
   * waiting on the old connection fails with {@code kernel-terminated}.
   */
  AgentReply restart(AgentCommand.RestartKernel command) {
    String kernelId = command.kernelId();
    Kernel kernel = kernels.get(kernelId);
    if (kernel == null) {
      return new AgentReply.CommandFailed(
          "kernel-not-found",
          "kernel " + kernelId + " is not running on agent " + config.agentId());
    }
    log.info(
        "Agent {} restarting kernel {} (session {})",
        config.agentId(),
        kernelId,
        kernel.sessionId());
    kernel.connection().markDead("the kernel was restarted");
    kernel.connection().close();
    try {
      docker.restartContainer(kernel.containerId(), RESTART_STOP_TIMEOUT);
      ContainerState state = docker.inspectContainer(kernel.containerId(), networks());
      if (!state.running()) {
        throw exitedEarly(kernel.containerId(), kernelId, state);
      }
      if (state.ipAddress() == null) {
        throw new CreationFailure(
            "container "
                + containerName(kernelId)
                + " has no address on network "
                + String.join(" or ", networks())
                + " after the restart");
      }
      KernelConnection connection = connect(kernel.sessionId(), kernelId, state.ipAddress());
      // Registered before the wait, so that a runner that becomes ready late still takes calls.
      kernels.put(
          kernelId,
          new Kernel(
              kernel.sessionId(),
              kernelId,
              kernel.containerId(),
              state.ipAddress(),
              kernel.slots(),
              connection));
      awaitRunner(connection, kernel.containerId(), kernelId);
    } catch (CreationFailure | DockerEngineException e) {
      log.warn(
          "Agent {} failed to restart kernel {} (session {}): {}",
          config.agentId(),
          kernelId,
          kernel.sessionId(),
          e.getMessage());
      return new AgentReply.CommandFailed(
          "restart-failed", "kernel " + kernelId + " could not be restarted: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new AgentReply.CommandFailed("agent-stopping", "the agent is shutting down");
    }
    log.info(
        "Agent {} restarted kernel {} (session {})",
        config.agentId(),
        kernelId,
        kernel.sessionId());
    return new AgentReply.Done("kernel " + kernelId + " restarted");
  }

  /** Runs one execute command on a kernel and returns the reply. */
  AgentReply execute(AgentCommand.Execute command) {
    Kernel kernel = command.kernelId() == null ? null : kernels.get(command.kernelId());
    if (kernel == null) {
      return new AgentReply.CommandFailed(
          "kernel-not-found",
          "kernel " + command.kernelId() + " is not running on agent " + config.agentId());
    }
    return kernel.connection().execute(command);
  }

  /** Closes every runner connection and leaves the containers running for the next start. */
  void closeConnections() {
    for (Kernel kernel : kernels.values()) {
      kernel.connection().close();
    }
  }

  private void removeQuietly(String containerId, String kernelId, String sessionId) {
    try {
      docker.removeContainer(containerId);
    } catch (DockerEngineException e) {
      log.error(
          "Agent {} failed to remove container {} of kernel {} (session {}): {}",
          config.agentId(),
          shortId(containerId),
          kernelId,
          sessionId,
          e.getMessage());
    }
  }

  static String shortId(String containerId) {
    return containerId != null && containerId.length() > 12
        ? containerId.substring(0, 12)
        : containerId;
  }
}
