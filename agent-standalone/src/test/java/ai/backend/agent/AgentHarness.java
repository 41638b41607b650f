package ai.backend.agent;

import ai.backend.agent.config.AgentConfig;
import ai.backend.agent.config.SandboxConfig;
import ai.backend.agent.files.ScratchDirs;
import ai.backend.agent.messaging.TestBroker;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import ai.backend.common.protocol.Destinations;
import ai.backend.common.protocol.Messages;
import jakarta.jms.JMSException;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs one agent against an embedded broker and the local Docker engine, and plays the manager: it
 * sends commands, collects events and runs the {@code docker} CLI for checks.
 */
final class AgentHarness implements AutoCloseable {

  static final String IMAGE = "backendai/python:3.11-debian12";
  static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();
  static final Path BUNDLE = REPOSITORY.resolve("kernel-images/target/krunner");

  /** Network of the tests' kernels, apart from the default one that a real agent uses. */
  static final String NETWORK = "bai-agent-test-kernels";

  /** The scratch root of test agents, emptied by {@link #close()}. */
  static final Path SCRATCH_ROOT =
      Path.of(System.getProperty("java.io.tmpdir"), "bai-agent-test-scratch");

  private static final Duration REPLY_WAIT = Duration.ofSeconds(60);
  private static final Duration RUN_TO_END_WAIT = Duration.ofSeconds(60);

  final String agentId;
  final TestBroker broker;
  private final Session eventSession;
  private final List<AgentEvent> events = new ArrayList<>();
  private Agent agent;

  AgentHarness(String agentId) throws Exception {
    this.agentId = agentId;
    this.broker = TestBroker.start();
    this.eventSession = broker.session();
    MessageConsumer consumer =
        eventSession.createConsumer(eventSession.createQueue(Destinations.MANAGER_EVENTS_QUEUE));
    consumer.setMessageListener(
        message -> {
          try {
            AgentEvent event =
                Messages.fromJson(((TextMessage) message).getText(), AgentEvent.class);
            synchronized (events) {
              events.add(event);
            }
          } catch (JMSException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /**
   * Returns what the Docker tests lack: a reachable engine with the kernel image, or the runner
   * bundle. Returns {@code null} when nothing is missing.
   */
  static String missingPrerequisite() {
    if (!Files.isRegularFile(BUNDLE.resolve("bin/entrypoint.sh"))) {
      return "runner bundle missing at " + BUNDLE + "; build kernel-images first";
    }
    try {
      CommandResult result = docker("image", "inspect", "--format", "{{.Id}}", IMAGE);
      if (result.exitCode() != 0) {
        return "image " + IMAGE + " missing or Docker unreachable: " + result.output();
      }
    } catch (IOException | InterruptedException e) {
      return "docker CLI failed: " + e;
    }
    return null;
  }

  static AgentConfig config(String agentId, Path bundle, Duration startTimeout) {
    return new AgentConfig(
        "tcp://127.0.0.1:1",
        "agent",
        null,
        agentId,
        "default",
        new BigDecimal(2),
        4L << 30,
        bundle,
        NETWORK,
        Duration.ofSeconds(1),
        startTimeout,
        1 << 20,
        Duration.ZERO,
        64L << 20,
        64L << 20,
        "unix:///var/run/docker.sock",
        "INFO");
  }

  /** Returns {@code base} with another broker URL and sandbox. */
  static AgentConfig withBrokerAndSandbox(
      AgentConfig base, String brokerUrl, SandboxConfig sandbox) {
    return new AgentConfig(
        brokerUrl,
        base.brokerUser(),
        base.brokerPassword(),
        base.agentId(),
        base.scalingGroup(),
        base.cpu(),
        base.memBytes(),
        base.krunnerPath(),
        base.kernelNetwork(),
        base.heartbeatInterval(),
        base.kernelStartTimeout(),
        base.outputLimitBytes(),
        base.execTimeout(),
        base.maxUploadBytes(),
        base.maxDownloadBytes(),
        base.dockerHost(),
        base.logLevel(),
        base.extraSlots(),
        sandbox);
  }

  /** Starts an agent with the given settings, pointed at this harness's broker. */
  void startAgent(AgentConfig base) {
    AgentConfig config =
        withBrokerAndSandbox(base, broker.url(), base.sandbox().withScratchRoot(SCRATCH_ROOT));
    agent = new Agent(config, "test-host", "test");
    agent.start();
  }

  void startAgent() {
    startAgent(config(agentId, BUNDLE, Duration.ofSeconds(60)));
  }

  /** Starts an agent with its own upload and download limits. */
  void startAgent(long maxUploadBytes, long maxDownloadBytes) {
    AgentConfig base = config(agentId, BUNDLE, Duration.ofSeconds(60));
    startAgent(
        new AgentConfig(
            base.brokerUrl(),
            base.brokerUser(),
            base.brokerPassword(),
            base.agentId(),
            base.scalingGroup(),
            base.cpu(),
            base.memBytes(),
            base.krunnerPath(),
            base.kernelNetwork(),
            base.heartbeatInterval(),
            base.kernelStartTimeout(),
            base.outputLimitBytes(),
            base.execTimeout(),
            maxUploadBytes,
            maxDownloadBytes,
            base.dockerHost(),
            base.logLevel()));
  }

  /** Stops the agent and leaves its containers, as a crash or restart would. */
  void stopAgent() {
    if (agent != null) {
      agent.close();
      agent = null;
    }
  }

  static String newKernelId() {
    return "k-" + UUID.randomUUID().toString().substring(0, 12);
  }

  static AgentCommand.CreateKernel createCommand(String kernelId, String image) {
    return new AgentCommand.CreateKernel(
        "s-" + kernelId,
        kernelId,
        image,
        java.util.Map.of("cpu", "1", "mem", "512m"),
        java.util.Map.of("GREETING", "hello"),
        "AKTEST");
  }

  /** Sends a command to the agent's queue without waiting for anything. */
  void send(AgentCommand command) throws JMSException {
    try (Session session = broker.session()) {
      MessageProducer producer =
          session.createProducer(session.createQueue(Destinations.agentQueue(agentId)));
      producer.send(session.createTextMessage(Messages.toJson(command)));
    }
  }

  /** Sends an execute command and waits for its reply. */
  AgentReply execute(AgentCommand.Execute command) throws JMSException {
    return request(command, "corr-" + command.runId());
  }

  /** Sends a request-reply command and waits for its reply. */
  AgentReply request(AgentCommand command) throws JMSException {
    return request(command, "corr-" + UUID.randomUUID());
  }

  private AgentReply request(AgentCommand command, String correlationId) throws JMSException {
    try (Session session = broker.session()) {
      TemporaryQueue replies = session.createTemporaryQueue();
      MessageProducer producer =
          session.createProducer(session.createQueue(Destinations.agentQueue(agentId)));
      TextMessage request = session.createTextMessage(Messages.toJson(command));
      request.setJMSReplyTo(replies);
      request.setJMSCorrelationID(correlationId);
      producer.send(request);
      TextMessage reply =
          (TextMessage) session.createConsumer(replies).receive(REPLY_WAIT.toMillis());
      if (reply == null) {
        throw new AssertionError(
            "no reply to "
                + command.getClass().getSimpleName()
                + " within "
                + REPLY_WAIT.toSeconds()
                + " s");
      }
      if (!request.getJMSCorrelationID().equals(reply.getJMSCorrelationID())) {
        throw new AssertionError("reply has correlation id " + reply.getJMSCorrelationID());
      }
      return Messages.fromJson(reply.getText(), AgentReply.class);
    }
  }

  static AgentCommand.Execute query(String kernelId, String runId, String code) {
    return new AgentCommand.Execute(
        "s-" + kernelId, kernelId, runId, "query", code, java.util.Map.of(), 20_000);
  }

  /**
   * Runs code and sends {@code continue} until the run leaves status {@code continued}, and returns
   * the last result with the console items of all calls. Fails after {@link #RUN_TO_END_WAIT}.
   */
  AgentReply.ExecuteResult runToEnd(AgentCommand.Execute first) throws JMSException {
    long deadline = System.nanoTime() + RUN_TO_END_WAIT.toNanos();
    AgentReply reply = execute(first);
    List<List<Object>> console = new ArrayList<>();
    while (true) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "run "
                + first.runId()
                + " still continued after "
                + RUN_TO_END_WAIT.toSeconds()
                + " s; output so far: "
                + console);
      }
      if (!(reply instanceof AgentReply.ExecuteResult result)) {
        throw new AssertionError("execute failed: " + reply);
      }
      console.addAll(result.console());
      if (!result.status().equals("continued")) {
        return new AgentReply.ExecuteResult(
            result.runId(),
            result.status(),
            console,
            result.exitCode(),
            result.options(),
            result.files());
      }
      reply =
          execute(
              new AgentCommand.Execute(
                  first.sessionId(),
                  first.kernelId(),
                  first.runId(),
                  "continue",
                  "",
                  java.util.Map.of(),
                  first.flushTimeoutMillis()));
    }
  }

  /** Runs a shell command in a kernel's container as its user, past the agent, for checks. */
  static CommandResult inKernel(String kernelId, String shellCommand)
      throws IOException, InterruptedException {
    return docker("exec", "bai-kernel-" + kernelId, "sh", "-c", shellCommand);
  }

  /** Waits for the first event of {@code type} that matches, failing after {@code limit}. */
  <T extends AgentEvent> T awaitEvent(Class<T> type, Predicate<T> match, Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() - deadline < 0) {
      synchronized (events) {
        for (AgentEvent event : events) {
          if (type.isInstance(event) && match.test(type.cast(event))) {
            return type.cast(event);
          }
        }
      }
      Thread.sleep(100);
    }
    synchronized (events) {
      throw new AssertionError(
          "no matching "
              + type.getSimpleName()
              + " within "
              + limit.toSeconds()
              + " s; got "
              + events.stream().filter(e -> !(e instanceof AgentEvent.Heartbeat)).toList());
    }
  }

  /** Waits for the event about {@code kernelId} of {@code type}. */
  <T extends AgentEvent> T awaitKernelEvent(Class<T> type, String kernelId, Duration limit)
      throws InterruptedException {
    return awaitEvent(type, event -> kernelId.equals(kernelIdOf(event)), limit);
  }

  private static String kernelIdOf(AgentEvent event) {
    if (event instanceof AgentEvent.KernelStarted started) {
      return started.kernelId();
    }
    if (event instanceof AgentEvent.KernelCreationFailed failed) {
      return failed.kernelId();
    }
    if (event instanceof AgentEvent.KernelTerminated terminated) {
      return terminated.kernelId();
    }
    return null;
  }

  /** The exit code and combined output of one {@code docker} CLI call. */
  record CommandResult(int exitCode, String output) {}

  static CommandResult docker(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("docker");
    command.addAll(Arrays.asList(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("docker " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new CommandResult(
        process.exitValue(), new String(output, StandardCharsets.UTF_8).strip());
  }

  /** Returns the ids of all containers, running or not, labelled with this harness's agent id. */
  List<String> containers() throws IOException, InterruptedException {
    CommandResult result =
        docker("ps", "-a", "-q", "--filter", "label=ai.backend.agent-id=" + agentId);
    if (result.exitCode() != 0) {
      throw new IOException("docker ps failed: " + result.output());
    }
    return result.output().isEmpty() ? List.of() : List.of(result.output().split("\\s+"));
  }

  /** Force-removes every container of this harness's agent id. */
  /** Unmounts and removes the scratch directories this harness's agent left. */
  void removeScratch() {
    new ScratchDirs(SCRATCH_ROOT.resolve(agentId), 1 << 20, 1000, 1000)
        .removeAllBut(java.util.Set.of());
  }

  /**
   * Removes this agent's containers and, if the agent runs, waits up to 30 s until it has reaped
   * their kernels, so that the next test finds their slots free.
   */
  void removeContainers() throws IOException, InterruptedException {
    for (String id : containers()) {
      docker("rm", "-f", id);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (agent != null && agent.hasKernels() && System.nanoTime() - deadline < 0) {
      Thread.sleep(100);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      stopAgent();
      removeContainers();
      removeScratch();
      eventSession.close();
    } finally {
      broker.close();
    }
  }
}
