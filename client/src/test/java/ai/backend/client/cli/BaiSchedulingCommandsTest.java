package ai.backend.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.client.BackendClient;
import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.admin.CreatedKeyPair;
import ai.backend.client.admin.KeyPairSpec;
import ai.backend.client.admin.UserSpec;
import ai.backend.client.cli.CliHarness.Invocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bai admin scaling-group}, {@code bai admin agents}, {@code bai admin scheduler}, {@code
 * bai events} and the scaling group options of {@code bai run}.
 */
class BaiSchedulingCommandsTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration TEST_TIMEOUT = Duration.ofSeconds(20);

  private static final String ENQUEUED =
      "{\"event\":\"session_enqueued\",\"sessionId\":\"5f0c0000-0000-0000-0000-000000000001\","
          + "\"sessionName\":\"work\",\"ownerAccessKey\":\"AKIAOWNER\",\"scalingGroup\":\"default\","
          + "\"agent\":null,\"status\":\"PENDING\",\"reason\":\"waiting to be scheduled\","
          + "\"at\":\"2026-12-04T18:30:51.123+00:00\"}";
  private static final String STARTED =
      "{\"event\":\"session_started\",\"sessionId\":\"5f0c0000-0000-0000-0000-000000000001\","
          + "\"sessionName\":\"work\",\"status\":\"RUNNING\",\"reason\":null,"
          + "\"at\":\"2026-12-04T18:30:53+00:00\"}";

  @TempDir Path temp;

  private CliHarness harness;

  @BeforeEach
  void startHarness() throws IOException {
    harness = new CliHarness(temp);
  }

  @AfterEach
  void stopHarness() {
    harness.close();
  }

  private Invocation bai(String... args) {
    return harness.bai(args);
  }

  private RecordedRequest lastRequest() {
    List<RecordedRequest> requests = harness.server.requests();
    return requests.get(requests.size() - 1);
  }

  private Map<String, String> envOfNewUser(String email, String role) {
    BackendClient client = harness.sdkClient();
    client
        .admin()
        .createUser(
            email, "default", UserSpec.empty().withPassword("password-" + email).withRole(role));
    CreatedKeyPair keyPair = client.admin().createKeyPair(email, KeyPairSpec.empty());
    return Map.of(
        "BACKEND_ENDPOINT", harness.server.endpoint(),
        "BACKEND_ACCESS_KEY", keyPair.accessKey(),
        "BACKEND_SECRET_KEY", keyPair.secretKey());
  }

  private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TEST_TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void newCommandsHaveHelp() {
    for (String action : List.of("list", "create", "info", "update", "delete")) {
      Invocation result = bai("admin", "scaling-group", action, "--help");

      assertEquals(0, result.exitCode(), action);
      assertTrue(result.out().startsWith("Usage: bai admin scaling-group " + action), result.out());
    }
    for (String command : List.of("agents", "scheduler")) {
      Invocation result = bai("admin", command, "--help");

      assertEquals(0, result.exitCode(), command);
      assertTrue(result.out().startsWith("Usage: bai admin " + command), result.out());
    }
    Invocation events = bai("events", "--help");
    assertEquals(0, events.exitCode());
    assertTrue(events.out().startsWith("Usage: bai events"), events.out());
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void scalingGroupWithoutCommandListsChoices() {
    Invocation result = bai("admin", "scaling-group");

    assertEquals(2, result.exitCode());
    assertTrue(
        result.err().startsWith("bai: missing command: use list, create, info, update or delete\n"),
        result.err());
  }

  @Test
  void scalingGroupListPrintsTable() {
    harness.server.putAgent("agent-2", "LOST", "default", "2", "4294967296", "2", "4294967296");

    Invocation result = bai("admin", "scaling-group", "list");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("GET /admin/scaling-groups", lastRequest().method() + " " + lastRequest().path());
    String[] lines = result.out().split("\n");
    assertEquals(2, lines.length, result.out());
    assertTrue(
        lines[0].matches(
            "NAME +ACTIVE +SCHEDULER +AGENT SELECTION +PENDING TIMEOUT +ALIVE AGENTS +PENDING"
                + " +DESCRIPTION"),
        lines[0]);
    assertTrue(
        lines[1].matches(
            "default +yes +fifo +dispersed +none +1/2 +0 +The scaling group of agents that name"
                + " none"),
        lines[1]);
  }

  @Test
  void scalingGroupCreateSendsOptions() throws IOException {
    String groupId = harness.sdkClient().admin().listGroups("default").get(0).id();

    Invocation result =
        bai(
            "admin",
            "scaling-group",
            "create",
            "gpu",
            "--description",
            "A100 nodes",
            "--inactive",
            "--scheduler",
            "drf",
            "--agent-selection",
            "concentrated",
            "--pending-timeout",
            "600",
            "--domain",
            "default",
            "--group",
            "default",
            "--keypair",
            CliHarness.ACCESS_KEY);

    assertEquals(0, result.exitCode(), result.err());
    List<RecordedRequest> lookups = harness.server.requests("GET", "/admin/groups");
    assertEquals(2, lookups.size(), "one lookup by the test, one by the command");
    assertEquals("/admin/groups", lookups.get(1).pathAndQuery());
    RecordedRequest request = lastRequest();
    assertEquals("POST /admin/scaling-groups", request.method() + " " + request.path());
    assertEquals(
        "{\"name\":\"gpu\",\"description\":\"A100 nodes\",\"isActive\":false,"
            + "\"scheduler\":\"drf\",\"agentSelection\":\"concentrated\",\"pendingTimeout\":600,"
            + "\"domains\":[\"default\"],\"groups\":[\""
            + groupId
            + "\"],\"keypairs\":[\""
            + CliHarness.ACCESS_KEY
            + "\"]}",
        request.bodyText());
    String out = result.out();
    assertTrue(out.startsWith("Created scaling group gpu.\n"), out);
    assertTrue(out.contains("Active:           no\n"), out);
    assertTrue(out.contains("Scheduler:        drf\n"), out);
    assertTrue(out.contains("Agent selection:  concentrated\n"), out);
    assertTrue(out.contains("Pending timeout:  600 s\n"), out);
    assertTrue(out.contains("Allowed domains:  default\n"), out);
    assertTrue(out.contains("Allowed groups:   " + groupId + "\n"), out);
    assertTrue(out.contains("Allowed keypairs: " + CliHarness.ACCESS_KEY + "\n"), out);
    assertTrue(out.contains("Agents:           none\n"), out);
    assertTrue(out.contains("Pending sessions: 0\n"), out);
  }

  @Test
  void groupIdIsSentWithoutLookup() {
    String groupId = harness.sdkClient().admin().listGroups("default").get(0).id();
    int before = harness.server.requests().size();

    Invocation result = bai("admin", "scaling-group", "create", "batch", "--group", groupId);

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(before + 1, harness.server.requests().size());
    assertEquals("{\"name\":\"batch\",\"groups\":[\"" + groupId + "\"]}", lastRequest().bodyText());
  }

  @Test
  void ambiguousGroupNameIsReported() {
    BackendClient client = harness.sdkClient();
    client.admin().createDomain("research", null);
    client.admin().createGroup("default", "research", null);

    Invocation result = bai("admin", "scaling-group", "create", "batch", "--group", "default");
    Invocation missing = bai("admin", "scaling-group", "create", "batch", "--group", "ghosts");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: several groups are named 'default' (in domains default, research); give the group"
            + " id, which bai admin group list shows\n",
        result.err());
    assertEquals(1, missing.exitCode());
    assertEquals(
        "bai: no group named 'ghosts'; list them with: bai admin group list\n", missing.err());
    assertTrue(harness.server.requests("POST", "/admin/scaling-groups").isEmpty());
  }

  @Test
  void scalingGroupUpdateSendsOnlyGivenFields() {
    bai("admin", "scaling-group", "create", "batch", "--domain", "default", "--scheduler", "lifo");

    Invocation result =
        bai(
            "admin",
            "scaling-group",
            "update",
            "batch",
            "--active",
            "--clear-domains",
            "--keypair",
            CliHarness.ACCESS_KEY,
            "--pending-timeout",
            "0");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(
        "PATCH /admin/scaling-groups/batch", lastRequest().method() + " " + lastRequest().path());
    assertEquals(
        "{\"isActive\":true,\"pendingTimeout\":0,\"domains\":[],\"keypairs\":[\""
            + CliHarness.ACCESS_KEY
            + "\"]}",
        lastRequest().bodyText());
    assertTrue(result.out().startsWith("Updated scaling group batch.\n"), result.out());
    assertTrue(result.out().contains("Scheduler:        lifo\n"), result.out());
    assertTrue(result.out().contains("Allowed domains:  -\n"), result.out());
  }

  @Test
  void scalingGroupUsageErrorsSendNothing() {
    Invocation nothing = bai("admin", "scaling-group", "update", "default");
    Invocation both =
        bai("admin", "scaling-group", "update", "default", "--domain", "a", "--clear-domains");
    Invocation negative = bai("admin", "scaling-group", "create", "x", "--pending-timeout", "-5");
    Invocation empty = bai("admin", "scaling-group", "create", "x", "--keypair", " ");

    assertEquals(2, nothing.exitCode());
    assertTrue(nothing.err().startsWith("bai: nothing to update"), nothing.err());
    assertEquals(2, both.exitCode());
    assertTrue(
        both.err().startsWith("bai: give either --domain or --clear-domains, not both"),
        both.err());
    assertEquals(2, negative.exitCode());
    assertTrue(
        negative.err().contains("'--pending-timeout': it must be 0 or more"), negative.err());
    assertEquals(2, empty.exitCode());
    assertTrue(empty.err().startsWith("bai: the value of --keypair is empty"), empty.err());
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void scalingGroupInfoCountsAgents() throws IOException {
    harness.server.putAgent("agent-2", "LOST", "default", "2", "4294967296", "2", "4294967296");
    harness.sdkClient().createSession(ai.backend.client.SessionSpec.of("python"));

    Invocation text = bai("admin", "scaling-group", "info", "default");
    Invocation json = bai("admin", "scaling-group", "info", "default", "--json");

    assertEquals(0, text.exitCode(), text.err());
    assertTrue(text.out().contains("Agents:           2 (1 ALIVE, 1 LOST)\n"), text.out());
    assertTrue(text.out().contains("Pending sessions: 1\n"), text.out());
    assertTrue(text.out().contains("Pending timeout:  none\n"), text.out());
    assertEquals(0, json.exitCode(), json.err());
    JsonNode group = MAPPER.readTree(json.out());
    assertEquals("default", group.get("name").asText());
    assertTrue(group.get("isActive").asBoolean());
    assertEquals("agent-2", group.get("agents").get(1).get("id").asText());
    assertEquals("LOST", group.get("agents").get(1).get("status").asText());
    assertEquals(1, group.get("pendingSessions").asInt());
  }

  @Test
  void scalingGroupErrorsArePrinted() {
    Invocation invalid = bai("admin", "scaling-group", "create", "x", "--scheduler", "random");
    Invocation missing = bai("admin", "scaling-group", "info", "nowhere");
    Invocation taken = bai("admin", "scaling-group", "create", "default");
    Invocation inUse = bai("admin", "scaling-group", "delete", "default");
    Invocation forbidden =
        harness.baiWithEnv(
            envOfNewUser("ann@example.com", "admin"),
            "",
            "admin",
            "scaling-group",
            "delete",
            "default");

    assertEquals(1, invalid.exitCode());
    assertEquals(
        "bai: Invalid API parameters: invalid scheduler 'random': use fifo, lifo or drf"
            + " (HTTP 400, invalid-api-params)\n",
        invalid.err());
    assertEquals(1, missing.exitCode());
    assertEquals(
        "bai: Object not found: no scaling group nowhere (HTTP 404, object-not-found)\n",
        missing.err());
    assertEquals(1, taken.exitCode());
    assertEquals(
        "bai: Conflict: scaling group 'default' already exists (HTTP 409, conflict)\n",
        taken.err());
    assertEquals(1, inUse.exitCode());
    assertEquals(
        "bai: Conflict: the scaling group 'default' cannot be deleted (HTTP 409, conflict)\n",
        inUse.err());
    assertEquals(1, forbidden.exitCode());
    assertEquals(
        "bai: Forbidden: only a superadmin may change scaling-groups (HTTP 403, forbidden)\n",
        forbidden.err());
  }

  @Test
  void scalingGroupDeleteWithAgentsIsConflict() {
    bai("admin", "scaling-group", "create", "batch");
    harness.server.putAgent("agent-9", "ALIVE", "batch", "2", "4294967296", "2", "4294967296");

    Invocation result = bai("admin", "scaling-group", "delete", "batch");

    assertEquals(1, result.exitCode());
    assertTrue(
        result.err().startsWith("bai: Conflict: scaling group 'batch' still has 1 agents and 0"),
        result.err());
  }

  @Test
  void scalingGroupDeletePrintsName() {
    bai("admin", "scaling-group", "create", "scratch");

    Invocation result = bai("admin", "scaling-group", "delete", "scratch");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("Deleted scaling group scratch.\n", result.out());
    assertEquals(
        "DELETE /admin/scaling-groups/scratch",
        lastRequest().method() + " " + lastRequest().path());
  }

  @Test
  void agentsPrintsFreeAndTotal() {
    harness.server.putAgent("agent-0", "LOST", "batch", "8", "17179869184", "6.5", "1610612736");

    Invocation result = bai("admin", "agents");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("GET /admin/agents", lastRequest().method() + " " + lastRequest().path());
    String[] lines = result.out().split("\n");
    assertEquals(3, lines.length, result.out());
    assertTrue(
        lines[0].matches(
            "ID +STATUS +SCALING GROUP +CPU FREE/TOTAL +MEM FREE/TOTAL +LAST HEARTBEAT"),
        lines[0]);
    assertTrue(
        lines[1].matches("agent-0 +LOST +batch +6.5/8 +1.5 GiB/16 GiB +\\d{4}-\\S+"), lines[1]);
    assertTrue(
        lines[2].matches("agent-1 +ALIVE +default +3/4 +7 GiB/8 GiB +\\d{4}-\\S+"), lines[2]);
  }

  @Test
  void agentsFilterByScalingGroup() throws IOException {
    harness.server.putAgent("agent-0", "LOST", "batch", "8", "17179869184", "8", "17179869184");

    Invocation filtered = bai("admin", "agents", "-g", "batch", "--json");
    Invocation none = bai("admin", "agents", "--scaling-group", "gpu");

    assertEquals(0, filtered.exitCode(), filtered.err());
    JsonNode agents = MAPPER.readTree(filtered.out());
    assertEquals(1, agents.size());
    assertEquals("agent-0", agents.get(0).get("id").asText());
    assertEquals("17179869184", agents.get(0).get("availableSlots").get("mem").asText());
    assertEquals("No agents in scaling group gpu.\n", none.out());
  }

  @Test
  void agentsNeedSuperadmin() {
    Invocation result =
        harness.baiWithEnv(envOfNewUser("bo@example.com", "admin"), "", "admin", "agents");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Forbidden: only a superadmin may read agents (HTTP 403, forbidden)\n", result.err());
  }

  @Test
  void binaryAmountsAreReadable() {
    assertEquals("0 B", AdminAgentsCommand.formatBinary("0"));
    assertEquals("1000 B", AdminAgentsCommand.formatBinary("1000"));
    assertEquals("1 KiB", AdminAgentsCommand.formatBinary("1024"));
    assertEquals("512 MiB", AdminAgentsCommand.formatBinary("536870912"));
    assertEquals("18.8 GiB", AdminAgentsCommand.formatBinary("20185000000"));
    assertEquals("2 TiB", AdminAgentsCommand.formatBinary("2199023255552"));
    assertEquals("Infinity", AdminAgentsCommand.formatBinary("Infinity"));
    assertEquals("2", AdminAgentsCommand.formatAmount("2.000"));
    assertEquals("0.5", AdminAgentsCommand.formatAmount("0.50"));
  }

  @Test
  void schedulerPrintsTotals() throws IOException {
    harness.server.setSchedulerMetrics(
        "{\"passes\": 8, \"placed\": 40, \"pendingTimeouts\": 2, \"passMillis\": 100,"
            + " \"statements\": 220, \"statementsPerPlacement\": 5.5}");

    Invocation text = bai("admin", "scheduler");
    Invocation json = bai("admin", "scheduler", "--json");

    assertEquals(0, text.exitCode(), text.err());
    assertEquals(
        "Passes:                   8\n"
            + "Sessions placed:          40\n"
            + "Pending timeouts:         2\n"
            + "Time in passes:           100 ms\n"
            + "Time per pass:            12.5 ms\n"
            + "SQL statements:           220\n"
            + "Statements per placement: 5.5\n",
        text.out());
    assertEquals(5.5, MAPPER.readTree(json.out()).get("statementsPerPlacement").asDouble());
    assertEquals("GET /admin/scheduler", lastRequest().method() + " " + lastRequest().path());
  }

  @Test
  void schedulerWithoutPassesPrintsDashes() {
    Invocation result = bai("admin", "scheduler");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("Time per pass:            -\n"), result.out());
    assertTrue(result.out().contains("Statements per placement: -\n"), result.out());
  }

  @Test
  void runSendsScalingGroupAndMaxWait() {
    Invocation result =
        bai("run", "python", "--scaling-group", "default", "--max-wait", "60", "-c", "print(1)");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode body = harness.server.requests("POST", "/session").get(0).json();
    assertEquals("default", body.get("scalingGroup").asText());
    assertEquals(60, body.get("maxWaitSeconds").asInt());
    assertFalse(body.has("enqueueOnly"));
  }

  @Test
  void runInUnknownScalingGroupFails() {
    Invocation result = bai("run", "python", "--scaling-group", "gpu", "-c", "print(1)");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Invalid API parameters: scaling group 'gpu' is not allowed for this keypair, its"
            + " group or its domain; allowed: [default] (HTTP 400, invalid-api-params)\n",
        result.err());
    assertEquals(List.of("POST /session"), harness.requestLines());
  }

  @Test
  void runMaxWaitErrorsArePrinted() {
    Invocation negative = bai("run", "python", "--max-wait", "-1", "-c", "print(1)");
    Invocation tooLong = bai("run", "python", "--max-wait", "301", "-c", "print(1)");

    assertEquals(2, negative.exitCode());
    assertTrue(negative.err().contains("'--max-wait': it must be 0 or more"), negative.err());
    assertEquals(1, tooLong.exitCode());
    assertEquals(
        "bai: Invalid API parameters: maxWaitSeconds 301 is out of range: use 0 to 300"
            + " (HTTP 400, invalid-api-params)\n",
        tooLong.err());
  }

  @Test
  void eventsPrintsOneLinePerEvent() {
    harness.server.setEventStream(
        Duration.ofMillis(20),
        true,
        ": connected\n\n",
        "event: session_enqueued\ndata: " + ENQUEUED + "\n\n",
        "event: session_started\ndata: " + STARTED.substring(0, 40),
        STARTED.substring(40) + "\n\n");

    Invocation result = bai("events");

    assertEquals(1, result.exitCode());
    assertEquals(
        "2026-12-04T18:30:51Z session_enqueued work (5f0c0000-0000-0000-0000-000000000001)"
            + " PENDING: waiting to be scheduled\n"
            + "2026-12-04T18:30:53Z session_started work (5f0c0000-0000-0000-0000-000000000001)"
            + " RUNNING\n",
        result.out());
    assertEquals(
        "bai: the manager at " + harness.server.endpoint() + " ended the event stream\n",
        result.err());
    RecordedRequest request = lastRequest();
    assertEquals("/events/session", request.pathAndQuery());
    assertEquals("text/event-stream", request.header("Accept"));
  }

  @Test
  void eventsJsonPrintsEachObjectOnOneLine() throws IOException {
    harness.server.setEventStream(
        Duration.ZERO,
        true,
        "event: session_enqueued\ndata: " + ENQUEUED + "\n\n",
        "event: session_started\ndata: {\"sessionId\": \"s2\",\ndata:  \"status\": \"RUNNING\"}\n\n");

    Invocation result = bai("events", "--json");

    String[] lines = result.out().split("\n");
    assertEquals(2, lines.length, result.out());
    assertEquals(ENQUEUED, lines[0]);
    assertEquals("{\"sessionId\":\"s2\",\"status\":\"RUNNING\"}", lines[1]);
    assertEquals("session_enqueued", MAPPER.readTree(lines[0]).get("event").asText());
  }

  @Test
  void eventsFollowOneSession() {
    harness.sdkClient().createSession(ai.backend.client.SessionSpec.of("python").withName("work"));
    harness.server.setEventStream(Duration.ZERO, true);

    Invocation found = bai("events", "work");
    Invocation missing = bai("events", "ghost");

    assertEquals(1, found.exitCode());
    assertEquals("name=work", harness.server.requests("GET", "/events/session").get(0).query());
    assertEquals(1, missing.exitCode());
    assertEquals(
        "bai: No such session: no session 'ghost' among the caller's sessions"
            + " (HTTP 404, session-not-found)\n",
        missing.err());
  }

  @Test
  void ctrlCStopsEvents() throws Exception {
    harness.server.setEventStream(Duration.ZERO, false, "data: " + ENQUEUED + "\n\n");
    StringWriter output = new StringWriter();

    CompletableFuture<Invocation> running =
        CompletableFuture.supplyAsync(() -> harness.baiMerged(output, "events"));
    waitFor(
        () -> harness.ctrlC.installed() && output.toString().contains("session_enqueued"),
        "the first event");
    harness.ctrlC.press();
    Invocation result = running.get(TEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS);

    assertEquals(130, result.exitCode(), result.out());
    assertEquals(
        "2026-12-04T18:30:51Z session_enqueued work (5f0c0000-0000-0000-0000-000000000001)"
            + " PENDING: waiting to be scheduled\n",
        result.out());
    assertFalse(harness.ctrlC.installed());
    waitFor(() -> harness.server.openEventStreams() == 0, "the server to see the stream closed");
  }

  @Test
  void closedOutputStopsEvents() throws Exception {
    harness.server.setEventStream(Duration.ZERO, false, "data: " + ENQUEUED + "\n\n");
    Writer closedPipe =
        new Writer() {
          @Override
          public void write(char[] buffer, int offset, int length) throws IOException {
            throw new IOException("Broken pipe");
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    StringWriter err = new StringWriter();

    int exitCode =
        assertTimeoutPreemptively(
            TEST_TIMEOUT,
            () ->
                BaiCommand.execute(
                    new String[] {"events"},
                    harness.context(""),
                    new PrintWriter(closedPipe),
                    new PrintWriter(err)));

    assertEquals(1, exitCode);
    assertEquals("", err.toString());
    waitFor(() -> harness.server.openEventStreams() == 0, "the server to see the stream closed");
  }
}
