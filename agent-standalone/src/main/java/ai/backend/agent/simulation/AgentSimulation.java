package ai.backend.agent.simulation;

import ai.backend.agent.config.AgentConfig;
import ai.backend.agent.config.SimulationConfig;
import ai.backend.agent.messaging.BrokerClient;
import ai.backend.agent.messaging.ReplyAddress;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code --simulate-agents} simulated agents in this JVM, with the ids {@code <agent-id>-0001}
 * and up. Each has its own {@link BrokerClient}, so its own broker connection, as a real agent has.
 * One timer sends the heartbeats of all, spread over the heartbeat interval, and reports the
 * delayed kernel starts.
 */
public final class AgentSimulation implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AgentSimulation.class);

  /** Timer threads. Heartbeats and kernel events block while the broker confirms them. */
  private static final int MAX_TIMER_THREADS = 8;

  private final AgentConfig config;
  private final SimulationConfig simulation;
  private final String hostname;
  private final String version;
  private final Supplier<List<AgentEvent.ImageInfo>> imageSource;
  private final ScheduledThreadPoolExecutor timer;
  private final List<SimulatedAgent> agents = new ArrayList<>();
  private final List<BrokerClient> brokers = new ArrayList<>();
  private final CountDownLatch stopped = new CountDownLatch(1);

  /** Guarded by {@code this}, like the lists of agents and brokers. */
  private boolean closed;

  /**
   * Creates the simulation. The agents report the kernel images of the Docker engine at the
   * configured {@code --docker-host}, or a built-in list when it is unreachable.
   */
  public AgentSimulation(
      AgentConfig config, SimulationConfig simulation, String hostname, String version) {
    this(config, simulation, hostname, version, () -> SimulatedImages.load(config.dockerHost()));
  }

  /** Creates the simulation with the images that {@code imageSource} returns at the start. */
  AgentSimulation(
      AgentConfig config,
      SimulationConfig simulation,
      String hostname,
      String version,
      Supplier<List<AgentEvent.ImageInfo>> imageSource) {
    this.config = config;
    this.simulation = simulation;
    this.hostname = hostname;
    this.version = version;
    this.imageSource = imageSource;
    this.timer =
        new ScheduledThreadPoolExecutor(
            Math.min(MAX_TIMER_THREADS, simulation.agents()), named("simulation-timer"));
    this.timer.setRemoveOnCancelPolicy(true);
    this.timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** Connects every simulated agent to the broker and starts their heartbeats. */
  public synchronized void start() {
    String firstId = SimulationConfig.agentId(config.agentId(), 1);
    String lastId = SimulationConfig.agentId(config.agentId(), simulation.agents());
    log.warn(
        "Simulating {} agents, {} to {}, in scaling group {} with {} each. They start no"
            + " containers and run no code, and their kernels report started after {} ms",
        simulation.agents(),
        firstId,
        lastId,
        config.scalingGroup(),
        "cpu=" + config.cpu().toPlainString() + " mem=" + config.memBytes(),
        simulation.startDelay().toMillis());
    log.info("Simulation settings: {}", config);
    List<AgentEvent.ImageInfo> images = imageSource.get();
    long intervalMillis = config.heartbeatInterval().toMillis();
    for (int index = 1; index <= simulation.agents(); index++) {
      String agentId = SimulationConfig.agentId(config.agentId(), index);
      BrokerOutbox outbox = new BrokerOutbox();
      SimulatedAgent agent =
          new SimulatedAgent(
              agentId, config, hostname, version, simulation.startDelay(), images, timer, outbox);
      BrokerClient broker =
          new BrokerClient(
              config.brokerUrl(),
              config.brokerUser(),
              config.brokerPassword(),
              agentId,
              agent,
              () -> heartbeatSoon(agent));
      outbox.broker = broker;
      agents.add(agent);
      brokers.add(broker);
      broker.start();
      // Spread over the interval, so that the manager does not get every heartbeat at once.
      long offset = intervalMillis * index / simulation.agents();
      timer.scheduleWithFixedDelay(
          agent::sendHeartbeat, offset, intervalMillis, TimeUnit.MILLISECONDS);
    }
    log.info("Started {} simulated agents", simulation.agents());
  }

  /** Returns the simulated agents, in id order. */
  synchronized List<SimulatedAgent> agents() {
    return List.copyOf(agents);
  }

  /** Waits until every simulated agent is connected to the broker. */
  boolean awaitConnected(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (BrokerClient broker : brokers) {
      long remaining = deadline - System.nanoTime();
      if (!broker.awaitConnected(Duration.ofNanos(Math.max(0, remaining)))) {
        return false;
      }
    }
    return true;
  }

  /** Blocks until {@link #close()} finished. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  private void heartbeatSoon(SimulatedAgent agent) {
    try {
      timer.execute(agent::sendHeartbeat);
    } catch (RejectedExecutionException e) {
      log.debug("Simulated agent {} is stopping; no heartbeat after reconnect", agent.agentId());
    }
  }

  /**
   * Stops every simulated agent, which reports its kernels terminated, then closes the broker
   * connections.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    log.info("Stopping {} simulated agents", agents.size());
    // Not shutdownNow: an interrupt would break a send to the broker that is in progress.
    timer.shutdown();
    try {
      if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("Simulation timer tasks still run after 5 s; stopping the agents anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SimulatedAgent agent : agents) {
      agent.stop();
    }
    for (BrokerClient broker : brokers) {
      broker.close();
    }
    log.info("Stopped {} simulated agents", agents.size());
    stopped.countDown();
  }

  /** Sends through a broker client that is set right after the client is created. */
  private static final class BrokerOutbox implements Outbox {
    private volatile BrokerClient broker;

    @Override
    public void sendEvent(AgentEvent event) {
      broker.sendEvent(event);
    }

    @Override
    public void sendHeartbeat(AgentEvent.Heartbeat heartbeat, Duration timeToLive) {
      broker.sendHeartbeat(heartbeat, timeToLive);
    }

    @Override
    public void reply(ReplyAddress address, AgentReply reply) {
      broker.reply(address, reply);
    }
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
