package ai.backend.client.bench;

import ai.backend.client.AdminClient;
import ai.backend.client.BackendApiException;
import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientConfig;
import ai.backend.client.KeyPairFile;
import ai.backend.client.SessionInfo;
import ai.backend.client.SessionSpec;
import ai.backend.client.admin.Agent;
import ai.backend.client.admin.CreatedKeyPair;
import ai.backend.client.admin.KeyPairSpec;
import ai.backend.client.admin.ResourcePolicySpec;
import ai.backend.client.admin.ScalingGroupSpec;
import ai.backend.client.admin.SchedulerMetrics;
import ai.backend.client.admin.UserSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures how fast the manager's scheduler places a backlog of PENDING sessions on simulated
 * agents ({@code bai-agent --simulate}), over the REST API of a running manager. It prints figures
 * and asserts nothing. {@code scripts/benchmark-scheduler.sh} runs its steps in order:
 *
 * <ol>
 *   <li>{@code prepare SCHEDULER SELECTION MAX_SESSIONS KEYPAIR_FILE}: creates the resource policy,
 *       user and keypair {@value #NAME}, whose policy allows {@code MAX_SESSIONS} live sessions,
 *       and makes the scaling group {@value #SCALING_GROUP} inactive, with the scheduler and agent
 *       selection given;
 *   <li>{@code run AGENTS SESSIONS KEYPAIR_FILE AGENT_PID}: waits until the agents are ALIVE,
 *       creates the sessions while the group is inactive, activates it and measures until none is
 *       PENDING and all are RUNNING, or uses the fallback that {@link #run} describes;
 *   <li>{@code destroy-sessions KEYPAIR_FILE}: destroys the benchmark's sessions;
 *   <li>{@code teardown}: deactivates the group and deletes what the admin API can delete.
 * </ol>
 *
 * <p>The admin steps sign with the keypair that {@link BackendClientConfig#fromEnvironment()}
 * finds, which must be a superadmin's. The sessions belong to the benchmark's keypair.
 */
public final class SchedulerBenchmark {

  /** Name of the benchmark's resource policy. Its user is {@value #EMAIL}. */
  static final String NAME = "bench-scheduler";

  static final String EMAIL = "bench-scheduler@example.com";
  static final String SCALING_GROUP = "bench-sim";
  static final String IMAGE = "python";
  static final Map<String, String> SLOTS = Map.of("cpu", "1", "mem", "256m");

  /** Simulated agents' ids start with this, followed by {@code -0001} and up. */
  static final String AGENT_ID_PREFIX = "bench-sim-";

  private static final int CLIENT_THREADS = 8;
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration ALIVE_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(900);
  private static final Duration DESTROY_TIMEOUT = Duration.ofSeconds(120);
  private static final List<String> LIVE_STATUSES =
      List.of("PENDING", "SCHEDULED", "PREPARING", "RUNNING", "TERMINATING");

  private SchedulerBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      usage();
      return;
    }
    int expected =
        switch (args[0]) {
          case "prepare", "run" -> 5;
          case "destroy-sessions" -> 2;
          default -> 1;
        };
    if (args.length != expected) {
      usage();
      return;
    }
    BackendClient admin = new BackendClient(BackendClientConfig.fromEnvironment());
    switch (args[0]) {
      case "prepare" ->
          prepare(admin, args[1], args[2], Integer.parseInt(args[3]), Path.of(args[4]));
      case "run" ->
          run(
              admin,
              Integer.parseInt(args[1]),
              Integer.parseInt(args[2]),
              Path.of(args[3]),
              Long.parseLong(args[4]));
      case "destroy-sessions" -> destroySessions(Path.of(args[1]));
      case "teardown" -> teardown(admin.admin());
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println(
        "usage: SchedulerBenchmark prepare SCHEDULER SELECTION MAX_SESSIONS KEYPAIR_FILE\n"
            + "       SchedulerBenchmark run AGENTS SESSIONS KEYPAIR_FILE AGENT_PID\n"
            + "       SchedulerBenchmark destroy-sessions KEYPAIR_FILE\n"
            + "       SchedulerBenchmark teardown");
    System.exit(2);
  }

  // Prepare

  /**
   * Creates the policy, user and keypair, writes the keypair to {@code keyPairFile}, and sets up
   * the scaling group as inactive. Leftovers of an earlier run are replaced.
   */
  static void prepare(
      BackendClient client, String scheduler, String selection, int maxSessions, Path keyPairFile) {
    AdminClient admin = client.admin();
    ResourcePolicySpec policy =
        ResourcePolicySpec.empty()
            .withMaxConcurrentSessions(maxSessions)
            .withDefaultForUnspecified("UNLIMITED");
    if (exists(() -> admin.getResourcePolicy(NAME))) {
      admin.updateResourcePolicy(NAME, policy);
    } else {
      admin.createResourcePolicy(NAME, policy);
    }
    if (exists(() -> admin.getUser(EMAIL))) {
      // This deletes its keypairs and finished sessions, and fails with 409 while some are live.
      admin.deleteUser(EMAIL);
    }
    admin.createUser(
        EMAIL,
        "default",
        UserSpec.empty().withPassword(randomPassword()).withFullName("scheduler benchmark"));
    CreatedKeyPair keyPair =
        admin.createKeyPair(EMAIL, KeyPairSpec.empty().withResourcePolicy(NAME).withRateLimit(0));
    KeyPairFile.write(
        keyPairFile, client.config().endpoint(), keyPair.accessKey(), keyPair.secretKey());

    ScalingGroupSpec group =
        ScalingGroupSpec.empty()
            .withDescription("scheduling benchmark with simulated agents")
            .withActive(false)
            .withScheduler(scheduler)
            .withAgentSelection(selection)
            .withPendingTimeout(0)
            .withDomains(List.of("default"));
    if (exists(() -> admin.getScalingGroup(SCALING_GROUP))) {
      admin.updateScalingGroup(SCALING_GROUP, group);
    } else {
      admin.createScalingGroup(SCALING_GROUP, group);
    }
    System.out.printf(
        "prepared: policy %s (maxConcurrentSessions %d), user %s, keypair %s, scaling group %s"
            + " (inactive, %s, %s)%n",
        NAME, maxSessions, EMAIL, keyPair.accessKey(), SCALING_GROUP, scheduler, selection);
  }

  // Run

  /**
   * Waits for the agents, creates the backlog, releases it and measures until it is placed and
   * running. The backlog waits in the inactive group and is released by activating it. A manager
   * that accepts no session for an inactive group gets the fallback: the group is activated first,
   * one blocker session fills each agent, the backlog waits for free slots, and destroying the
   * blockers releases it.
   */
  static void run(BackendClient client, int agents, int sessions, Path keyPairFile, long agentPid)
      throws Exception {
    AdminClient admin = client.admin();
    BackendClient bench = new BackendClient(keyPairConfig(keyPairFile));

    Instant agentsStarted =
        ProcessHandle.of(agentPid)
            .flatMap(process -> process.info().startInstant())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "the simulated agents' process " + agentPid + " is not running"));
    List<Agent> ourAgents = awaitAliveAgents(admin, agents, agentsStarted);
    MemoryUse idleMemory = MemoryUse.of(agentPid);

    long createBegin = System.nanoTime();
    Runnable release;
    String releaseName;
    if (enqueueWhileInactive(bench)) {
      createSessions(bench, 2, sessions);
      releaseName = "activating the group";
      release =
          () -> admin.updateScalingGroup(SCALING_GROUP, ScalingGroupSpec.empty().withActive(true));
    } else {
      System.out.println(
          "fallback: the manager accepts no session for an inactive scaling group, so the"
              + " backlog waits behind one blocker session per agent instead");
      admin.updateScalingGroup(SCALING_GROUP, ScalingGroupSpec.empty().withActive(true));
      List<String> blockers = createBlockers(bench, ourAgents);
      createSessions(bench, 1, sessions);
      releaseName = "destroying the " + blockers.size() + " blocker sessions";
      release = () -> destroyAll(bench, blockers);
    }
    double createSeconds = (System.nanoTime() - createBegin) / 1e9;
    long pending = pendingSessions(admin);
    System.out.printf(
        "created %d sessions in %.1f s; PENDING in %s: %d%n",
        sessions, createSeconds, SCALING_GROUP, pending);
    if (pending != sessions) {
      throw new IllegalStateException(
          "expected " + sessions + " PENDING sessions in " + SCALING_GROUP + ", found " + pending);
    }

    SchedulerMetrics before = admin.schedulerMetrics();
    long begin = System.nanoTime();
    release.run();
    long releaseMillis = (System.nanoTime() - begin) / 1_000_000;
    Drain drain = awaitDrain(admin, bench, sessions, begin);
    SchedulerMetrics after = admin.schedulerMetrics();
    MemoryUse busyMemory = MemoryUse.of(agentPid);

    long placed = after.placed() - before.placed();
    long statements = after.statements() - before.statements();
    System.out.printf("release (%s) took %d ms%n", releaseName, releaseMillis);
    System.out.printf("release to none PENDING: %d ms%n", drain.noneWaitingMillis());
    System.out.printf("release to all %d RUNNING: %d ms%n", sessions, drain.allRunningMillis());
    System.out.printf(
        "scheduler during the drain: %d passes, %d placed, %d ms in passes, %d SQL statements,"
            + " %.2f statements per placement%n",
        after.passes() - before.passes(),
        placed,
        after.passMillis() - before.passMillis(),
        statements,
        placed == 0 ? 0.0 : (double) statements / placed);
    System.out.printf("scheduler totals before: %s%n", before);
    System.out.printf("scheduler totals after:  %s%n", after);
    System.out.printf(
        "simulated agents' JVM (pid %d): RSS %d MiB with %d agents idle, %d MiB with %d sessions"
            + " RUNNING; peak RSS %d MiB%n",
        agentPid,
        idleMemory.rssKib() / 1024,
        agents,
        busyMemory.rssKib() / 1024,
        sessions,
        busyMemory.peakRssKib() / 1024);
  }

  /**
   * Polls {@code GET /admin/agents} until {@code count} benchmark agents are ALIVE with a heartbeat
   * sent after {@code since}. Agents of an earlier run stay ALIVE for the manager's heartbeat
   * timeout after they stop, and only a later heartbeat shows that the new process runs them.
   *
   * @return those agents, as the manager lists them
   */
  private static List<Agent> awaitAliveAgents(AdminClient admin, int count, Instant since)
      throws InterruptedException {
    long begin = System.nanoTime();
    long deadline = begin + ALIVE_TIMEOUT.toNanos();
    List<Agent> alive = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      alive.clear();
      for (Agent agent : admin.listAgents()) {
        if (!SCALING_GROUP.equals(agent.scalingGroup()) || !"ALIVE".equals(agent.status())) {
          continue;
        }
        if (!agent.id().startsWith(AGENT_ID_PREFIX)) {
          // Sessions placed there would distort the figures, and the blockers would miss it.
          throw new IllegalStateException(
              "agent "
                  + agent.id()
                  + " of scaling group "
                  + SCALING_GROUP
                  + " is ALIVE but not one of the benchmark's; stop it, or wait until the"
                  + " manager marks a stopped one LOST");
        }
        if (OffsetDateTime.parse(agent.lastHeartbeat()).toInstant().isAfter(since)) {
          alive.add(agent);
        }
      }
      if (alive.size() >= count) {
        System.out.printf(
            "%d simulated agents ALIVE after %d ms%n",
            alive.size(), (System.nanoTime() - begin) / 1_000_000);
        return List.copyOf(alive);
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(
        "only "
            + alive.size()
            + " of "
            + count
            + " simulated agents ALIVE after "
            + ALIVE_TIMEOUT.toSeconds()
            + " s; see the agents' log");
  }

  /**
   * Creates the first session of the backlog while the group is inactive.
   *
   * @return false if the manager rejects it because the group is inactive
   */
  private static boolean enqueueWhileInactive(BackendClient bench) {
    try {
      bench.createSession(sessionSpec(sessionName(1), SLOTS));
      return true;
    } catch (BackendApiException e) {
      if (e.status() == 400 && e.detail() != null && e.detail().contains("is not allowed")) {
        System.out.println(
            "the manager rejected a session for the inactive group: " + e.getMessage());
        return false;
      }
      throw e;
    }
  }

  /**
   * Creates one session per agent that takes all its slots, and waits until they run, so that no
   * agent has room for the backlog.
   *
   * @return the ids of the blocker sessions
   */
  private static List<String> createBlockers(BackendClient bench, List<Agent> agents)
      throws InterruptedException {
    List<String> ids = new ArrayList<>();
    for (int index = 1; index <= agents.size(); index++) {
      String name = String.format(Locale.ROOT, "bench-blocker-%04d", index);
      Map<String, String> slots = agents.get(index - 1).availableSlots();
      ids.add(bench.createSession(sessionSpec(name, slots)).sessionId());
    }
    long deadline = System.nanoTime() + ALIVE_TIMEOUT.toNanos();
    while (countSessions(bench, "RUNNING") < agents.size()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the "
                + agents.size()
                + " blocker sessions are not RUNNING after "
                + ALIVE_TIMEOUT.toSeconds()
                + " s");
      }
      Thread.sleep(POLL.toMillis());
    }
    System.out.printf("%d blocker sessions RUNNING, one per agent%n", ids.size());
    return ids;
  }

  /** The times from the release until the backlog was placed and running. */
  private record Drain(long noneWaitingMillis, long allRunningMillis) {}

  private static Drain awaitDrain(AdminClient admin, BackendClient bench, int sessions, long begin)
      throws InterruptedException {
    long noneWaitingMillis = -1;
    long deadline = begin + DRAIN_TIMEOUT.toNanos();
    while (true) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "not all sessions RUNNING within " + DRAIN_TIMEOUT.toSeconds() + " s");
      }
      if (noneWaitingMillis < 0 && pendingSessions(admin) == 0) {
        noneWaitingMillis = (System.nanoTime() - begin) / 1_000_000;
      }
      if (noneWaitingMillis >= 0) {
        if (countSessions(bench, "RUNNING") == sessions) {
          return new Drain(noneWaitingMillis, (System.nanoTime() - begin) / 1_000_000);
        }
        long failed = countSessions(bench, "ERROR") + countSessions(bench, "CANCELLED");
        if (failed > 0) {
          throw new IllegalStateException(
              failed + " sessions ended in ERROR or CANCELLED; see the manager's log");
        }
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /**
   * Creates the sessions numbered {@code first} to {@code last} on {@value #CLIENT_THREADS}
   * threads, each enqueued without waiting for its start.
   */
  private static void createSessions(BackendClient bench, int first, int last) {
    List<Callable<?>> calls = new ArrayList<>();
    for (int number = first; number <= last; number++) {
      SessionSpec spec = sessionSpec(sessionName(number), SLOTS);
      calls.add(() -> bench.createSession(spec));
    }
    List<Throwable> failures = runAll(calls);
    if (!failures.isEmpty()) {
      throw new IllegalStateException(
          failures.size() + " sessions could not be created, the first: " + failures.get(0),
          failures.get(0));
    }
  }

  private static String sessionName(int number) {
    return String.format(Locale.ROOT, "bench-%05d", number);
  }

  private static SessionSpec sessionSpec(String name, Map<String, String> slots) {
    return SessionSpec.of(IMAGE)
        .withName(name)
        .withResources(slots)
        .withScalingGroup(SCALING_GROUP)
        .withEnqueueOnly(true);
  }

  /** Destroys sessions on {@value #CLIENT_THREADS} threads and prints the failures. */
  private static void destroyAll(BackendClient bench, List<String> ids) {
    List<Callable<?>> calls = new ArrayList<>();
    for (String id : ids) {
      calls.add(() -> bench.destroySession(id));
    }
    for (Throwable failure : runAll(calls)) {
      System.out.println("destroying a session failed: " + failure);
    }
  }

  /** Runs the calls on {@value #CLIENT_THREADS} threads and returns their failures. */
  private static List<Throwable> runAll(List<Callable<?>> calls) {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (Callable<?> call : calls) {
        results.add(pool.submit(call));
      }
      List<Throwable> failures = new ArrayList<>();
      for (Future<?> result : results) {
        try {
          result.get();
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        }
      }
      return failures;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for requests", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static long pendingSessions(AdminClient admin) {
    Long pending = admin.getScalingGroup(SCALING_GROUP).pendingSessions();
    if (pending == null) {
      throw new IllegalStateException(
          "the manager sends no pendingSessions for scaling group " + SCALING_GROUP);
    }
    return pending;
  }

  /** Counts the benchmark keypair's sessions in one status. */
  private static long countSessions(BackendClient bench, String status) {
    return bench.listSessions(status).totalCount();
  }

  /** The resident memory of a process, from {@code /proc/PID/status} (Linux only). */
  record MemoryUse(long rssKib, long peakRssKib) {

    static MemoryUse of(long pid) throws IOException {
      long rss = -1;
      long peak = -1;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kibOf(line);
        } else if (line.startsWith("VmHWM:")) {
          peak = kibOf(line);
        }
      }
      return new MemoryUse(rss, peak);
    }

    private static long kibOf(String line) {
      return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
  }

  // Cleanup

  /** Destroys every live session of the benchmark keypair and waits until none is live. */
  static void destroySessions(Path keyPairFile) throws InterruptedException {
    if (!Files.isRegularFile(keyPairFile)) {
      System.out.println("no benchmark keypair file " + keyPairFile + "; no sessions to destroy");
      return;
    }
    BackendClient bench = new BackendClient(keyPairConfig(keyPairFile));
    long begin = System.nanoTime();
    long deadline = begin + DESTROY_TIMEOUT.toNanos();
    int destroyed = 0;
    long live = liveSessions(bench);
    while (live > 0 && System.nanoTime() < deadline) {
      // A list returns at most 100 sessions, so this repeats until none is left to destroy.
      List<String> ids = new ArrayList<>();
      for (String status : List.of("PENDING", "SCHEDULED", "PREPARING", "RUNNING")) {
        for (SessionInfo session : bench.listSessions(status).items()) {
          ids.add(session.sessionId());
        }
      }
      destroyAll(bench, ids);
      destroyed += ids.size();
      if (ids.isEmpty()) {
        Thread.sleep(500);
      }
      live = liveSessions(bench);
    }
    System.out.printf(
        "destroyed %d sessions; %d still live after %d ms%n",
        destroyed, live, (System.nanoTime() - begin) / 1_000_000);
  }

  private static long liveSessions(BackendClient bench) {
    long live = 0;
    for (String status : LIVE_STATUSES) {
      live += countSessions(bench, status);
    }
    return live;
  }

  /**
   * Deactivates the scaling group and deletes the keypair, user and policy. The scaling group and
   * the simulated agents stay, because the admin API has no call that removes an agent and a group
   * with agents cannot be deleted.
   */
  static void teardown(AdminClient admin) {
    report(
        "deactivate scaling group " + SCALING_GROUP,
        () -> admin.updateScalingGroup(SCALING_GROUP, ScalingGroupSpec.empty().withActive(false)));
    report("delete user " + EMAIL + " with its keypairs", () -> admin.deleteUser(EMAIL));
    report("delete resource policy " + NAME, () -> admin.deleteResourcePolicy(NAME));
    report("delete scaling group " + SCALING_GROUP, () -> admin.deleteScalingGroup(SCALING_GROUP));
  }

  private static void report(String action, Runnable step) {
    try {
      step.run();
      System.out.println("teardown: " + action + ": done");
    } catch (BackendApiException e) {
      System.out.println("teardown: " + action + ": not done: " + e.getMessage());
    }
  }

  // Helpers

  private static BackendClientConfig keyPairConfig(Path keyPairFile) {
    return BackendClientConfig.load(
        Map.of(BackendClientConfig.KEYPAIR_FILE_VARIABLE, keyPairFile.toString()), Path.of("."));
  }

  /** Tells whether a lookup succeeds. A 404 means false, and other errors propagate. */
  private static boolean exists(Runnable lookup) {
    try {
      lookup.run();
      return true;
    } catch (BackendApiException e) {
      if (e.status() == 404) {
        return false;
      }
      throw e;
    }
  }

  private static String randomPassword() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
