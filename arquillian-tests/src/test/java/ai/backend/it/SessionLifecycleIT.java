package ai.backend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
 * The main path on real components: the manager EAR in a managed WildFly on PostgreSQL, a real
 * agent process, real containers of the Python image. The tests share one agent and run in order.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionLifecycleIT {

  private static final ItSupport IT = ItSupport.shared();
  private static final String AGENT_ID = IT.agentId();
  private static final String ENDPOINT = ItSupport.ENDPOINT;
  private static final Duration START_DEADLINE = Duration.ofSeconds(120);

  private static String adminKey;
  private static String adminSecret;
  private static String sessionId;
  private static String kernelId;

  private final SignedHttp http = new SignedHttp(ENDPOINT);

  @Deployment(testable = false)
  static EnterpriseArchive ear() {
    return ShrinkWrap.createFromZipFile(
        EnterpriseArchive.class, new File(System.getProperty("it.ear")));
  }

  /** Starts the agent once the EAR is deployed and reads the admin keypair. */
  private static void ensureAgentAndKeys() throws Exception {
    IT.start();
    adminKey = IT.accessKey();
    adminSecret = IT.secretKey();
  }

  @AfterAll
  static void checkNoContainerLeft() throws Exception {
    assertEquals(List.of(), IT.awaitNoContainers(), "containers left by agent " + AGENT_ID);
  }

  @Test
  @Order(1)
  void createRunsSessionOnAgent() throws Exception {
    ensureAgentAndKeys();
    Map<String, Object> body =
        Map.of(
            "image",
            "python",
            "name",
            "it-main-session",
            "config",
            Map.of("resources", Map.of("cpu", "1", "mem", "512m")));
    // The image is unknown until the agent's first heartbeat reports it.
    SignedHttp.Reply[] created = new SignedHttp.Reply[1];
    waitFor(
        "the agent to report the python image (agent log: " + IT.agentLog() + ")",
        Duration.ofSeconds(90),
        () -> {
          created[0] = http.send("POST", "/session", body, adminKey, adminSecret);
          return created[0].status() != 404;
        });
    assertEquals(201, created[0].status(), created[0].body());
    JsonNode session = created[0].json();
    assertEquals("PENDING", session.get("status").asText());
    assertTrue(session.get("created").asBoolean());
    sessionId = session.get("sessionId").asText();
    kernelId = session.get("kernelId").asText();

    JsonNode running = waitForStatus(sessionId, "RUNNING");
    assertEquals(AGENT_ID, running.get("agent").asText());
    assertEquals("536870912", running.get("occupiedSlots").get("mem").asText());
    assertEquals(1, containersWithLabel("ai.backend.kernel-id=" + kernelId).size());
  }

  @Test
  @Order(2)
  void executeKeepsStateBetweenRuns() throws Exception {
    ensureAgentAndKeys();
    JsonNode first = execute(sessionId, "x = 41");
    assertEquals("finished", first.get("status").asText());
    assertEquals(0, first.get("exitCode").asInt());

    JsonNode second = execute(sessionId, "print(x + 1)");
    assertEquals("finished", second.get("status").asText());
    assertEquals(0, second.get("exitCode").asInt());
    assertEquals("42\n", stdoutOf(second));
  }

  @Test
  @Order(3)
  void exceptionReportsTracebackAndKeepsSession() throws Exception {
    ensureAgentAndKeys();
    JsonNode failed = execute(sessionId, "1 / 0");
    assertEquals("finished", failed.get("status").asText());
    assertTrue(failed.get("exitCode").asInt() != 0, failed.toString());
    assertTrue(failed.toString().contains("ZeroDivisionError"), failed.toString());

    JsonNode after = execute(sessionId, "print(x)");
    assertEquals("41\n", stdoutOf(after));
  }

  @Test
  @Order(4)
  void unsignedAndMissignedRequestsGet401() throws Exception {
    ensureAgentAndKeys();
    SignedHttp.Reply unsigned = http.send("GET", "/session", null, null, null);
    assertEquals(401, unsigned.status());
    assertTrue(unsigned.contentType().startsWith("application/problem+json"));
    assertEquals("https://api.backend.ai/probs/auth-failed", unsigned.json().get("type").asText());

    SignedHttp.Reply otherSecret =
        http.send("GET", "/session", null, adminKey, adminSecret, "not-the-secret-key");
    assertEquals(401, otherSecret.status());
    assertTrue(otherSecret.contentType().startsWith("application/problem+json"));

    SignedHttp.Reply unknownKey =
        http.send("GET", "/session", null, "AKIANOSUCHKEY0000000", adminSecret);
    assertEquals(401, unknownKey.status());
    assertNotNull(unknownKey.json().get("title"));
  }

  @Test
  @Order(5)
  void unknownImageGets404NamingIt() throws Exception {
    ensureAgentAndKeys();
    SignedHttp.Reply reply =
        http.send("POST", "/session", Map.of("image", "cobol:1985"), adminKey, adminSecret);
    assertEquals(404, reply.status());
    assertEquals("https://api.backend.ai/probs/image-not-found", reply.json().get("type").asText());
    assertTrue(reply.json().get("detail").asText().contains("cobol:1985"));
  }

  @Test
  @Order(6)
  void otherUsersSessionIsNotFound() throws Exception {
    ensureAgentAndKeys();
    SignedHttp.Reply user =
        http.send(
            "POST",
            "/admin/users",
            Map.of("email", "someone-else@example.com", "password", "not the admin"),
            adminKey,
            adminSecret);
    assertEquals(201, user.status(), user.body());
    SignedHttp.Reply issued =
        http.send(
            "POST",
            "/admin/keypairs",
            Map.of("userId", "someone-else@example.com"),
            adminKey,
            adminSecret);
    assertEquals(201, issued.status(), issued.body());
    String otherKey = issued.json().get("accessKey").asText();
    String otherSecret = issued.json().get("secretKey").asText();

    Map<String, Object> code = Map.of("mode", "query", "code", "print(1)", "runId", "r1");
    SignedHttp.Reply foreign =
        http.send("POST", "/session/" + sessionId, code, otherKey, otherSecret);
    assertEquals(404, foreign.status());
    assertEquals(
        "https://api.backend.ai/probs/session-not-found", foreign.json().get("type").asText());

    SignedHttp.Reply unknown =
        http.send("POST", "/session/no-such-session", code, adminKey, adminSecret);
    assertEquals(404, unknown.status());

    SignedHttp.Reply listing = http.send("GET", "/session", null, otherKey, otherSecret);
    assertEquals(200, listing.status());
    assertEquals(0, listing.json().get("items").size());

    SignedHttp.Reply notAdmin =
        http.send("POST", "/admin/keypairs", Map.of("userId", "x"), otherKey, otherSecret);
    assertEquals(403, notAdmin.status());
  }

  @Test
  @Order(7)
  void destroyRemovesContainer() throws Exception {
    ensureAgentAndKeys();
    SignedHttp.Reply destroyed =
        http.send("DELETE", "/session/" + sessionId, null, adminKey, adminSecret);
    assertEquals(200, destroyed.status(), destroyed.body());
    waitForStatus(sessionId, "TERMINATED");
    waitFor(
        "the container of kernel " + kernelId + " to be removed",
        Duration.ofSeconds(30),
        () -> containersWithLabel("ai.backend.kernel-id=" + kernelId).isEmpty());

    SignedHttp.Reply afterwards =
        http.send(
            "POST",
            "/session/" + sessionId,
            Map.of("mode", "query", "code", "print(1)"),
            adminKey,
            adminSecret);
    assertEquals(409, afterwards.status());
  }

  private JsonNode execute(String session, String code) throws Exception {
    SignedHttp.Reply reply =
        http.send(
            "POST",
            "/session/" + session,
            Map.of("mode", "query", "code", code, "runId", "run-" + System.nanoTime()),
            adminKey,
            adminSecret);
    assertEquals(200, reply.status(), reply.body());
    return reply.json().get("result");
  }

  private static String stdoutOf(JsonNode result) {
    StringBuilder out = new StringBuilder();
    for (JsonNode item : result.get("console")) {
      if ("stdout".equals(item.get(0).asText())) {
        out.append(item.get(1).asText());
      }
    }
    return out.toString();
  }

  private JsonNode waitForStatus(String session, String status) throws Exception {
    JsonNode[] last = new JsonNode[1];
    waitFor(
        "session " + session + " to become " + status,
        START_DEADLINE,
        () -> {
          SignedHttp.Reply reply =
              http.send("GET", "/session/" + session, null, adminKey, adminSecret);
          last[0] = reply.json();
          String current = last[0].get("status").asText();
          if (!current.equals(status) && (current.equals("ERROR") || current.equals("CANCELLED"))) {
            fail("session " + session + " became " + current + ": " + last[0].get("statusInfo"));
          }
          return current.equals(status);
        });
    return last[0];
  }

  private static void waitFor(String what, Duration deadline, ItSupport.Condition condition)
      throws Exception {
    IT.waitFor(what, deadline, condition);
  }

  private static List<String> containersWithLabel(String label) throws Exception {
    return ItSupport.containersWithLabel(label);
  }
}
