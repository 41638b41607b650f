package ai.backend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.backend.it.SignedHttp.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Scheduling across two real agents of one scaling group: dispersed and concentrated placement, DRF
 * order between two keypairs, an agent killed and restarted (LOST, then ALIVE with its containers
 * re-adopted), and a manager reload with sessions PENDING and RUNNING.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SchedulingIT {

  private static final ItSupport IT = ItSupport.shared();
  private static final String GROUP = "it-sched";
  private static final ItSupport AGENT_A =
      new ItSupport("it-sched-a-" + ProcessHandle.current().pid(), GROUP, "2", "4g");
  private static final ItSupport AGENT_B =
      new ItSupport("it-sched-b-" + ProcessHandle.current().pid(), GROUP, "2", "4g");
  private static final Duration DEADLINE = Duration.ofSeconds(120);
  private static final SignedHttp HTTP = new SignedHttp(ItSupport.ENDPOINT);

  private static String adminKey;
  private static String adminSecret;
  private static String survivor;

  @Deployment(testable = false)
  static EnterpriseArchive ear() {
    return ShrinkWrap.createFromZipFile(
        EnterpriseArchive.class, new File(System.getProperty("it.ear")));
  }

  @AfterAll
  static void stopAgentsAndCheckContainers() throws Exception {
    if (adminKey != null) {
      Reply list = asAdmin("GET", "/session?all=true&limit=1000", null);
      for (JsonNode item : list.json().get("items")) {
        if (GROUP.equals(item.path("scalingGroup").asText())
            && !List.of("TERMINATED", "CANCELLED", "ERROR").contains(item.get("status").asText())) {
          asAdmin("DELETE", "/session/" + item.get("sessionId").asText(), null);
        }
      }
    }
    for (ItSupport agent : List.of(AGENT_A, AGENT_B)) {
      List<String> left = agent.awaitNoContainers();
      List<String> removed = agent.stopAndCollectLeftovers();
      assertEquals(List.of(), left, "containers left by agent " + agent.agentId());
      assertEquals(List.of(), removed);
    }
  }

  private static Reply asAdmin(String method, String path, Object body) throws Exception {
    return HTTP.send(method, path, body, adminKey, adminSecret);
  }

  private static Reply expect(int status, Reply reply) {
    assertEquals(status, reply.status(), reply.body());
    return reply;
  }

  private static JsonNode agentInfo(String agentId) throws Exception {
    for (JsonNode agent : expect(200, asAdmin("GET", "/admin/agents", null)).json().get("items")) {
      if (agent.get("id").asText().equals(agentId)) {
        return agent;
      }
    }
    return null;
  }

  private static void awaitAgentStatus(String agentId, String status, Duration deadline)
      throws Exception {
    IT.waitFor(
        "agent " + agentId + " to be " + status,
        deadline,
        () -> {
          JsonNode agent = agentInfo(agentId);
          return agent != null && status.equals(agent.get("status").asText());
        });
  }

  @Test
  @Order(1)
  void bothAgentsJoinTheirScalingGroup() throws Exception {
    IT.start();
    adminKey = IT.accessKey();
    adminSecret = IT.secretKey();
    AGENT_A.start();
    AGENT_B.start();
    awaitAgentStatus(AGENT_A.agentId(), "ALIVE", Duration.ofSeconds(60));
    awaitAgentStatus(AGENT_B.agentId(), "ALIVE", Duration.ofSeconds(60));
    assertEquals(GROUP, agentInfo(AGENT_A.agentId()).get("scalingGroup").asText());

    // The agents created the group, and no domain may use it until an admin allows one.
    Reply refused = createSession(adminKey, adminSecret, "sched-refused");
    assertEquals(400, refused.status(), refused.body());
    assertTrue(refused.json().get("detail").asText().contains(GROUP), refused.body());
    expect(
        200,
        asAdmin(
            "PATCH",
            "/admin/scaling-groups/" + GROUP,
            Map.of("domains", List.of("default"), "agentSelection", "dispersed")));
  }

  @Test
  @Order(2)
  void dispersedSpreadsAcrossAgents() throws Exception {
    String first = createRunning(adminKey, adminSecret, "sched-spread-1");
    String second = createRunning(adminKey, adminSecret, "sched-spread-2");
    assertNotEquals(agentOf(first), agentOf(second), "dispersed puts them on different agents");
    destroyAll(first, second);
  }

  @Test
  @Order(3)
  void concentratedPacksOneAgent() throws Exception {
    expect(
        200,
        asAdmin(
            "PATCH", "/admin/scaling-groups/" + GROUP, Map.of("agentSelection", "concentrated")));
    String first = createRunning(adminKey, adminSecret, "sched-pack-1");
    String second = createRunning(adminKey, adminSecret, "sched-pack-2");
    assertEquals(agentOf(first), agentOf(second), "concentrated fills one agent first");
    destroyAll(first, second);
  }

  @Test
  @Order(4)
  void drfServesTheSmallerDominantShareFirst() throws Exception {
    expect(
        200,
        asAdmin(
            "PATCH",
            "/admin/scaling-groups/" + GROUP,
            Map.of("scheduler", "drf", "agentSelection", "dispersed")));
    String[] heavy = newUser("heavy@sched.example");
    String[] light = newUser("light@sched.example");
    // Heavy takes all four cores of the group.
    List<String> heavyRunning = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      heavyRunning.add(createRunning(heavy[0], heavy[1], "heavy-" + i));
    }
    // Heavy queues first, light second: FIFO would serve heavy.
    Reply heavyPending = expect(201, createSession(heavy[0], heavy[1], "heavy-waiting"));
    Thread.sleep(1_000);
    Reply lightPending = expect(201, createSession(light[0], light[1], "light-waiting"));
    String heavyId = heavyPending.json().get("sessionId").asText();
    String lightId = lightPending.json().get("sessionId").asText();
    Thread.sleep(3_000);
    assertEquals("PENDING", status(heavy, heavyId));
    assertEquals("PENDING", status(light, lightId));

    expect(200, HTTP.send("DELETE", "/session/" + heavyRunning.get(0), null, heavy[0], heavy[1]));
    IT.waitFor(
        "the light keypair's session to start",
        DEADLINE,
        () -> "RUNNING".equals(status(light, lightId)));
    assertEquals(
        "PENDING", status(heavy, heavyId), "heavy's older session still waits for resources");
    String info = info(heavy, heavyId);
    assertTrue(info.startsWith("waiting for resources"), info);

    HTTP.send("DELETE", "/session/" + lightId, null, light[0], light[1]);
    for (String id : heavyRunning.subList(1, heavyRunning.size())) {
      HTTP.send("DELETE", "/session/" + id, null, heavy[0], heavy[1]);
    }
    IT.waitFor(
        "heavy's waiting session to start once room frees",
        DEADLINE,
        () -> "RUNNING".equals(status(heavy, heavyId)));
    HTTP.send("DELETE", "/session/" + heavyId, null, heavy[0], heavy[1]);
    expect(200, asAdmin("PATCH", "/admin/scaling-groups/" + GROUP, Map.of("scheduler", "fifo")));
  }

  @Test
  @Order(5)
  void killedAgentBecomesLostAndReadoptsItsContainer() throws Exception {
    survivor = createRunning(adminKey, adminSecret, "sched-survivor");
    String agentId = agentOf(survivor);
    ItSupport agent = agentId.equals(AGENT_A.agentId()) ? AGENT_A : AGENT_B;
    agent.kill();
    // The manager's heartbeat timeout in arquillian.xml is 20 s; its check runs every 2 s.
    awaitAgentStatus(agentId, "LOST", Duration.ofSeconds(45));
    String lostInfo = info(new String[] {adminKey, adminSecret}, survivor);
    assertTrue(lostInfo.contains("LOST"), lostInfo);
    assertEquals("RUNNING", status(new String[] {adminKey, adminSecret}, survivor));

    agent.restart();
    awaitAgentStatus(agentId, "ALIVE", Duration.ofSeconds(60));
    IT.waitFor(
        "code to run in the re-adopted container",
        Duration.ofSeconds(60),
        () -> {
          Reply reply = asAdmin("POST", "/session/" + survivor, Map.of("code", "print(40 + 2)"));
          return reply.status() == 200 && reply.body().contains("42");
        });
  }

  @Test
  @Order(6)
  void managerReloadKeepsPendingAndRunningSessions() throws Exception {
    // The survivor holds one of the two cores of its agent; a blocker takes the other agent,
    // so a session of two cores waits.
    String blocker = createRunning(adminKey, adminSecret, "sched-blocker", "2");
    Reply pending = expect(201, createSession(adminKey, adminSecret, "sched-across-reload", "2"));
    String pendingId = pending.json().get("sessionId").asText();
    Thread.sleep(3_000);
    String[] admin = {adminKey, adminSecret};
    assertEquals("PENDING", status(admin, pendingId));

    reloadWildFly();
    IT.waitFor(
        "the manager to answer after the reload",
        Duration.ofSeconds(180),
        () -> {
          try {
            return asAdmin("GET", "/session/" + survivor, null).status() == 200;
          } catch (java.io.IOException e) {
            return false;
          }
        });
    assertEquals("PENDING", status(admin, pendingId));
    assertEquals("RUNNING", status(admin, survivor));
    IT.waitFor(
        "the running session to execute code after the reload",
        Duration.ofSeconds(90),
        () -> {
          Reply reply = asAdmin("POST", "/session/" + survivor, Map.of("code", "print(6 * 7)"));
          return reply.status() == 200 && reply.body().contains("42");
        });

    expect(200, asAdmin("DELETE", "/session/" + blocker, null));
    IT.waitFor(
        "the pending session to run after the reload",
        DEADLINE,
        () -> "RUNNING".equals(status(admin, pendingId)));
    destroyAll(pendingId, survivor);
  }

  /** Reloads WildFly through its management CLI: every service and the EAR restart. */
  private static void reloadWildFly() throws Exception {
    Path cli = Path.of(System.getProperty("it.wildfly.home"), "bin", "jboss-cli.sh");
    Process process =
        new ProcessBuilder(
                cli.toString(),
                "--connect",
                "--controller=127.0.0.1:" + System.getProperty("it.management.port"),
                "--command=:reload")
            .redirectErrorStream(true)
            .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      fail("reloading WildFly failed: " + out);
    }
  }

  private static String[] newUser(String email) throws Exception {
    expect(
        201,
        asAdmin("POST", "/admin/users", Map.of("email", email, "password", "scheduling-test")));
    Reply issued = expect(201, asAdmin("POST", "/admin/keypairs", Map.of("userId", email)));
    return new String[] {
      issued.json().get("accessKey").asText(), issued.json().get("secretKey").asText()
    };
  }

  private static Reply createSession(String key, String secret, String name) throws Exception {
    return createSession(key, secret, name, "1");
  }

  private static Reply createSession(String key, String secret, String name, String cpu)
      throws Exception {
    return HTTP.send(
        "POST",
        "/session",
        Map.of(
            "image",
            "python",
            "name",
            name,
            "scalingGroup",
            GROUP,
            "config",
            Map.of("resources", Map.of("cpu", cpu, "mem", "256m"))),
        key,
        secret);
  }

  private static String createRunning(String key, String secret, String name) throws Exception {
    return createRunning(key, secret, name, "1");
  }

  private static String createRunning(String key, String secret, String name, String cpu)
      throws Exception {
    Reply[] created = new Reply[1];
    IT.waitFor(
        "the agents of " + GROUP + " to report the python image",
        Duration.ofSeconds(90),
        () -> {
          created[0] = createSession(key, secret, name, cpu);
          return created[0].status() != 404;
        });
    assertEquals(201, created[0].status(), created[0].body());
    String id = created[0].json().get("sessionId").asText();
    String[] credentials = {key, secret};
    IT.waitFor(
        "session " + name + " to run",
        DEADLINE,
        () -> {
          String current = status(credentials, id);
          if (current.equals("ERROR") || current.equals("CANCELLED")) {
            fail("session " + name + " became " + current + ": " + info(credentials, id));
          }
          return current.equals("RUNNING");
        });
    return id;
  }

  private static String status(String[] credentials, String id) throws Exception {
    return session(credentials, id).get("status").asText();
  }

  private static String info(String[] credentials, String id) throws Exception {
    return session(credentials, id).path("statusInfo").asText();
  }

  private static JsonNode session(String[] credentials, String id) throws Exception {
    return expect(200, HTTP.send("GET", "/session/" + id, null, credentials[0], credentials[1]))
        .json();
  }

  private static String agentOf(String id) throws Exception {
    return session(new String[] {adminKey, adminSecret}, id).get("agent").asText();
  }

  private static void destroyAll(String... ids) throws Exception {
    String[] admin = {adminKey, adminSecret};
    for (String id : ids) {
      expect(200, asAdmin("DELETE", "/session/" + id, null));
    }
    for (String id : ids) {
      IT.waitFor(
          "session " + id + " to end",
          DEADLINE,
          () -> List.of("TERMINATED", "CANCELLED").contains(status(admin, id)));
    }
  }
}
