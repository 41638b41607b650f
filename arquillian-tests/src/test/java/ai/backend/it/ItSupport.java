package ai.backend.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** A real agent process for integration tests, and the waiting and Docker helpers they share. */
final class ItSupport {

  static final String ENDPOINT = "http://127.0.0.1:" + System.getProperty("it.http.port", "8180");

  private final String agentId;
  private final String scalingGroup;
  private final String cpu;
  private final String mem;
  private final List<String> extraArguments;
  private Process agent;
  private Path agentLog;
  private String accessKey;
  private String secretKey;

  private static final ItSupport SHARED =
      new ItSupport("it-agent-" + ProcessHandle.current().pid());

  ItSupport(String agentId) {
    // Declared capacity, not a reservation: room for the sessions of all test classes.
    this(agentId, null, "8", "8g");
  }

  /**
   * An agent of a scaling group with a declared capacity.
   *
   * @param scalingGroup the agent's scaling group, or null for {@code default}
   */
  ItSupport(String agentId, String scalingGroup, String cpu, String mem) {
    this(agentId, scalingGroup, cpu, mem, List.of());
  }

  /**
   * An agent of a scaling group with a declared capacity and more options.
   *
   * @param extraArguments options appended to the agent's command line, such as {@code --jail
   *     watch}
   */
  ItSupport(
      String agentId, String scalingGroup, String cpu, String mem, List<String> extraArguments) {
    this.agentId = agentId;
    this.scalingGroup = scalingGroup;
    this.cpu = cpu;
    this.mem = mem;
    this.extraArguments = List.copyOf(extraArguments);
  }

  /**
   * Returns the agent that every test class of this JVM shares. The manager's registry outlives
   * each class's deployment, so an agent stopped by one class would still look ALIVE to the next
   * until its heartbeat timeout and could be handed that class's sessions.
   */
  static ItSupport shared() {
    return SHARED;
  }

  String agentId() {
    return agentId;
  }

  String accessKey() {
    return accessKey;
  }

  String secretKey() {
    return secretKey;
  }

  static Path stateDir() {
    return Path.of(System.getProperty("it.state.dir"));
  }

  /** Reads the admin keypair and starts the agent, once. */
  synchronized void start() throws Exception {
    if (agent != null) {
      return;
    }
    Properties keypair = new Properties();
    Path keypairFile = stateDir().resolve("admin-keypair.properties");
    waitFor("the admin keypair file", Duration.ofSeconds(30), () -> Files.exists(keypairFile));
    try (InputStream in = Files.newInputStream(keypairFile)) {
      keypair.load(in);
    }
    accessKey = keypair.getProperty("access_key");
    secretKey = keypair.getProperty("secret_key");

    Properties broker = new Properties();
    try (InputStream in = Files.newInputStream(stateDir().resolve("agent-broker.properties"))) {
      broker.load(in);
    }
    agentLog = stateDir().resolve(agentId + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-jar",
            System.getProperty("it.agent.jar"),
            "--broker-url",
            "tcp://127.0.0.1:" + System.getProperty("it.broker.port") + "?enable1xPrefixes=true",
            "--broker-user",
            broker.getProperty("user"),
            "--agent-id",
            agentId,
            "--cpu",
            cpu,
            "--mem",
            mem,
            "--heartbeat-interval",
            "2",
            "--krunner-path",
            System.getProperty("it.krunner")));
    if (scalingGroup != null) {
      command.addAll(List.of("--scaling-group", scalingGroup));
    }
    command.addAll(extraArguments);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("BACKEND_AGENT_BROKER_PASSWORD", broker.getProperty("password"));
    builder
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(agentLog.toFile()));
    agent = builder.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    stopAndCollectLeftovers();
                  } catch (Exception e) {
                    System.err.println("cannot stop the test agent " + agentId + ": " + e);
                  }
                }));
  }

  /** Kills the agent process as a crash would, leaving its containers running. */
  synchronized void kill() throws InterruptedException {
    if (agent != null) {
      agent.destroyForcibly();
      agent.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Returns whether the agent process was started and still runs. */
  synchronized boolean isAlive() {
    return agent != null && agent.isAlive();
  }

  /** Starts the agent again after {@link #kill}, with the same id and settings. */
  synchronized void restart() throws Exception {
    agent = null;
    start();
  }

  /** Waits until no container of this agent is left, and returns what is still there then. */
  List<String> awaitNoContainers() throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<String> left = containersWithLabel("ai.backend.agent-id=" + agentId);
    while (!left.isEmpty() && System.nanoTime() < end) {
      Thread.sleep(250);
      left = containersWithLabel("ai.backend.agent-id=" + agentId);
    }
    return left;
  }

  /** Stops the agent and returns the containers it left behind, after removing them. */
  List<String> stopAndCollectLeftovers() throws Exception {
    if (agent != null) {
      agent.destroy();
      if (!agent.waitFor(30, TimeUnit.SECONDS)) {
        agent.destroyForcibly();
      }
    }
    List<String> left = containersWithLabel("ai.backend.agent-id=" + agentId);
    for (String id : left) {
      run("docker", "rm", "-f", id);
    }
    return left;
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  /** Polls a condition until it holds, failing with the agent's log if the agent exits. */
  void waitFor(String what, Duration deadline, Condition condition) throws Exception {
    long end = System.nanoTime() + deadline.toNanos();
    while (System.nanoTime() < end) {
      if (condition.holds()) {
        return;
      }
      if (agent != null && !agent.isAlive()) {
        fail("the agent exited with " + agent.exitValue() + "; its log:\n" + readLog());
      }
      Thread.sleep(250);
    }
    fail("timed out after " + deadline.toSeconds() + " s waiting for " + what);
  }

  String readLog() throws IOException {
    return agentLog == null || !Files.exists(agentLog)
        ? "(none)"
        : Files.readString(agentLog, StandardCharsets.UTF_8);
  }

  Path agentLog() {
    return agentLog;
  }

  static List<String> containersWithLabel(String label) throws IOException, InterruptedException {
    String out = run("docker", "ps", "-aq", "--filter", "label=" + label);
    return out.isBlank() ? List.of() : List.of(out.trim().split("\\s+"));
  }

  static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
