package ai.backend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.backend.it.SignedHttp.Reply;
import ai.backend.it.SignedHttp.Tamper;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
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
 * Tenants on real components (WildFly on PostgreSQL, a real agent and containers): two users in
 * different domains and groups and a domain admin, each refused everything outside their reach;
 * tampered and replayed signatures; the rate limit; the policy limits on concurrent sessions and
 * idle time; password logins and the audit log.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccountsIT {

  private static final ItSupport IT = ItSupport.shared();
  private static final Duration START_DEADLINE = Duration.ofSeconds(120);
  private static final String NOT_FOUND = "https://api.backend.ai/probs/session-not-found";
  private static final String FORBIDDEN = "https://api.backend.ai/probs/forbidden";

  /** The rate-limit window that arquillian.xml gives the manager, in seconds. */
  private static final int RATE_WINDOW_SECONDS = 6;

  private static final SignedHttp HTTP = new SignedHttp(ItSupport.ENDPOINT);

  private static Key admin;
  private static Key alice;
  private static Key bob;
  private static Key carol;
  private static String aliceSession;
  private static String bobSession;
  private static final List<Key> CLEANUP = new ArrayList<>();

  /** A keypair as the admin API issued it. */
  record Key(String accessKey, String secretKey) {}

  @Deployment(testable = false)
  static EnterpriseArchive ear() {
    return ShrinkWrap.createFromZipFile(
        EnterpriseArchive.class, new File(System.getProperty("it.ear")));
  }

  @AfterAll
  static void destroySessionsAndCheckContainers() throws Exception {
    for (Key key : CLEANUP) {
      Reply list = HTTP.send("GET", "/session?status=RUNNING", null, key.accessKey, key.secretKey);
      if (list.status() == 200) {
        for (JsonNode item : list.json().get("items")) {
          HTTP.send(
              "DELETE",
              "/session/" + item.get("sessionId").asText(),
              null,
              key.accessKey,
              key.secretKey);
        }
      }
    }
    assertEquals(List.of(), IT.awaitNoContainers(), "containers left by agent " + IT.agentId());
  }

  private static Reply asAdmin(String method, String path, Object body) throws Exception {
    return HTTP.send(method, path, body, admin.accessKey, admin.secretKey);
  }

  private static Reply as(Key key, String method, String path, Object body) throws Exception {
    return HTTP.send(method, path, body, key.accessKey, key.secretKey);
  }

  private static Reply expect(int status, Reply reply) {
    assertEquals(status, reply.status(), reply.body());
    return reply;
  }

  private static Key createUserWithKey(
      String email, String domain, String group, String role, String policy) throws Exception {
    expect(
        201,
        asAdmin(
            "POST",
            "/admin/users",
            Map.of(
                "email",
                email,
                "password",
                "pw-" + email,
                "domain",
                domain,
                "groups",
                List.of(group),
                "role",
                role)));
    Reply issued =
        expect(
            201,
            asAdmin("POST", "/admin/keypairs", Map.of("userId", email, "resourcePolicy", policy)));
    Key key =
        new Key(issued.json().get("accessKey").asText(), issued.json().get("secretKey").asText());
    CLEANUP.add(key);
    return key;
  }

  @Test
  @Order(1)
  void setUpTenants() throws Exception {
    IT.start();
    admin = new Key(IT.accessKey(), IT.secretKey());
    CLEANUP.add(admin);
    for (String domain : List.of("it-east", "it-west")) {
      expect(201, asAdmin("POST", "/admin/domains", Map.of("name", domain)));
      expect(201, asAdmin("POST", "/admin/groups", Map.of("name", "lab", "domain", domain)));
    }
    expect(409, asAdmin("POST", "/admin/domains", Map.of("name", "it-east")));
    alice = createUserWithKey("alice@east.example", "it-east", "lab", "user", "default");
    bob = createUserWithKey("bob@west.example", "it-west", "lab", "user", "default");
    carol = createUserWithKey("carol@east.example", "it-east", "lab", "admin", "default");

    Reply user = expect(200, asAdmin("GET", "/admin/users/alice@east.example", null));
    assertEquals("it-east", user.json().get("domain").asText());
    assertEquals("lab", user.json().get("groups").get(0).get("name").asText());
    assertFalse(user.body().contains("pw-"), "the password never comes back: " + user.body());
    assertFalse(user.body().contains("pbkdf2"), "nor its hash: " + user.body());

    aliceSession = createRunningSession(alice, "alice-work");
    bobSession = createRunningSession(bob, "bob-work");
  }

  @Test
  @Order(2)
  void userCannotReachAnotherUsersSession() throws Exception {
    Map<String, Object> code = Map.of("mode", "query", "code", "print(1)");
    String path = "/session/" + aliceSession;

    Reply get = as(bob, "GET", path, null);
    assertEquals(404, get.status(), "bob reads alice's session");
    assertEquals(NOT_FOUND, get.json().get("type").asText());

    Reply execute = as(bob, "POST", path, code);
    assertEquals(404, execute.status(), "bob executes in alice's session");
    assertEquals(NOT_FOUND, execute.json().get("type").asText());

    Reply files = as(bob, "GET", path + "/files", null);
    assertEquals(404, files.status(), "bob lists alice's files");

    Reply logs = as(bob, "GET", path + "/logs", null);
    assertEquals(404, logs.status(), "bob reads alice's container log");

    Reply interrupt = as(bob, "POST", path + "/interrupt", null);
    assertEquals(404, interrupt.status(), "bob interrupts alice's run");

    Reply destroy = as(bob, "DELETE", path, null);
    assertEquals(404, destroy.status(), "bob destroys alice's session");

    Reply byName = as(bob, "GET", "/session/alice-work", null);
    assertEquals(404, byName.status(), "bob finds alice's session by its name");

    Reply all = expect(200, as(bob, "GET", "/session?all=true", null));
    assertEquals(1, all.json().get("items").size(), all.body());
    assertEquals(bobSession, all.json().get("items").get(0).get("sessionId").asText());

    Reply onBehalf = as(bob, "GET", "/session?owner_access_key=" + alice.accessKey, null);
    assertEquals(403, onBehalf.status(), "bob acts for alice's keypair");
    assertEquals(FORBIDDEN, onBehalf.json().get("type").asText());

    Reply unknownOwner = as(bob, "GET", "/session?owner_access_key=AKIANOSUCHKEY0000000", null);
    assertEquals(403, unknownOwner.status(), "an unknown key answers like a foreign one");
    assertEquals(
        onBehalf.json().get("detail").asText().replace(alice.accessKey, "X"),
        unknownOwner.json().get("detail").asText().replace("AKIANOSUCHKEY0000000", "X"));

    Reply adminCall = as(bob, "GET", "/admin/users", null);
    assertEquals(403, adminCall.status(), "a user calls the admin API");

    Reply keypairs = as(bob, "POST", "/admin/keypairs", Map.of("userId", "bob@west.example"));
    assertEquals(403, keypairs.status(), "a user issues a keypair");

    // Alice still works in her own session.
    Reply own = expect(200, as(alice, "POST", path, code));
    assertEquals("finished", own.json().get("result").get("status").asText());
  }

  @Test
  @Order(3)
  void domainAdminActsWithinTheDomainOnly() throws Exception {
    Reply inDomain = as(carol, "GET", "/session/" + aliceSession, null);
    assertEquals(200, inDomain.status(), "carol reads a session of her domain");

    Reply otherDomain = as(carol, "GET", "/session/" + bobSession, null);
    assertEquals(404, otherDomain.status(), "carol reads a session of another domain");

    Reply all = expect(200, as(carol, "GET", "/session?all=true", null));
    List<String> ids = new ArrayList<>();
    all.json().get("items").forEach(item -> ids.add(item.get("sessionId").asText()));
    assertTrue(ids.contains(aliceSession), all.body());
    assertFalse(ids.contains(bobSession), all.body());

    Reply forAlice =
        as(carol, "GET", "/session/alice-work?owner_access_key=" + alice.accessKey, null);
    assertEquals(200, forAlice.status(), "carol finds alice's session by name for her keypair");

    Reply forBob = as(carol, "GET", "/session?owner_access_key=" + bob.accessKey, null);
    assertEquals(403, forBob.status(), "carol acts for a keypair of another domain");

    Reply westUser = as(carol, "GET", "/admin/users/bob@west.example", null);
    assertEquals(404, westUser.status(), "carol reads a user of another domain");

    Reply westKeys = expect(200, as(carol, "GET", "/admin/keypairs", null));
    assertFalse(westKeys.body().contains(bob.accessKey), westKeys.body());
    assertFalse(westKeys.body().contains("secretKey"), "listings never show secret keys");

    Reply createWest =
        as(
            carol,
            "POST",
            "/admin/users",
            Map.of("email", "mallory@west.example", "password", "12345678", "domain", "it-west"));
    assertEquals(403, createWest.status(), "carol creates a user in another domain");

    Reply superadmin =
        as(
            carol,
            "POST",
            "/admin/users",
            Map.of("email", "root@east.example", "password", "12345678", "role", "superadmin"));
    assertEquals(403, superadmin.status(), "carol creates a superadmin");

    Reply domains = as(carol, "POST", "/admin/domains", Map.of("name", "it-carol"));
    assertEquals(403, domains.status(), "carol creates a domain");

    Reply eastUser =
        as(
            carol,
            "POST",
            "/admin/users",
            Map.of("email", "dave@east.example", "password", "12345678"));
    assertEquals(201, eastUser.status(), eastUser.body());
    assertEquals("it-east", eastUser.json().get("domain").asText());

    // A superadmin in carol's domain is beyond her: no keypair, no password, no acting for it.
    Key root = createUserWithKey("root@east.example", "it-east", "lab", "superadmin", "default");
    Reply rootKey = as(carol, "POST", "/admin/keypairs", Map.of("userId", "root@east.example"));
    assertEquals(403, rootKey.status(), "carol issues a keypair of a superadmin");
    Reply rootPassword =
        as(carol, "PATCH", "/admin/users/root@east.example", Map.of("password", "taken-over"));
    assertEquals(403, rootPassword.status(), "carol sets a superadmin's password");
    Reply rootDeactivate =
        as(carol, "PATCH", "/admin/keypairs/" + root.accessKey, Map.of("isActive", false));
    assertEquals(403, rootDeactivate.status(), "carol deactivates a superadmin's keypair");
    Reply actForRoot = as(carol, "GET", "/session?owner_access_key=" + root.accessKey, null);
    assertEquals(403, actForRoot.status(), "carol acts for a superadmin's keypair");
    Reply rootUser = expect(200, as(carol, "GET", "/admin/users/root@east.example", null));
    assertEquals("superadmin", rootUser.json().get("role").asText());

    // A superadmin reaches both, and lists for a keypair with owner_access_key.
    expect(200, asAdmin("GET", "/session/" + bobSession, null));
    Reply forBobByAdmin =
        expect(200, asAdmin("GET", "/session?owner_access_key=" + bob.accessKey, null));
    assertEquals(bobSession, forBobByAdmin.json().get("items").get(0).get("sessionId").asText());
  }

  @Test
  @Order(4)
  void tamperedOrReplayedRequestsAreRefused() throws Exception {
    String path = "/session/" + aliceSession;
    Map<String, Object> code = Map.of("mode", "query", "code", "print(2)");

    Reply stale =
        HTTP.send(
            "GET",
            path,
            null,
            alice.accessKey,
            alice.secretKey,
            new Tamper(null, null, null, null, Duration.ofMinutes(-16)));
    assertEquals(401, stale.status(), "a date 16 minutes old");
    assertTrue(stale.json().get("detail").asText().contains("15 minutes"), stale.body());

    Reply future =
        HTTP.send(
            "GET",
            path,
            null,
            alice.accessKey,
            alice.secretKey,
            new Tamper(null, null, null, null, Duration.ofMinutes(16)));
    assertEquals(401, future.status(), "a date 16 minutes ahead");

    Reply body =
        HTTP.send(
            "POST",
            path,
            Map.of("mode", "query", "code", "import os; os.system('id')"),
            alice.accessKey,
            alice.secretKey,
            new Tamper(null, null, code, null, null));
    assertEquals(401, body.status(), "the body changed after signing");

    Reply changedPath =
        HTTP.send(
            "DELETE",
            path,
            null,
            alice.accessKey,
            alice.secretKey,
            new Tamper(null, "/session/" + aliceSession + "x", null, null, null));
    assertEquals(401, changedPath.status(), "the path changed after signing");

    Reply query =
        HTTP.send(
            "GET",
            "/session?status=TERMINATED",
            null,
            alice.accessKey,
            alice.secretKey,
            new Tamper(null, "/session?status=RUNNING", null, null, null));
    assertEquals(401, query.status(), "the query changed after signing");

    Reply method =
        HTTP.send(
            "DELETE",
            path,
            null,
            alice.accessKey,
            alice.secretKey,
            new Tamper("GET", null, null, null, null));
    assertEquals(401, method.status(), "the method changed after signing");

    Reply host =
        HTTP.send(
            "GET",
            path,
            null,
            alice.accessKey,
            alice.secretKey,
            new Tamper(null, null, null, "127.0.0.1:9", null));
    assertEquals(401, host.status(), "signed for another host");

    // The session survived every attempt.
    Reply intact = expect(200, as(alice, "GET", path, null));
    assertEquals("RUNNING", intact.json().get("status").asText());
  }

  @Test
  @Order(5)
  void rateLimitAnswers429AndRecovers() throws Exception {
    Reply issued =
        expect(
            201,
            asAdmin(
                "POST", "/admin/keypairs", Map.of("userId", "alice@east.example", "rateLimit", 3)));
    Key limited =
        new Key(issued.json().get("accessKey").asText(), issued.json().get("secretKey").asText());
    for (int remaining = 2; remaining >= 0; remaining--) {
      Reply reply = expect(200, as(limited, "GET", "/session", null));
      assertEquals("3", reply.header("X-RateLimit-Limit"));
      assertEquals(String.valueOf(remaining), reply.header("X-RateLimit-Remaining"));
      assertEquals(String.valueOf(RATE_WINDOW_SECONDS), reply.header("X-RateLimit-Window"));
    }
    Reply refused = as(limited, "GET", "/session", null);
    assertEquals(429, refused.status(), refused.body());
    assertEquals(
        "https://api.backend.ai/probs/too-many-requests", refused.json().get("type").asText());
    assertEquals("0", refused.header("X-RateLimit-Remaining"));
    assertNotNull(refused.header("Retry-After"));

    // A request signed with the wrong secret does not use up the keypair's quota.
    Reply forged =
        HTTP.send("GET", "/session", null, limited.accessKey, limited.secretKey, "wrong");
    assertEquals(401, forged.status());

    IT.waitFor(
        "the rate limit window to pass",
        Duration.ofSeconds(RATE_WINDOW_SECONDS * 3L),
        () -> as(limited, "GET", "/session", null).status() == 200);
  }

  @Test
  @Order(6)
  void concurrentSessionLimitRefusesTheThird() throws Exception {
    expect(
        201,
        asAdmin(
            "POST",
            "/admin/resource-policies",
            Map.of("name", "it-two", "maxConcurrentSessions", 2)));
    Key two = createUserWithKey("erin@east.example", "it-east", "lab", "user", "it-two");
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Reply created = createSession(two, "erin-" + i);
      assertEquals(201, created.status(), created.body());
      sessions.add(created.json().get("sessionId").asText());
    }
    Reply third = createSession(two, "erin-2");
    assertEquals(412, third.status(), third.body());
    assertEquals("https://api.backend.ai/probs/quota-exceeded", third.json().get("type").asText());
    String detail = third.json().get("detail").asText();
    assertTrue(detail.contains("maxConcurrentSessions"), detail);
    assertTrue(detail.contains("it-two"), detail);

    // Once one ends, a new one is accepted.
    expect(200, as(two, "DELETE", "/session/" + sessions.get(0), null));
    waitForStatus(two, sessions.get(0), "TERMINATED", "CANCELLED");
    Reply fourth = createSession(two, "erin-3");
    assertEquals(201, fourth.status(), fourth.body());
    sessions.add(fourth.json().get("sessionId").asText());
    for (String id : sessions.subList(1, sessions.size())) {
      expect(200, as(two, "DELETE", "/session/" + id, null));
    }
  }

  @Test
  @Order(7)
  void idleSessionIsTerminatedWithItsReason() throws Exception {
    expect(
        201,
        asAdmin("POST", "/admin/resource-policies", Map.of("name", "it-idle", "idleTimeout", 10)));
    Key idle = createUserWithKey("frank@west.example", "it-west", "lab", "user", "it-idle");
    String session = createRunningSession(idle, "frank-idle");
    String kernelId = as(idle, "GET", "/session/" + session, null).json().get("kernelId").asText();
    // Activity resets the idle clock.
    Thread.sleep(4_000);
    expect(200, as(idle, "POST", "/session/" + session, Map.of("code", "print(3)")));
    Thread.sleep(6_000);
    assertEquals(
        "RUNNING", as(idle, "GET", "/session/" + session, null).json().get("status").asText());

    JsonNode ended = waitForStatus(idle, session, "TERMINATED");
    String info = ended.get("statusInfo").asText();
    assertTrue(info.startsWith("idle-timeout"), info);
    assertTrue(info.contains("it-idle"), info);
    IT.waitFor(
        "the idle session's container to be removed",
        Duration.ofSeconds(30),
        () -> ItSupport.containersWithLabel("ai.backend.kernel-id=" + kernelId).isEmpty());
  }

  @Test
  @Order(8)
  void passwordLoginIssuesAWorkingKeypairAndIsAudited() throws Exception {
    Map<String, Object> login =
        Map.of(
            "type",
            "keypair",
            "domain",
            "it-east",
            "username",
            "alice@east.example",
            "password",
            "pw-alice@east.example");
    Reply authorized = HTTP.send("POST", "/auth/authorize", login, null, null);
    assertEquals(200, authorized.status(), authorized.body());
    JsonNode data = authorized.json().get("data");
    Key session = new Key(data.get("access_key").asText(), data.get("secret_key").asText());
    assertNotEquals(alice.accessKey, session.accessKey, "each login issues a new keypair");
    assertEquals("user", data.get("role").asText());
    assertNotNull(data.get("expires_at").asText());
    Reply mine = expect(200, as(session, "GET", "/session/" + aliceSession, null));
    assertEquals("alice-work", mine.json().get("sessionName").asText());

    Reply wrong =
        HTTP.send(
            "POST",
            "/auth/authorize",
            Map.of("username", "alice@east.example", "password", "guess"),
            null,
            null);
    Reply unknown =
        HTTP.send(
            "POST",
            "/auth/authorize",
            Map.of("username", "nobody@east.example", "password", "guess"),
            null,
            null);
    assertEquals(401, wrong.status());
    assertEquals(401, unknown.status());
    assertEquals(
        wrong.json().get("detail").asText(),
        unknown.json().get("detail").asText(),
        "a wrong password and an unknown user answer alike");

    Reply audit = expect(200, asAdmin("GET", "/admin/audit-log?limit=200", null));
    List<String> entries = new ArrayList<>();
    audit
        .json()
        .get("items")
        .forEach(
            entry ->
                entries.add(
                    entry.get("action").asText()
                        + " "
                        + entry.get("targetType").asText()
                        + " "
                        + entry.get("targetId").asText()
                        + " by "
                        + entry.get("actorEmail").asText()));
    assertTrue(
        entries.contains("create user alice@east.example by admin@backend.ai.local"),
        String.join("\n", entries));
    assertTrue(
        entries.contains("create user dave@east.example by carol@east.example"),
        String.join("\n", entries));
    assertTrue(
        entries.contains("login user alice@east.example by alice@east.example"),
        String.join("\n", entries));
    assertTrue(
        entries.contains("login-failed user alice@east.example by alice@east.example"),
        String.join("\n", entries));
    assertFalse(audit.body().contains("pw-alice"), "no password in the audit log");

    Reply carolsAudit = expect(200, as(carol, "GET", "/admin/audit-log", null));
    assertFalse(
        carolsAudit.body().contains("bob@west.example"),
        "a domain admin sees only entries of her domain");
  }

  @Test
  @Order(9)
  void deactivatedUserIsLockedOut() throws Exception {
    expect(200, asAdmin("PATCH", "/admin/users/bob@west.example", Map.of("status", "inactive")));
    Reply refused = as(bob, "GET", "/session", null);
    assertEquals(401, refused.status(), "an inactive user's keypair");
    expect(200, asAdmin("PATCH", "/admin/users/bob@west.example", Map.of("status", "active")));
    expect(200, as(bob, "GET", "/session", null));

    Reply busy = asAdmin("DELETE", "/admin/users/bob@west.example", null);
    assertEquals(409, busy.status(), "a user with a live session cannot be deleted");
    expect(200, as(bob, "DELETE", "/session/" + bobSession, null));
    waitForStatus(bob, bobSession, "TERMINATED");
    expect(204, asAdmin("DELETE", "/admin/users/bob@west.example", null));
    assertEquals(401, as(bob, "GET", "/session", null).status(), "a deleted user's keypair");
    assertEquals(404, asAdmin("GET", "/admin/users/bob@west.example", null).status());
    CLEANUP.remove(bob);
  }

  private static Reply createSession(Key key, String name) throws Exception {
    return as(
        key,
        "POST",
        "/session",
        Map.of(
            "image",
            "python",
            "name",
            name,
            "config",
            Map.of("resources", Map.of("cpu", "1", "mem", "256m"))));
  }

  private static String createRunningSession(Key key, String name) throws Exception {
    Reply[] created = new Reply[1];
    // The image is unknown until the agent's first heartbeat reports it.
    IT.waitFor(
        "the agent to report the python image",
        Duration.ofSeconds(90),
        () -> {
          created[0] = createSession(key, name);
          return created[0].status() != 404;
        });
    assertEquals(201, created[0].status(), created[0].body());
    String id = created[0].json().get("sessionId").asText();
    waitForStatus(key, id, "RUNNING");
    return id;
  }

  private static JsonNode waitForStatus(Key key, String session, String... wanted)
      throws Exception {
    JsonNode[] last = new JsonNode[1];
    List<String> statuses = List.of(wanted);
    IT.waitFor(
        "session " + session + " to become " + statuses,
        START_DEADLINE,
        () -> {
          last[0] = as(key, "GET", "/session/" + session, null).json();
          String current = last[0].get("status").asText();
          if (!statuses.contains(current)
              && (current.equals("ERROR") || current.equals("CANCELLED"))) {
            fail("session " + session + " became " + current + ": " + last[0].get("statusInfo"));
          }
          return statuses.contains(current);
        });
    return last[0];
  }

  @Test
  @Order(10)
  void presetsReportWhatIsAllocatable() throws Exception {
    expect(
        201,
        asAdmin(
            "POST",
            "/admin/resource-presets",
            Map.of("name", "it-small", "resourceSlots", Map.of("cpu", "0.5", "mem", "256m"))));
    expect(
        201,
        asAdmin(
            "POST",
            "/admin/resource-presets",
            Map.of("name", "it-huge", "resourceSlots", Map.of("cpu", "64", "mem", "1t"))));
    Reply presets = expect(200, as(alice, "GET", "/resource/presets", null));
    assertTrue(presets.body().contains("it-small"), presets.body());

    Reply check = expect(200, as(alice, "POST", "/resource/check-presets", Map.of()));
    JsonNode json = check.json();
    assertEquals("Infinity", json.get("keypair_limits").get("cpu").asText(), check.body());
    assertEquals("1", json.get("keypair_using").get("cpu").asText(), check.body());
    Map<String, Boolean> allocatable = new java.util.HashMap<>();
    json.get("presets")
        .forEach(p -> allocatable.put(p.get("name").asText(), p.get("allocatable").asBoolean()));
    assertEquals(Boolean.TRUE, allocatable.get("it-small"), check.body());
    assertEquals(Boolean.FALSE, allocatable.get("it-huge"), check.body());

    Reply userCreates =
        as(
            alice,
            "POST",
            "/admin/resource-presets",
            Map.of("name", "mine", "resourceSlots", Map.of("cpu", "1")));
    assertEquals(403, userCreates.status());
  }
}
