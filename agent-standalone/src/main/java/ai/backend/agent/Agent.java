package ai.backend.agent;

import ai.backend.agent.config.AgentConfig;
import ai.backend.agent.config.SandboxConfig;
import ai.backend.agent.docker.ContainerSummary;
import ai.backend.agent.docker.DockerEngine;
import ai.backend.agent.docker.DockerEngineException;
import ai.backend.agent.docker.ImageSummary;
import ai.backend.agent.docker.KernelFirewall;
import ai.backend.agent.docker.KernelLabels;
import ai.backend.agent.files.ScratchDirs;
import ai.backend.agent.kernel.Kernel;
import ai.backend.agent.messaging.BrokerClient;
import ai.backend.agent.messaging.CommandListener;
import ai.backend.agent.messaging.ReplyAddress;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import ai.backend.common.resource.ResourceSlots;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZContext;

/**
 * One agent: it connects to Docker and the broker, re-adopts the kernels of its previous run,
 * handles the manager's commands and sends a heartbeat every interval.
 */
public final class Agent implements CommandListener, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Agent.class);

  /** Threads for kernel creation and removal; each creation may wait for its runner. */
  private static final int LIFECYCLE_THREADS = 8;

  /** Execute, file and log calls that may wait at the same time. */
  private static final int MAX_EXECUTE_THREADS = 64;

  private final AgentConfig config;
  private final String hostname;
  private final String version;
  private final DockerEngine docker;
  private final ZContext zmq = new ZContext();
  private final BrokerClient broker;
  private final KernelLifecycle lifecycle;
  private final KernelRequests requests;
  private final ExecutorService lifecyclePool;
  private final KeyedSerialExecutor lanes;
  private final ThreadPoolExecutor executePool;
  private final ScheduledExecutorService heartbeats;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private int heartbeatFailures;
  private final ScratchDirs scratch;

  public Agent(AgentConfig config, String hostname, String version) {
    this.config = config;
    this.hostname = hostname;
    this.version = version;
    this.docker = new DockerEngine(config.dockerHost());
    this.broker =
        new BrokerClient(
            config.brokerUrl(),
            config.brokerUser(),
            config.brokerPassword(),
            config.agentId(),
            this,
            this::heartbeatSoon);
    this.scratch = scratchDirs(config);
    this.lifecycle = new KernelLifecycle(config, docker, zmq, broker::sendEvent, scratch);
    this.requests = new KernelRequests(config, docker, lifecycle);
    this.lifecyclePool = Executors.newFixedThreadPool(LIFECYCLE_THREADS, named("kernel-lifecycle"));
    this.lanes = new KeyedSerialExecutor(lifecyclePool);
    this.executePool =
        new ThreadPoolExecutor(
            0,
            MAX_EXECUTE_THREADS,
            60,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            named("kernel-execute"));
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(named("heartbeat"));
  }

  /**
   * Checks the Docker engine, prepares the kernel network, re-adopts leftover kernels and starts
   * consuming commands and sending heartbeats.
   *
   * @throws DockerEngineException if the engine is unreachable or the network is unusable
   */
  public void start() {
    log.info("Agent {} starting with {}", config.agentId(), config);
    String engineVersion = docker.version();
    log.info(
        "Agent {} uses Docker engine {} at {}",
        config.agentId(),
        engineVersion,
        config.dockerHost());
    Map<String, String> networkLabels = Map.of(KernelLabels.OWNER, KernelLabels.OWNER_VALUE);
    String internalBridge = docker.ensureKernelNetwork(config.kernelNetwork(), networkLabels);
    String outboundBridge =
        docker.ensureOutboundNetwork(config.sandbox().outboundNetwork(), networkLabels);
    try {
      new KernelFirewall(config.sandbox().firewall(), null)
          .protect(List.of(internalBridge, outboundBridge));
    } catch (IOException e) {
      throw new DockerEngineException(e.getMessage());
    }
    if (config.sandbox().jail() != SandboxConfig.JailMode.ENFORCE) {
      log.warn(
          "Agent {} runs user code with the jail in mode {} (--jail): {}",
          config.agentId(),
          config.sandbox().jail().value(),
          config.sandbox().jail() == SandboxConfig.JailMode.WATCH
              ? "calls the policy denies are only logged"
              : "no syscall policy, and kernels can use their network");
    }
    List<ContainerSummary> leftovers =
        docker.listContainers(KernelLabels.AGENT_ID, config.agentId());
    if (scratch != null) {
      java.util.Set<String> live = new java.util.HashSet<>();
      for (ContainerSummary container : leftovers) {
        String kernelId = container.labels().get(KernelLabels.KERNEL_ID);
        if (kernelId != null) {
          live.add(kernelId);
        }
      }
      for (String kernelId : scratch.removeAllBut(live)) {
        log.info(
            "Agent {} removed the scratch directory of kernel {}, which has no container",
            config.agentId(),
            kernelId);
      }
    }
    for (ContainerSummary container : leftovers) {
      String kernelId = container.labels().get(KernelLabels.KERNEL_ID);
      if (kernelId == null) {
        continue;
      }
      log.info(
          "Agent {} found container {} of kernel {} from its previous run ({})",
          config.agentId(),
          KernelLifecycle.shortId(container.id()),
          kernelId,
          container.state());
      lanes.submit(kernelId, () -> lifecycle.adopt(container));
    }
    broker.start();
    long interval = config.heartbeatInterval().toMillis();
    heartbeats.scheduleWithFixedDelay(this::heartbeat, interval, interval, TimeUnit.MILLISECONDS);
    log.info("Agent {} started", config.agentId());
  }

  /**
   * Returns the agent's scratch directories, or {@code null} when the agent cannot mount them, in
   * which case each container gets a tmpfs of its own at {@code /home/work}.
   */
  private static ScratchDirs scratchDirs(AgentConfig config) {
    if (config.krunnerPath() == null) {
      return null;
    }
    ScratchDirs dirs =
        new ScratchDirs(
            config.sandbox().scratchRoot().resolve(config.agentId()),
            config.sandbox().scratchBytes(),
            1000,
            1000);
    try {
      dirs.prepare();
      return dirs;
    } catch (IOException | RuntimeException e) {
      log.warn(
          "Agent {} gives each kernel a tmpfs of its own at /home/work, which a restart of the"
              + " kernel empties, because it cannot keep scratch directories: {}",
          config.agentId(),
          e.getMessage());
      return null;
    }
  }

  /** Tells whether any kernel runs on this agent or is being created. */
  boolean hasKernels() {
    return !lifecycle.kernels().isEmpty()
        || lifecycle.occupied().get(ResourceSlots.CPU).signum() > 0;
  }

  /** Blocks until {@link #close()} finished. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void onCommand(AgentCommand command, ReplyAddress replyAddress) {
    String kernelId = command.kernelId();
    if (kernelId == null || !KernelLifecycle.KERNEL_ID.matcher(kernelId).matches()) {
      log.warn(
          "Agent {} rejected a {} command with invalid kernel id '{}'",
          config.agentId(),
          command.getClass().getSimpleName(),
          kernelId);
      if (isRequest(command)) {
        broker.reply(
            replyAddress,
            new AgentReply.CommandFailed(
                "invalid-command", "invalid kernel id '" + kernelId + "'"));
      }
      return;
    }
    if (command instanceof AgentCommand.CreateKernel create) {
      lanes.submit(kernelId, () -> lifecycle.create(create));
    } else if (command instanceof AgentCommand.DestroyKernel destroy) {
      lanes.submit(kernelId, () -> lifecycle.destroy(destroy));
    } else if (command instanceof AgentCommand.RestartKernel restart) {
      // On the kernel's lane, so that heartbeat reaping and destroy wait for the restart.
      lanes.submit(kernelId, () -> broker.reply(replyAddress, runRequest(restart)));
    } else {
      submitRequest(command, replyAddress);
    }
  }

  /** Tells whether a command expects a reply, which all but creation and removal do. */
  private static boolean isRequest(AgentCommand command) {
    return !(command instanceof AgentCommand.CreateKernel)
        && !(command instanceof AgentCommand.DestroyKernel);
  }

  private void submitRequest(AgentCommand command, ReplyAddress replyAddress) {
    try {
      executePool.execute(() -> broker.reply(replyAddress, runRequest(command)));
    } catch (RejectedExecutionException e) {
      log.warn(
          "Agent {} rejected {} for kernel {} (session {}): {} calls already wait",
          config.agentId(),
          commandName(command),
          command.kernelId(),
          sessionIdOf(command),
          MAX_EXECUTE_THREADS);
      broker.reply(
          replyAddress,
          new AgentReply.CommandFailed(
              "agent-busy",
              "agent "
                  + config.agentId()
                  + " has "
                  + MAX_EXECUTE_THREADS
                  + " calls in progress; retry later"));
    }
  }

  private AgentReply runRequest(AgentCommand command) {
    try {
      AgentReply reply =
          command instanceof AgentCommand.RestartKernel restart
              ? lifecycle.restart(restart)
              : requests.handle(command);
      if (reply instanceof AgentReply.CommandFailed failed) {
        log.info(
            "Agent {} {} for kernel {} (session {}) failed: {} {}",
            config.agentId(),
            commandName(command),
            command.kernelId(),
            sessionIdOf(command),
            failed.code(),
            failed.message());
      }
      return reply;
    } catch (RuntimeException e) {
      log.error(
          "Agent {} {} for kernel {} (session {}) failed unexpectedly",
          config.agentId(),
          commandName(command),
          command.kernelId(),
          sessionIdOf(command),
          e);
      return new AgentReply.CommandFailed("agent-error", "internal agent error: " + e);
    }
  }

  /** Returns a command's name for logs, with the run id of an execute command. */
  private static String commandName(AgentCommand command) {
    if (command instanceof AgentCommand.Execute execute) {
      return "execute (mode " + execute.mode() + ", run " + execute.runId() + ")";
    }
    return command.getClass().getSimpleName();
  }

  private static String sessionIdOf(AgentCommand command) {
    if (command instanceof AgentCommand.Execute execute) {
      return execute.sessionId();
    } else if (command instanceof AgentCommand.Interrupt interrupt) {
      return interrupt.sessionId();
    } else if (command instanceof AgentCommand.RestartKernel restart) {
      return restart.sessionId();
    } else if (command instanceof AgentCommand.UploadFiles upload) {
      return upload.sessionId();
    } else if (command instanceof AgentCommand.DownloadFiles download) {
      return download.sessionId();
    } else if (command instanceof AgentCommand.ListFiles listing) {
      return listing.sessionId();
    } else if (command instanceof AgentCommand.GetLogs logs) {
      return logs.sessionId();
    }
    return null;
  }

  private void heartbeatSoon() {
    try {
      heartbeats.execute(this::heartbeat);
    } catch (RejectedExecutionException e) {
      log.debug("Agent {} is stopping; no heartbeat after reconnect", config.agentId());
    }
  }

  /** Reaps kernels whose containers stopped, then sends the heartbeat. */
  private void heartbeat() {
    try {
      List<ContainerSummary> containers =
          docker.listContainers(KernelLabels.AGENT_ID, config.agentId());
      reapStoppedKernels(containers);
      List<AgentEvent.KernelInfo> kernelInfos = new ArrayList<>();
      for (ContainerSummary container : containers) {
        kernelInfos.add(
            new AgentEvent.KernelInfo(
                container.labels().get(KernelLabels.SESSION_ID),
                container.labels().get(KernelLabels.KERNEL_ID),
                container.id(),
                container.state()));
      }
      List<AgentEvent.ImageInfo> images = new ArrayList<>();
      for (ImageSummary image : docker.listImagesWithLabel(KernelLabels.KERNELSPEC)) {
        images.add(
            new AgentEvent.ImageInfo(image.name(), image.id(), image.sizeBytes(), image.labels()));
      }
      AgentEvent.Heartbeat heartbeat =
          new AgentEvent.Heartbeat(
              config.agentId(),
              hostname,
              version,
              config.scalingGroup(),
              lifecycle.capacity().toStringMap(),
              lifecycle.occupied().toStringMap(),
              kernelInfos,
              images,
              (int) config.heartbeatInterval().toSeconds());
      broker.sendHeartbeat(heartbeat, config.heartbeatInterval().multipliedBy(3));
      if (heartbeatFailures > 0) {
        log.info(
            "Agent {} sends heartbeats again after {} failed attempts",
            config.agentId(),
            heartbeatFailures);
        heartbeatFailures = 0;
      }
    } catch (DockerEngineException e) {
      heartbeatFailures++;
      if (heartbeatFailures == 1 || heartbeatFailures % 60 == 0) {
        log.warn(
            "Agent {} skipped a heartbeat ({} in a row) because Docker failed: {}",
            config.agentId(),
            heartbeatFailures,
            e.getMessage());
      }
    } catch (RuntimeException e) {
      log.error("Agent {} failed to send a heartbeat", config.agentId(), e);
    }
  }

  private void reapStoppedKernels(List<ContainerSummary> containers) {
    Set<String> runningIds = new HashSet<>();
    for (ContainerSummary container : containers) {
      if (container.running()) {
        runningIds.add(container.id());
      }
    }
    for (Kernel kernel : lifecycle.kernels()) {
      if (!runningIds.contains(kernel.containerId())) {
        lanes.submit(kernel.kernelId(), () -> lifecycle.reapIfExited(kernel.kernelId()));
      }
    }
  }

  /**
   * Lets kernel creations in progress finish, stops consuming, closes runner connections and leaves
   * kernel containers running for the next start to re-adopt. Commands that arrive meanwhile are
   * dropped with a warning.
   */
  @Override
  public void close() {
    log.info("Agent {} stopping", config.agentId());
    heartbeats.shutdownNow();
    lifecyclePool.shutdown();
    executePool.shutdown();
    try {
      // Creations in progress finish first, so that their events still reach the broker.
      long graceSeconds = config.kernelStartTimeout().toSeconds() + 5;
      if (!lifecyclePool.awaitTermination(graceSeconds, TimeUnit.SECONDS)) {
        log.warn("Agent {} stopped with kernel creations still in progress", config.agentId());
        lifecyclePool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    broker.close();
    lifecycle.closeConnections();
    executePool.shutdownNow();
    zmq.close();
    docker.close();
    if (scratch != null) {
      scratch.removeRootIfEmpty();
    }
    log.info("Agent {} stopped", config.agentId());
    stopped.countDown();
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
