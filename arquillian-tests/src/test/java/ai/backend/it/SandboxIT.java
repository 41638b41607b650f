package ai.backend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.backend.it.SignedHttp.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile programs on real components (WildFly on PostgreSQL, real agents and containers). An
 * attacker's session runs each program while a bystander, another user on the same agent, keeps
 * computing in a session of its own. Each test checks what happens to the run, to the attacker's
 * session, to the agent and to the bystander's session.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxIT {

  private static final String DOMAIN = "it-sandbox";
  private static final String GROUP = "it-sandbox";
  private static final String WATCH_GROUP = "it-sandbox-watch";

  /** The size of each tmpfs (/home/work, /tmp, /var/tmp) that the sandbox agent gives kernels. */
  private static final int TMPFS_MIB = 64;

  private static final ItSupport AGENT =
      new ItSupport(
          "it-sandbox-" + ProcessHandle.current().pid(),
          GROUP,
          "8",
          "8g",
          List.of("--scratch-size", TMPFS_MIB + "m", "--tmp-size", TMPFS_MIB + "m"));
  private static final ItSupport WATCH_AGENT =
      new ItSupport(
          "it-sandbox-watch-" + ProcessHandle.current().pid(),
          WATCH_GROUP,
          "2",
          "2g",
          List.of("--jail", "watch"));

  private static final Duration START_DEADLINE = Duration.ofSeconds(120);
  private static final Duration RUN_DEADLINE = Duration.ofMinutes(5);
  private static final SignedHttp HTTP = new SignedHttp(ItSupport.ENDPOINT);

  /** What the bystander computes while hostile code runs, and its output. */
  private static final String BYSTANDER_CODE = "print(sum(range(10**6)))";

  private static final String BYSTANDER_OUTPUT = "499999500000\n";

  /** Statuses after which a run goes on with a {@code continue} request. */
  private static final List<String> CONTINUING =
      List.of("continued", "clean-finished", "build-finished");

  private static Key admin;
  private static Key attacker;
  private static Key bystander;
  private static String attackerSession;
  private static String bystanderSession;

  /** A keypair as the admin API issued it. */
  record Key(String accessKey, String secretKey) {}

  /**
   * A run's end and its output.
   *
   * @param status the status of the last result, such as {@code finished} or {@code exec-timeout}
   * @param exitCode the exit code of the last result, or -1 when it has none
   */
  record Run(String status, int exitCode, String stdout, String stderr, String results) {}

  @Deployment(testable = false)
  static EnterpriseArchive ear() {
    return ShrinkWrap.createFromZipFile(
        EnterpriseArchive.class, new File(System.getProperty("it.ear")));
  }

  @AfterAll
  static void destroySessionsAndStopAgents() throws Exception {
    for (Key key : new Key[] {attacker, bystander}) {
      if (key == null) {
        continue;
      }
      Reply list = as(key, "GET", "/session?status=RUNNING", null);
      if (list.status() == 200) {
        for (JsonNode item : list.json().get("items")) {
          as(key, "DELETE", "/session/" + item.get("sessionId").asText(), null);
        }
      }
    }
    for (ItSupport agent : List.of(AGENT, WATCH_AGENT)) {
      List<String> left = agent.awaitNoContainers();
      List<String> removed = agent.stopAndCollectLeftovers();
      assertEquals(List.of(), left, "containers left by agent " + agent.agentId());
      assertEquals(List.of(), removed, "containers of agent " + agent.agentId());
    }
  }

  @Test
  @Order(1)
  void setUpAttackerAndBystander() throws Exception {
    AGENT.start();
    WATCH_AGENT.start();
    admin = new Key(AGENT.accessKey(), AGENT.secretKey());
    awaitAgentStatus(AGENT, "ALIVE");
    awaitAgentStatus(WATCH_AGENT, "ALIVE");

    expect(201, as(admin, "POST", "/admin/domains", Map.of("name", DOMAIN)));
    expect(201, as(admin, "POST", "/admin/groups", Map.of("name", "lab", "domain", DOMAIN)));
    for (String group : List.of(GROUP, WATCH_GROUP)) {
      expect(
          200,
          as(admin, "PATCH", "/admin/scaling-groups/" + group, Map.of("domains", List.of(DOMAIN))));
    }
    attacker = createUserWithKey("attacker@sandbox.example");
    bystander = createUserWithKey("bystander@sandbox.example");

    bystanderSession = createRunningSession(bystander, "bystander", GROUP, "1", "256m");
    attackerSession = createRunningSession(attacker, "attacker", GROUP, "1", "256m");
    assertEquals(BYSTANDER_OUTPUT, runToEnd(bystander, bystanderSession, BYSTANDER_CODE).stdout());
    assertEquals("42\n", runToEnd(attacker, attackerSession, "print(6 * 7)").stdout());
  }

  @Test
  @Order(2)
  void forkBombIsHeldAtProcessCap() throws Exception {
    String container = containerOf(attacker, attackerSession);
    int before = processCount(container);

    Run run =
        whileBystanderComputes(attacker, attackerSession, "import os\nwhile True:\n    os.fork()");
    assertEquals("finished", run.status(), run.results());
    assertNotEquals(0, run.exitCode(), run.results());
    assertTrue(
        run.stderr().contains("BlockingIOError"),
        "forks past the cap fail with EAGAIN: " + run.results());
    // In query mode the processes of a run outlive it, as in a notebook, so the copies of the
    // bomb keep forking into freed slots. The session still runs code meanwhile.
    assertTrue(
        processCount(container) <= before + 64,
        "the jail holds the bomb at its cap of 64 processes");
    assertSurvivors(attackerSession);

    expect(204, as(attacker, "PATCH", "/session/" + attackerSession, null));
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (processCount(container) > before && System.nanoTime() < end) {
      Thread.sleep(250);
    }
    String top = ItSupport.run("docker", "top", container, "-eo", "pid,ppid,pgid,stat,args");
    assertTrue(
        processCount(container) <= before,
        "processes of the fork bomb are left 60 s after the restart ("
            + before
            + " processes before it):\n"
            + top);
    assertSurvivors(attackerSession);
  }

  @Test
  @Order(2)
  void forkBombEndsWithBatchRun() throws Exception {
    String session = createRunningSession(attacker, "bomb-batch", GROUP, "1", "256m");
    String container = containerOf(attacker, session);
    int before = processCount(container);
    Run written =
        runToEnd(
            attacker,
            session,
            "open('bomb.py', 'w').write('import os\\nwhile True:\\n    os.fork()\\n')");
    assertEquals("", written.stderr(), written.results());

    Run batch =
        whileBystanderComputes(
            attacker, session, "batch", "", Map.of("build", ":", "exec", "python3 bomb.py"));
    assertEquals("finished", batch.status(), batch.results());
    assertNotEquals(0, batch.exitCode(), batch.results());
    assertTrue(batch.stderr().contains("BlockingIOError"), batch.results());
    String top = ItSupport.run("docker", "top", container, "-eo", "pid,ppid,pgid,stat,args");
    assertTrue(
        processCount(container) <= before,
        "processes of the fork bomb are left after its batch run ended ("
            + before
            + " processes before it):\n"
            + top);
    assertSurvivors(session);
    destroy(attacker, session);
  }

  @Test
  @Order(3)
  void memoryBombReportsOutOfMemory() throws Exception {
    String code = "chunks = []\nwhile True:\n    chunks.append(b'x' * (16 << 20))";
    Run run = whileBystanderComputes(attacker, attackerSession, code);
    assertEquals("finished", run.status(), run.results());
    assertNotEquals(0, run.exitCode(), run.results());
    assertTrue(
        run.stderr().toLowerCase(Locale.ROOT).contains("out of memory"),
        "stderr states the session ran out of memory: " + run.results());
    assertSurvivors(attackerSession);
  }

  @Test
  @Order(4)
  void diskFillEndsWithNoSpace() throws Exception {
    String session = createRunningSession(attacker, "disk-fill", GROUP, "1", "512m");
    String container = containerOf(attacker, session);
    long sizeBefore = writableLayerSize(container);

    String fill =
        """
        import errno, os

        def mount_of(point):
            for line in open('/proc/self/mounts'):
                fields = line.split()
                if fields[1] == point:
                    return fields[2] + ' ' + fields[3].split(',')[0]
            return 'none'

        print('mount / ' + mount_of('/'))
        for folder in ('/home/work', '/tmp', '/var/tmp'):
            print('mount ' + folder + ' ' + mount_of(folder))
            written = 0
            chunk = b'x' * (1 << 20)
            outcome = 'no error'
            try:
                with open(os.path.join(folder, 'fill.bin'), 'wb') as f:
                    # 256 MiB bounds the writes if the folder has no limit at all.
                    while written < (256 << 20):
                        f.write(chunk)
                        written += len(chunk)
            except OSError as e:
                outcome = errno.errorcode.get(e.errno, str(e.errno))
            print('fill ' + folder + ' ' + outcome + ' ' + str(written >> 20))
        """;
    Run filled = whileBystanderComputes(attacker, session, fill);
    assertEquals("finished", filled.status(), filled.results());
    List<String> lines = filled.stdout().lines().toList();
    assertTrue(lines.contains("mount / overlay ro"), "the root file system is read-only: " + lines);
    for (String folder : List.of("/home/work", "/tmp", "/var/tmp")) {
      assertTrue(lines.contains("mount " + folder + " tmpfs rw"), folder + " is a tmpfs: " + lines);
      String outcome =
          lines.stream().filter(l -> l.startsWith("fill " + folder + " ")).findFirst().orElse("");
      assertTrue(outcome.startsWith("fill " + folder + " ENOSPC "), outcome + " in " + lines);
      int mib = Integer.parseInt(outcome.substring(outcome.lastIndexOf(' ') + 1));
      assertTrue(
          mib <= TMPFS_MIB, folder + " took " + mib + " MiB, past its " + TMPFS_MIB + " MiB");
    }
    assertEquals(
        sizeBefore,
        writableLayerSize(container),
        "the container's writable layer grew while the files exist");

    String reuse =
        """
        import os
        for folder in ('/home/work', '/tmp', '/var/tmp'):
            path = os.path.join(folder, 'fill.bin')
            os.remove(path)
            with open(path, 'wb') as f:
                f.write(b'y' * (8 << 20))
            print('rewrote ' + folder + ' ' + str(os.path.getsize(path)))
            os.remove(path)
        """;
    Run reused = runToEnd(attacker, session, reuse);
    assertEquals(0, reused.exitCode(), reused.results());
    for (String folder : List.of("/home/work", "/tmp", "/var/tmp")) {
      assertTrue(
          reused.stdout().contains("rewrote " + folder + " " + (8 << 20)),
          "space is usable again after the delete: " + reused.results());
    }
    assertSurvivors(session);
    destroy(attacker, session);
  }

  @Test
  @Order(5)
  void endlessLoopHitsExecTimeout() throws Exception {
    Run run =
        whileBystanderComputes(
            attacker, attackerSession, "query", "while True:\n    pass", Map.of("execTimeout", 3));
    assertEquals("exec-timeout", run.status(), run.results());
    assertSurvivors(attackerSession);
  }

  @Test
  @Order(6)
  void outboundConnectionsFail() throws Exception {
    String container = containerOf(attacker, attackerSession);
    String gateway =
        ItSupport.run(
                "docker",
                "inspect",
                "--format",
                "{{range .NetworkSettings.Networks}}{{.Gateway}} {{end}}",
                container)
            .trim()
            .split("\\s+")[0];
    assertFalse(gateway.isEmpty(), "the kernel container has a gateway address");

    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = server.getLocalPort();
      String code =
          """
          import errno, socket

          def attempt(name, host):
              s = socket.socket()
              s.settimeout(5)
              try:
                  s.connect((host, %d))
                  print(name, 'connected')
              except socket.timeout:
                  print(name, 'timeout')
              except OSError as e:
                  print(name, errno.errorcode.get(e.errno, str(e.errno)))
              finally:
                  s.close()

          attempt('loopback', '127.0.0.1')
          attempt('gateway', '%s')
          try:
              socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()
              print('packet created')
          except OSError as e:
              print('packet', errno.errorcode.get(e.errno, str(e.errno)))
          """
              .formatted(port, gateway);
      Run run = whileBystanderComputes(attacker, attackerSession, code);
      assertEquals(0, run.exitCode(), run.results());
      List<String> lines = run.stdout().lines().toList();
      assertTrue(
          lines.contains("loopback ECONNREFUSED"),
          "the container's own loopback has nothing listening: " + lines);
      assertTrue(
          lines.contains("gateway EPERM"), "the jail denies a connection off the host: " + lines);
      assertTrue(lines.contains("packet EPERM"), "raw packet sockets are denied: " + lines);

      server.setSoTimeout(500);
      assertThrows(
          SocketTimeoutException.class,
          server::accept,
          "the host's loopback listener on port " + port + " accepted a connection");
    }
    assertSurvivors(attackerSession);
  }

  @Test
  @Order(6)
  void isolatedNetworkStaysOffTheHost() throws Exception {
    Reply invalid =
        as(
            attacker,
            "POST",
            "/session",
            Map.of("image", "python", "config", Map.of("network", "host")));
    assertEquals(400, invalid.status(), invalid.body());
    assertTrue(invalid.body().contains("invalid network 'host'"), invalid.body());

    String session = createRunningSession(attacker, "networked", GROUP, "1", "256m", "isolated");
    JsonNode info = expect(200, as(attacker, "GET", "/session/" + session, null)).json();
    assertEquals("isolated", info.get("network").asText());
    String container = containerOf(attacker, session);
    String gateway =
        ItSupport.run(
                "docker",
                "inspect",
                "--format",
                "{{range .NetworkSettings.Networks}}{{.Gateway}} {{end}}",
                container)
            .trim()
            .split("\\s+")[0];
    // A listener on the host's own address on the session's bridge: without the agent's
    // firewall rules the container would reach it.
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(gateway))) {
      int port = server.getLocalPort();
      String code =
          """
          import errno, socket

          def attempt(name, host, port):
              s = socket.socket()
              s.settimeout(3)
              try:
                  s.connect((host, port))
                  print(name, 'connected')
              except socket.timeout:
                  print(name, 'timeout')
              except OSError as e:
                  print(name, errno.errorcode.get(e.errno, str(e.errno)))
              finally:
                  s.close()

          attempt('host', '%s', %d)
          attempt('runner', '127.0.0.1', 2000)
          """
              .formatted(gateway, port);
      Run run = whileBystanderComputes(attacker, session, code);
      assertEquals(0, run.exitCode(), run.results());
      List<String> lines = run.stdout().lines().toList();
      assertTrue(
          lines.contains("host timeout"), "the firewall drops connections to the host: " + lines);
      assertTrue(lines.contains("runner EPERM"), "the jail denies the runner's own port: " + lines);

      server.setSoTimeout(500);
      assertThrows(
          SocketTimeoutException.class,
          server::accept,
          "the host's listener on the bridge address accepted a connection from the session");
    }
    assertSurvivors(session);
    destroy(attacker, session);
  }

  @Test
  @Order(6)
  void loaderVariablesReachOnlyUserCode() throws Exception {
    Map<String, String> environ =
        Map.of("LD_PRELOAD", "/home/work/probe.so", "JAVA_TOOL_OPTIONS", "-Dprobe=1");
    String session =
        createRunningSession(attacker, "loader-env", GROUP, "1", "256m", "none", environ);
    String container = containerOf(attacker, session);

    String env =
        ItSupport.run(
            "docker",
            "inspect",
            "--format",
            "{{range .Config.Env}}{{println .}}{{end}}",
            container);
    List<String> lines = env.lines().toList();
    assertFalse(
        lines.stream().anyMatch(line -> line.startsWith("LD_PRELOAD=")),
        "the container's processes outside the jail must not preload the user's library: " + lines);
    assertFalse(
        lines.stream().anyMatch(line -> line.startsWith("JAVA_TOOL_OPTIONS=")),
        "the runner's JVM must not read the user's JVM options: " + lines);
    String logs = expect(200, as(attacker, "GET", "/session/" + session + "/logs", null)).body();
    assertFalse(logs.contains("Picked up JAVA_TOOL_OPTIONS"), logs);

    Run run =
        runToEnd(
            attacker,
            session,
            "import os\nprint(os.environ['JAVA_TOOL_OPTIONS'])\n"
                + "print(os.environ['LD_PRELOAD'].split()[-1])");
    assertEquals("-Dprobe=1\n/home/work/probe.so\n", run.stdout(), run.results());
    assertSurvivors(session);
    destroy(attacker, session);
  }

  @Test
  @Order(7)
  void procOfOthersIsUnreadable() throws Exception {
    String marker = "sandbox-marker-" + UUID.randomUUID();
    Path hostFolder = Files.createTempDirectory("sandbox-it");
    Path hostFile = hostFolder.resolve("secret.txt");
    Files.writeString(hostFile, marker);
    try {
      String code =
          """
          import errno, os

          def attempt(name, path, mode='rb'):
              try:
                  with open(path, mode) as f:
                      print(name, 'OPENED')
                      if 'r' in mode:
                          print(name, 'READ', f.read(4096)[:200])
                      else:
                          f.write(b'|/tmp/x %%p')
                          print(name, 'WROTE')
              except OSError as e:
                  print(name, errno.errorcode.get(e.errno, str(e.errno)))

          jail = os.getppid()
          attempt('init-environ', '/proc/1/environ')
          attempt('init-root-hostname', '/proc/1/root/etc/hostname')
          attempt('kcore', '/proc/kcore')
          attempt('core-pattern', '/proc/sys/kernel/core_pattern', 'wb')
          attempt('jail-environ', '/proc/%%d/environ' %% jail)
          attempt('jail-mem', '/proc/%%d/mem' %% jail)
          attempt('jail-stat', '/proc/%%d/stat' %% jail)
          attempt('host-file', '%s')
          # The runner is the jail's parent; its pid is unknown without the jail's /proc files.
          for pid in range(1, 500):
              if pid in (os.getpid(), jail):
                  continue
              for name in ('environ', 'mem', 'cmdline'):
                  try:
                      with open('/proc/%%d/%%s' %% (pid, name), 'rb') as f:
                          print('scan OPENED', pid, name, f.read(200))
                  except OSError:
                      pass
          print('scan done')
          """
              .formatted(hostFile);
      Run run = whileBystanderComputes(attacker, attackerSession, code);
      List<String> lines = run.stdout().lines().toList();
      assertTrue(lines.contains("scan done"), run.results());
      for (String name :
          List.of(
              "init-environ",
              "init-root-hostname",
              "kcore",
              "core-pattern",
              "jail-environ",
              "jail-mem",
              "jail-stat",
              "host-file")) {
        String line = lines.stream().filter(l -> l.startsWith(name + " ")).findFirst().orElse("");
        assertFalse(line.isEmpty(), name + " was not tried: " + lines);
        assertFalse(line.endsWith(" OPENED"), "opened " + name + ": " + lines);
      }
      assertFalse(run.stdout().contains("scan OPENED"), "another process's /proc: " + lines);
      assertFalse(run.results().contains(marker), "the host file leaked: " + run.results());
    } finally {
      Files.delete(hostFile);
      Files.delete(hostFolder);
    }
    assertSurvivors(attackerSession);
  }

  @Test
  @Order(8)
  void runnerBundleIsReadOnly() throws Exception {
    Path bundle = Path.of(System.getProperty("it.krunner"));
    List<String> files =
        List.of(
            "runner.jar",
            "jail/jail",
            "bin/entrypoint.sh",
            "drivers/python/driver.py",
            "jail/policies/python.policy");
    Map<String, String> before = checksums(bundle, files);

    String code =
        """
        import errno, os

        def attempt(name, action):
            try:
                action()
                print(name, 'ok')
            except OSError as e:
                print(name, errno.errorcode.get(e.errno, str(e.errno)))

        def append(path):
            with open(path, 'ab') as f:
                f.write(b'tampered')

        attempt('append-runner', lambda: append('/opt/kernel/runner.jar'))
        attempt('append-jail', lambda: append('/opt/kernel/jail/jail'))
        attempt('create', lambda: append('/opt/kernel/jail/new-file'))
        attempt('truncate', lambda: os.truncate('/opt/kernel/drivers/python/driver.py', 0))
        attempt('chmod', lambda: os.chmod('/opt/kernel/bin/entrypoint.sh', 0o777))
        attempt('rename', lambda: os.rename('/opt/kernel/jail/jail', '/opt/kernel/jail/old'))
        attempt('unlink', lambda: os.unlink('/opt/kernel/jail/policies/python.policy'))
        attempt('mkdir', lambda: os.mkdir('/opt/kernel/extra'))
        """;
    Run run = whileBystanderComputes(attacker, attackerSession, code);
    assertEquals(0, run.exitCode(), run.results());
    List<String> lines = run.stdout().lines().toList();
    for (String name :
        List.of(
            "append-runner",
            "append-jail",
            "create",
            "truncate",
            "chmod",
            "rename",
            "unlink",
            "mkdir")) {
      String line = lines.stream().filter(l -> l.startsWith(name + " ")).findFirst().orElse("");
      assertFalse(line.isEmpty(), name + " was not tried: " + lines);
      assertFalse(line.endsWith(" ok"), "the bundle changed: " + line);
    }
    assertEquals(before, checksums(bundle, files), "the host's copy of the bundle changed");
    assertSurvivors(attackerSession);
  }

  @Test
  @Order(9)
  void signalsToRunnerAndJailFail() throws Exception {
    String code =
        """
        import errno, os, signal

        def attempt(name, action):
            try:
                action()
                print(name, 'sent')
            except OSError as e:
                print(name, errno.errorcode.get(e.errno, str(e.errno)))

        jail = os.getppid()
        attempt('jail', lambda: os.kill(jail, signal.SIGKILL))
        attempt('jail-group', lambda: os.killpg(os.getpgid(jail), signal.SIGKILL))
        attempt('every-process', lambda: os.kill(-1, signal.SIGKILL))
        attempt('init', lambda: os.kill(1, signal.SIGKILL))
        attempt('init-term', lambda: os.kill(1, signal.SIGTERM))
        print('survived')
        """;
    Run run = whileBystanderComputes(attacker, attackerSession, code);
    List<String> lines = run.stdout().lines().toList();
    assertTrue(lines.contains("survived"), run.results());
    for (String name : List.of("jail", "jail-group", "every-process", "init", "init-term")) {
      assertTrue(lines.contains(name + " EPERM"), name + ": " + lines);
    }
    assertSurvivors(attackerSession);

    // The program's own group holds only the program, so killing it harms nothing else.
    Run own = runToEnd(attacker, attackerSession, "import os\nos.killpg(0, 9)");
    assertEquals("finished", own.status(), own.results());
    assertNotEquals(0, own.exitCode(), own.results());
    assertSurvivors(attackerSession);
  }

  @Test
  @Order(10)
  void daemonEndsWithBatchRun() throws Exception {
    String session = createRunningSession(attacker, "daemon-batch", GROUP, "1", "256m");
    String container = containerOf(attacker, session);
    String daemon =
        """
        import os, sys, time
        log = '/home/work/daemon.log'
        if os.fork() > 0:
            # Wait until the daemon has written, so that it demonstrably ran.
            for _ in range(100):
                if os.path.exists(log):
                    break
                time.sleep(0.1)
            print('parent exits')
            sys.exit(0)
        os.setsid()
        if os.fork() > 0:
            os._exit(0)
        while True:
            with open(log, 'a') as f:
                f.write('x\\n')
            time.sleep(0.1)
        """;
    Run written =
        runToEnd(
            attacker,
            session,
            "open('daemon.py', 'w').write(" + pythonString(daemon) + ")\nprint('written')");
    assertEquals("written\n", written.stdout(), written.results());

    Run batch =
        whileBystanderComputes(
            attacker, session, "batch", "", Map.of("build", ":", "exec", "python3 daemon.py"));
    assertEquals("finished", batch.status(), batch.results());
    assertEquals(0, batch.exitCode(), batch.results());
    assertTrue(batch.stdout().contains("parent exits"), batch.results());

    String growth =
        """
        import os, time
        time.sleep(0.5)
        first = os.path.getsize('/home/work/daemon.log')
        time.sleep(1.5)
        print(first, os.path.getsize('/home/work/daemon.log'))
        """;
    Run sizes = runToEnd(attacker, session, growth);
    String[] pair = sizes.stdout().trim().split(" ");
    assertEquals(2, pair.length, sizes.results());
    assertTrue(Long.parseLong(pair[0]) > 0, "the daemon wrote before the run ended: " + sizes);
    assertEquals(pair[0], pair[1], "the daemon's file still grows after the batch run ended");
    String top = ItSupport.run("docker", "top", container, "-eo", "pid,args");
    assertFalse(top.contains("daemon.py"), "a process of the batch run is left:\n" + top);
    assertSurvivors(session);
    destroy(attacker, session);
  }

  @Test
  @Order(11)
  void daemonEndsWithSession() throws Exception {
    String session = createRunningSession(attacker, "daemon-query", GROUP, "1", "256m");
    String kernelId = kernelOf(attacker, session);
    String code =
        """
        import os, time
        log = '/home/work/daemon.log'
        child = os.fork()
        if child == 0:
            os.setsid()
            if os.fork() > 0:
                os._exit(0)
            while True:
                with open(log, 'a') as f:
                    f.write('x\\n')
                time.sleep(0.1)
        os.waitpid(child, 0)
        for _ in range(100):
            if os.path.exists(log):
                break
            time.sleep(0.1)
        print('daemon started', os.path.exists(log))
        """;
    Run run = whileBystanderComputes(attacker, session, code);
    assertEquals("daemon started True\n", run.stdout(), run.results());
    assertSurvivors(session);

    destroy(attacker, session);
    AGENT.waitFor(
        "the container of session " + session + " to be removed",
        Duration.ofSeconds(60),
        () -> ItSupport.containersWithLabel("ai.backend.kernel-id=" + kernelId).isEmpty());
    assertAgentAlive(AGENT);
    assertBystanderAnswers("after the daemon's session ended");
  }

  @Test
  @Order(12)
  void leftoversAreGoneInNextSession() throws Exception {
    String name = "left-" + UUID.randomUUID();
    List<String> folders = List.of("/tmp", "/var/tmp", "/dev/shm", "/home/work");
    String write =
        """
        import os
        for folder in %s:
            with open(os.path.join(folder, '%s'), 'w') as f:
                f.write('left behind')
            print('wrote', folder)
        """
            .formatted(pythonList(folders), name);
    String first = createRunningSession(attacker, "leftovers-1", GROUP, "1", "256m");
    Run written = whileBystanderComputes(attacker, first, write);
    assertEquals(0, written.exitCode(), written.results());
    assertEquals(folders.size(), written.stdout().lines().count(), written.results());
    destroy(attacker, first);

    String second = createRunningSession(attacker, "leftovers-2", GROUP, "1", "256m");
    String look =
        """
        import os
        for folder in %s:
            print(folder, '%s' in os.listdir(folder))
        """
            .formatted(pythonList(folders), name);
    Run found = runToEnd(attacker, second, look);
    assertEquals(0, found.exitCode(), found.results());
    for (String folder : folders) {
      assertTrue(
          found.stdout().lines().toList().contains(folder + " False"),
          "a file of the earlier session is left in " + folder + ": " + found.results());
    }
    assertSurvivors(second);
    destroy(attacker, second);
  }

  @Test
  @Order(13)
  void cpuCountMatchesCores() throws Exception {
    Run one = runToEnd(attacker, attackerSession, "import os\nprint(os.cpu_count())");
    assertEquals("1\n", one.stdout(), "a session of cpu=1: " + one.results());

    String twoCores = createRunningSession(attacker, "two-cores", GROUP, "2", "256m");
    Run two = runToEnd(attacker, twoCores, "import os\nprint(os.cpu_count())");
    assertEquals("2\n", two.stdout(), "a session of cpu=2: " + two.results());
    destroy(attacker, twoCores);
  }

  /** Calls keyctl, ptrace and setresuid, and prints each call's result or errno name. */
  private static final String DENIED_CALLS =
      """
      import ctypes, errno, os
      libc = ctypes.CDLL(None, use_errno=True)

      def report(name, result):
          error = ctypes.get_errno()
          print(name, 'ok' if result == 0 else errno.errorcode.get(error, str(error)))

      # keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) is system call 250 on x86-64.
      ctypes.set_errno(0)
      report('keyctl', libc.syscall(250, 0, -3, 0))
      # ptrace(PTRACE_ATTACH, jail)
      ctypes.set_errno(0)
      report('ptrace', libc.ptrace(16, os.getppid(), None, None))
      try:
          os.setresuid(-1, -1, -1)
          print('setresuid ok')
      except OSError as e:
          print('setresuid', errno.errorcode.get(e.errno, str(e.errno)))
      """;

  @Test
  @Order(14)
  void deniedCallsFailWithEperm() throws Exception {
    Run run = whileBystanderComputes(attacker, attackerSession, DENIED_CALLS);
    assertEquals(0, run.exitCode(), run.results());
    List<String> lines = run.stdout().lines().toList();
    assertTrue(lines.contains("keyctl EPERM"), lines.toString());
    assertTrue(lines.contains("ptrace EPERM"), lines.toString());
    assertTrue(lines.contains("setresuid EPERM"), lines.toString());
    assertSurvivors(attackerSession);
  }

  @Test
  @Order(15)
  void watchModeLogsAndAllows() throws Exception {
    String session = createRunningSession(attacker, "watched", WATCH_GROUP, "1", "256m");
    Run run = runToEnd(attacker, session, DENIED_CALLS);
    assertEquals(0, run.exitCode(), run.results());
    assertTrue(
        run.stdout().lines().toList().contains("setresuid ok"),
        "watch mode lets a call run that Docker allows and the policy denies: " + run.results());

    // Under a driver the jail's stderr is the driver's log, which the runner copies into the
    // container log.
    String[] logs = new String[1];
    WATCH_AGENT.waitFor(
        "the container log to show the jail's watch line for setresuid",
        Duration.ofSeconds(30),
        () -> {
          logs[0] =
              expect(200, as(attacker, "GET", "/session/" + session + "/logs", null))
                  .json()
                  .get("result")
                  .get("logs")
                  .asText();
          return logs[0]
              .lines()
              .anyMatch(l -> l.contains("jail: watch:") && l.contains("setresuid"));
        });

    // In batch mode the jail's stderr is the run's.
    Run batch =
        runToEnd(
            attacker,
            session,
            "batch",
            "",
            Map.of(
                "build",
                ":",
                "exec",
                "python3 -c \"import os; os.setresuid(-1, -1, -1); print('batch setresuid ok')\""));
    assertEquals(0, batch.exitCode(), batch.results());
    assertTrue(batch.stdout().contains("batch setresuid ok"), batch.results());
    assertTrue(
        batch.stderr().lines().anyMatch(l -> l.contains("jail: watch:") && l.contains("setresuid")),
        "the batch run's stderr shows the watch line: " + batch.results());

    assertAgentAlive(WATCH_AGENT);
    assertBystanderAnswers("after the watched runs");
    destroy(attacker, session);
  }

  private static Reply as(Key key, String method, String path, Object body) throws Exception {
    return HTTP.send(method, path, body, key.accessKey(), key.secretKey());
  }

  private static Reply expect(int status, Reply reply) {
    assertEquals(status, reply.status(), reply.body());
    return reply;
  }

  private static Key createUserWithKey(String email) throws Exception {
    expect(
        201,
        as(
            admin,
            "POST",
            "/admin/users",
            Map.of(
                "email",
                email,
                "password",
                "pw-" + email,
                "domain",
                DOMAIN,
                "groups",
                List.of("lab"),
                "role",
                "user")));
    Reply issued =
        expect(
            201,
            as(
                admin,
                "POST",
                "/admin/keypairs",
                Map.of("userId", email, "resourcePolicy", "default")));
    return new Key(
        issued.json().get("accessKey").asText(), issued.json().get("secretKey").asText());
  }

  private static String createRunningSession(
      Key key, String name, String scalingGroup, String cpu, String mem) throws Exception {
    return createRunningSession(key, name, scalingGroup, cpu, mem, "none");
  }

  private static String createRunningSession(
      Key key, String name, String scalingGroup, String cpu, String mem, String network)
      throws Exception {
    return createRunningSession(key, name, scalingGroup, cpu, mem, network, Map.of());
  }

  private static String createRunningSession(
      Key key,
      String name,
      String scalingGroup,
      String cpu,
      String mem,
      String network,
      Map<String, String> environ)
      throws Exception {
    Map<String, Object> body =
        Map.of(
            "image",
            "python",
            "name",
            name,
            "scalingGroup",
            scalingGroup,
            "config",
            Map.of(
                "resources",
                Map.of("cpu", cpu, "mem", mem),
                "network",
                network,
                "environ",
                environ));
    Reply[] created = new Reply[1];
    // The image is unknown until the agent's first heartbeat reports it.
    AGENT.waitFor(
        "the agents of " + scalingGroup + " to report the python image",
        Duration.ofSeconds(90),
        () -> {
          created[0] = as(key, "POST", "/session", body);
          return created[0].status() != 404;
        });
    assertEquals(201, created[0].status(), created[0].body());
    String id = created[0].json().get("sessionId").asText();
    AGENT.waitFor(
        "session " + name + " to run",
        START_DEADLINE,
        () -> {
          JsonNode session = expect(200, as(key, "GET", "/session/" + id, null)).json();
          String status = session.get("status").asText();
          if (List.of("ERROR", "CANCELLED", "TERMINATED").contains(status)) {
            fail("session " + name + " became " + status + ": " + session.get("statusInfo"));
          }
          return status.equals("RUNNING");
        });
    return id;
  }

  private static void destroy(Key key, String session) throws Exception {
    expect(200, as(key, "DELETE", "/session/" + session, null));
    AGENT.waitFor(
        "session " + session + " to end",
        START_DEADLINE,
        () ->
            List.of("TERMINATED", "CANCELLED")
                .contains(
                    as(key, "GET", "/session/" + session, null).json().get("status").asText()));
  }

  private static String kernelOf(Key key, String session) throws Exception {
    return expect(200, as(key, "GET", "/session/" + session, null)).json().get("kernelId").asText();
  }

  private static String containerOf(Key key, String session) throws Exception {
    List<String> ids =
        ItSupport.containersWithLabel("ai.backend.kernel-id=" + kernelOf(key, session));
    assertEquals(1, ids.size(), "containers of session " + session + ": " + ids);
    return ids.get(0);
  }

  private static int processCount(String container) throws Exception {
    // The first line is the header.
    return (int) ItSupport.run("docker", "top", container, "-eo", "pid").lines().count() - 1;
  }

  private static long writableLayerSize(String container) throws Exception {
    return Long.parseLong(
        ItSupport.run("docker", "inspect", "--size", "--format", "{{.SizeRw}}", container).trim());
  }

  private static Map<String, String> checksums(Path root, List<String> files) throws Exception {
    Map<String, String> sums = new LinkedHashMap<>();
    for (String file : files) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      sums.put(
          file, HexFormat.of().formatHex(digest.digest(Files.readAllBytes(root.resolve(file)))));
    }
    return sums;
  }

  private static Run runToEnd(Key key, String session, String code) throws Exception {
    return runToEnd(key, session, "query", code, Map.of());
  }

  /** Executes code and sends {@code continue} until the run ends, collecting its output. */
  private static Run runToEnd(
      Key key, String session, String mode, String code, Map<String, Object> options)
      throws Exception {
    String runId = "sandbox-" + UUID.randomUUID();
    long end = System.nanoTime() + RUN_DEADLINE.toNanos();
    StringBuilder stdout = new StringBuilder();
    StringBuilder stderr = new StringBuilder();
    List<String> results = new ArrayList<>();
    JsonNode result =
        execute(
            key, session, Map.of("mode", mode, "code", code, "runId", runId, "options", options));
    while (true) {
      results.add(result.toString());
      for (JsonNode item : result.path("console")) {
        String type = item.get(0).asText();
        if (type.equals("stdout")) {
          stdout.append(item.get(1).asText());
        } else if (type.equals("stderr")) {
          stderr.append(item.get(1).asText());
        }
      }
      String status = result.get("status").asText();
      if (!CONTINUING.contains(status) || result.path("exitCode").asInt(0) != 0) {
        break;
      }
      if (System.nanoTime() > end) {
        fail(
            "run "
                + runId
                + " still goes on after "
                + RUN_DEADLINE.toMinutes()
                + " min: "
                + results);
      }
      result =
          execute(
              key,
              session,
              Map.of("mode", "continue", "code", "", "runId", runId, "options", options));
    }
    return new Run(
        result.get("status").asText(),
        result.path("exitCode").asInt(-1),
        stdout.toString(),
        stderr.toString(),
        String.join("\n", results));
  }

  private static JsonNode execute(Key key, String session, Map<String, Object> body)
      throws Exception {
    Reply reply = expect(200, as(key, "POST", "/session/" + session, body));
    return reply.json().get("result");
  }

  private static Run whileBystanderComputes(Key key, String session, String code) throws Exception {
    return whileBystanderComputes(key, session, "query", code, Map.of());
  }

  /**
   * Runs hostile code in the background and checks the bystander's session while it runs, then
   * waits for the hostile run to end.
   */
  private static Run whileBystanderComputes(
      Key key, String session, String mode, String code, Map<String, Object> options)
      throws Exception {
    CompletableFuture<Run> hostile =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return runToEnd(key, session, mode, code, options);
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            });
    // Gives the hostile code a moment to start. The bystander's run is not timed.
    Thread.sleep(500);
    assertBystanderAnswers("while the attacker's code runs");
    return hostile.get(RUN_DEADLINE.toSeconds() + 60, TimeUnit.SECONDS);
  }

  private static void assertBystanderAnswers(String when) throws Exception {
    Run run = runToEnd(bystander, bystanderSession, BYSTANDER_CODE);
    assertEquals("finished", run.status(), "the bystander's run " + when + ": " + run.results());
    assertEquals(
        BYSTANDER_OUTPUT, run.stdout(), "the bystander's output " + when + ": " + run.results());
  }

  /** Checks that the attacker's session, the agent and the bystander's session still run code. */
  private static void assertSurvivors(String session) throws Exception {
    Run run = runToEnd(attacker, session, "print(6 * 7)");
    assertEquals(
        "42\n", run.stdout(), "the attacker's session answers afterwards: " + run.results());
    assertAgentAlive(AGENT);
    assertBystanderAnswers("afterwards");
  }

  private static void assertAgentAlive(ItSupport agent) throws Exception {
    assertTrue(
        agent.isAlive(), "agent " + agent.agentId() + " exited; its log:\n" + agent.readLog());
    JsonNode info = agentInfo(agent.agentId());
    assertNotNull(info, "agent " + agent.agentId() + " is not listed");
    assertEquals("ALIVE", info.get("status").asText(), info.toString());
  }

  private static JsonNode agentInfo(String agentId) throws Exception {
    for (JsonNode agent :
        expect(200, as(admin, "GET", "/admin/agents", null)).json().get("items")) {
      if (agent.get("id").asText().equals(agentId)) {
        return agent;
      }
    }
    return null;
  }

  private static void awaitAgentStatus(ItSupport agent, String status) throws Exception {
    agent.waitFor(
        "agent " + agent.agentId() + " to be " + status,
        Duration.ofSeconds(60),
        () -> {
          JsonNode info = agentInfo(agent.agentId());
          return info != null && status.equals(info.get("status").asText());
        });
  }

  /** Returns text as a Python string literal. */
  private static String pythonString(String text) {
    StringBuilder literal = new StringBuilder("'");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '\\' -> literal.append("\\\\");
        case '\'' -> literal.append("\\'");
        case '\n' -> literal.append("\\n");
        default -> literal.append(c);
      }
    }
    return literal.append('\'').toString();
  }

  private static String pythonList(List<String> items) {
    List<String> literals = new ArrayList<>();
    for (String item : items) {
      literals.add(pythonString(item));
    }
    return "[" + String.join(", ", literals) + "]";
  }
}
