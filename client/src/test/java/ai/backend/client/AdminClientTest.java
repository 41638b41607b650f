package ai.backend.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.FakeManagerServer.Response;
import ai.backend.client.admin.Agent;
import ai.backend.client.admin.AuditLogEntry;
import ai.backend.client.admin.CreatedKeyPair;
import ai.backend.client.admin.Domain;
import ai.backend.client.admin.DomainSpec;
import ai.backend.client.admin.Group;
import ai.backend.client.admin.GroupSpec;
import ai.backend.client.admin.KeyPair;
import ai.backend.client.admin.KeyPairSpec;
import ai.backend.client.admin.ResourcePolicy;
import ai.backend.client.admin.ResourcePolicySpec;
import ai.backend.client.admin.ScalingGroup;
import ai.backend.client.admin.ScalingGroupSpec;
import ai.backend.client.admin.SchedulerMetrics;
import ai.backend.client.admin.User;
import ai.backend.client.admin.UserSpec;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminClientTest {

  private static final String ACCESS_KEY = "AKIAADMINTEST0000001";
  private static final String SECRET_KEY = "admin-test-secret";

  private FakeManagerServer server;
  private AdminClient admin;

  @BeforeEach
  void startServer() throws IOException {
    server = FakeManagerServer.start(ACCESS_KEY, SECRET_KEY);
    admin =
        new BackendClient(BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY))
            .admin();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private RecordedRequest lastRequest() {
    List<RecordedRequest> requests = server.requests();
    return requests.get(requests.size() - 1);
  }

  @Test
  void createDomainSendsNameAndGivenFields() {
    Domain domain =
        admin.createDomain(
            "research",
            DomainSpec.empty()
                .withDescription("Research")
                .withTotalResourceSlots(Map.of("cpu", "8")));

    RecordedRequest request = lastRequest();
    assertEquals("POST", request.method());
    assertEquals("/admin/domains", request.pathAndQuery());
    assertTrue(request.signatureValid());
    assertEquals(
        "{\"name\":\"research\",\"description\":\"Research\",\"totalResourceSlots\":{\"cpu\":\"8\"}}",
        request.bodyText());
    assertEquals("research", domain.name());
    assertEquals(Boolean.TRUE, domain.isActive());
    assertEquals(Map.of("cpu", "8"), domain.totalResourceSlots());
    assertNotNull(domain.createdAt());
  }

  @Test
  void updateDomainPatchesOnlyGivenFields() {
    admin.createDomain("research", DomainSpec.empty().withDescription("Research"));

    Domain updated = admin.updateDomain("research", DomainSpec.empty().withActive(false));

    RecordedRequest request = lastRequest();
    assertEquals("PATCH", request.method());
    assertEquals("/admin/domains/research", request.path());
    assertEquals("{\"isActive\":false}", request.bodyText());
    assertEquals(Boolean.FALSE, updated.isActive());
    assertEquals("Research", updated.description());
  }

  @Test
  void listGetAndDeleteDomain() {
    admin.createDomain("research", DomainSpec.empty());

    List<Domain> domains = admin.listDomains();
    Domain fetched = admin.getDomain("research");
    admin.deleteDomain("research");

    assertEquals(List.of("default", "research"), domains.stream().map(Domain::name).toList());
    assertEquals("research", fetched.name());
    assertEquals("DELETE", lastRequest().method());
    assertEquals("/admin/domains/research", lastRequest().path());
    BackendApiException missing =
        assertThrows(BackendApiException.class, () -> admin.getDomain("research"));
    assertEquals(404, missing.status());
    assertEquals("object-not-found", missing.kind());
  }

  @Test
  void deleteDomainInUseIsConflict() {
    BackendApiException conflict =
        assertThrows(BackendApiException.class, () -> admin.deleteDomain("default"));

    assertEquals(409, conflict.status());
    assertEquals("conflict", conflict.kind());
    assertTrue(conflict.detail().contains("has users or groups"), conflict.detail());
  }

  @Test
  void listAcceptsBareArray() {
    server.enqueue(
        "GET",
        "/admin/domains",
        Response.json(200, "[{\"name\": \"x\", \"isActive\": true, \"totalResourceSlots\": {}}]"));

    List<Domain> domains = admin.listDomains();

    assertEquals(1, domains.size());
    assertEquals("x", domains.get(0).name());
  }

  @Test
  void listWithoutItemsIsReported() {
    server.enqueue("GET", "/admin/domains", Response.json(200, "{\"domains\": []}"));

    BackendClientException error =
        assertThrows(BackendClientException.class, () -> admin.listDomains());

    assertTrue(error.getMessage().contains("the 'items' list is missing"), error.getMessage());
  }

  @Test
  void emptyIdentifierSendsNothing() {
    assertThrows(IllegalArgumentException.class, () -> admin.getDomain(" "));
    assertThrows(IllegalArgumentException.class, () -> admin.deleteUser(""));
    assertThrows(IllegalArgumentException.class, () -> admin.getKeyPair(null));

    assertTrue(server.requests().isEmpty());
  }

  @Test
  void invalidGroupNameIsRejectedByManager() {
    BackendApiException error =
        assertThrows(
            BackendApiException.class,
            () -> admin.createGroup("ml team", "default", GroupSpec.empty()));

    assertEquals(400, error.status());
    assertEquals("invalid-api-params", error.kind());
  }

  @Test
  void groupCallsUseIdAndDomainQuery() {
    Group group = admin.createGroup("ml-team", "default", GroupSpec.empty().withDescription("ML"));

    List<Group> groups = admin.listGroups("default");
    Group updated = admin.updateGroup(group.id(), GroupSpec.empty().withDescription("ML team"));
    admin.deleteGroup(group.id());

    assertEquals(
        "{\"name\":\"ml-team\",\"domain\":\"default\",\"description\":\"ML\"}",
        server.requests("POST", "/admin/groups").get(0).bodyText());
    assertEquals(
        "/admin/groups?domain=default",
        server.requests("GET", "/admin/groups").get(0).pathAndQuery());
    assertEquals(List.of("default", "ml-team"), groups.stream().map(Group::name).toList());
    assertEquals("ML team", updated.description());
    assertEquals("/admin/groups/" + group.id(), lastRequest().path());
  }

  @Test
  void createUserSendsPasswordOnlyInBody() {
    String password = "correct horse battery";

    User user =
        admin.createUser(
            "alice+ml@example.com",
            "default",
            UserSpec.empty()
                .withPassword(password)
                .withRole("admin")
                .withGroups(List.of("default")));

    RecordedRequest request = lastRequest();
    JsonNode body = request.json();
    assertEquals("alice+ml@example.com", body.get("email").asText());
    assertEquals("default", body.get("domain").asText());
    assertEquals(password, body.get("password").asText());
    assertEquals("admin", body.get("role").asText());
    assertEquals("[\"default\"]", body.get("groups").toString());
    assertFalse(body.has("username"));
    assertEquals("alice+ml@example.com", user.email());
    assertEquals("admin", user.role());
    assertEquals("default", user.groups().get(0).name());
    assertFalse(UserSpec.empty().withPassword(password).toString().contains(password));
  }

  @Test
  void userPathEncodesEmail() {
    admin.createUser("alice+ml@example.com", "default", UserSpec.empty().withPassword("12345678"));

    User fetched = admin.getUser("alice+ml@example.com");

    assertEquals("/admin/users/alice%2Bml%40example.com", lastRequest().path());
    assertTrue(lastRequest().signatureValid());
    assertEquals("alice+ml@example.com", fetched.email());
    assertEquals(fetched.uuid(), admin.getUser(fetched.uuid()).uuid());
  }

  @Test
  void listUsersSendsFilters() {
    admin.listUsers("default", "0f6e3c1a-0000-4000-8000-000000000000", "active");

    assertEquals(
        "/admin/users?domain=default&group=0f6e3c1a-0000-4000-8000-000000000000&status=active",
        lastRequest().pathAndQuery());
  }

  @Test
  void updateUserPatchesOnlyGivenFields() {
    admin.createUser("bob@example.com", "default", UserSpec.empty().withPassword("12345678"));

    User updated = admin.updateUser("bob@example.com", UserSpec.empty().withStatus("inactive"));

    assertEquals("{\"status\":\"inactive\"}", lastRequest().bodyText());
    assertEquals("inactive", updated.status());
  }

  @Test
  void shortPasswordIsRejectedByManager() {
    BackendApiException error =
        assertThrows(
            BackendApiException.class,
            () ->
                admin.createUser(
                    "carol@example.com", "default", UserSpec.empty().withPassword("short")));

    assertEquals(400, error.status());
    assertEquals("invalid-api-params", error.kind());
  }

  @Test
  void createdKeyPairSignsRequests() {
    admin.createUser("dave@example.com", "default", UserSpec.empty().withPassword("12345678"));

    CreatedKeyPair created =
        admin.createKeyPair("dave@example.com", KeyPairSpec.empty().withRateLimit(50));

    assertEquals("{\"userId\":\"dave@example.com\",\"rateLimit\":50}", lastRequest().bodyText());
    assertEquals(50, created.keyPair().rateLimit());
    assertEquals("dave@example.com", created.keyPair().userId());
    assertFalse(created.toString().contains(created.secretKey()));
    BackendClient dave =
        new BackendClient(
            BackendClientConfig.of(server.endpoint(), created.accessKey(), created.secretKey()));
    assertEquals(0, dave.listSessions().items().size());
    BackendApiException forbidden =
        assertThrows(BackendApiException.class, () -> dave.admin().listDomains());
    assertEquals(403, forbidden.status());
    assertEquals("forbidden", forbidden.kind());
  }

  @Test
  void deactivatedKeyPairIsRejected() {
    admin.createUser("erin@example.com", "default", UserSpec.empty().withPassword("12345678"));
    CreatedKeyPair created = admin.createKeyPair("erin@example.com", KeyPairSpec.empty());

    KeyPair updated =
        admin.updateKeyPair(created.accessKey(), KeyPairSpec.empty().withActive(false));

    assertEquals("{\"isActive\":false}", lastRequest().bodyText());
    assertEquals(Boolean.FALSE, updated.isActive());
    BackendClient erin =
        new BackendClient(
            BackendClientConfig.of(server.endpoint(), created.accessKey(), created.secretKey()));
    assertEquals(401, assertThrows(BackendApiException.class, erin::listSessions).status());
  }

  @Test
  void keyPairListAndDelete() {
    admin.createUser("frank@example.com", "default", UserSpec.empty().withPassword("12345678"));
    CreatedKeyPair created = admin.createKeyPair("frank@example.com", KeyPairSpec.empty());

    List<KeyPair> listed = admin.listKeyPairs("frank@example.com");
    admin.deleteKeyPair(created.accessKey());

    assertEquals(
        "/admin/keypairs?user=frank%40example.com",
        server.requests("GET", "/admin/keypairs").get(0).pathAndQuery());
    assertEquals(List.of(created.accessKey()), listed.stream().map(KeyPair::accessKey).toList());
    assertEquals(
        404,
        assertThrows(BackendApiException.class, () -> admin.getKeyPair(created.accessKey()))
            .status());
  }

  @Test
  void createKeyPairWithoutSecretIsReported() {
    server.enqueue(
        "POST",
        "/admin/keypairs",
        Response.json(201, "{\"accessKey\": \"AKIAX\", \"userId\": \"x\"}"));

    BackendClientException error =
        assertThrows(
            BackendClientException.class, () -> admin.createKeyPair("x@example.com", null));

    assertTrue(error.getMessage().contains("'secretKey'"), error.getMessage());
  }

  @Test
  void resourcePolicyCallsSendGivenFields() {
    ResourcePolicy created =
        admin.createResourcePolicy(
            "small",
            ResourcePolicySpec.empty()
                .withTotalResourceSlots(Map.of("cpu", "2", "mem", "4g"))
                .withMaxConcurrentSessions(2)
                .withIdleTimeout(600L));

    JsonNode body = server.requests("POST", "/admin/resource-policies").get(0).json();
    assertEquals("small", body.get("name").asText());
    assertEquals(2, body.get("maxConcurrentSessions").asInt());
    assertEquals(600, body.get("idleTimeout").asLong());
    assertFalse(body.has("maxSessionLifetime"));
    assertFalse(body.has("defaultForUnspecified"));
    assertEquals(2, created.maxConcurrentSessions());
    assertEquals(1, created.maxContainersPerSession());
    assertEquals("UNLIMITED", created.defaultForUnspecified());

    ResourcePolicy updated =
        admin.updateResourcePolicy(
            "small", ResourcePolicySpec.empty().withMaxSessionLifetime(3600L));
    assertEquals("{\"maxSessionLifetime\":3600}", lastRequest().bodyText());
    assertEquals(3600L, updated.maxSessionLifetime());
    assertEquals(600L, updated.idleTimeout());
    assertEquals("small", admin.getResourcePolicy("small").name());
    assertEquals(2, admin.listResourcePolicies().size());
  }

  @Test
  void policyInUseIsConflict() {
    BackendApiException conflict =
        assertThrows(BackendApiException.class, () -> admin.deleteResourcePolicy("default"));

    assertEquals(409, conflict.status());
    assertTrue(conflict.detail().contains("used by"), conflict.detail());
  }

  @Test
  void resourcePresetCalls() {
    ResourcePreset created = admin.createResourcePreset("small", Map.of("cpu", "1", "mem", "1g"));
    ResourcePreset updated = admin.updateResourcePreset("small", Map.of("cpu", "2"));

    JsonNode body = server.requests("POST", "/admin/resource-presets").get(0).json();
    assertEquals("small", body.get("name").asText());
    assertEquals(2, body.get("resourceSlots").size());
    assertEquals("1", body.get("resourceSlots").get("cpu").asText());
    assertEquals("1g", body.get("resourceSlots").get("mem").asText());
    assertEquals("{\"resourceSlots\":{\"cpu\":\"2\"}}", lastRequest().bodyText());
    assertEquals("PATCH", lastRequest().method());
    assertEquals(Map.of("cpu", "1", "mem", "1g"), created.resourceSlots());
    assertEquals(Map.of("cpu", "2"), updated.resourceSlots());
    assertEquals(
        List.of("small"), admin.listResourcePresets().stream().map(ResourcePreset::name).toList());
    admin.deleteResourcePreset("small");
    assertEquals("DELETE", lastRequest().method());
    assertThrows(IllegalArgumentException.class, () -> admin.createResourcePreset("x", Map.of()));
  }

  @Test
  void auditLogSendsLimitAndBefore() {
    admin.createDomain("one", DomainSpec.empty());
    admin.createDomain("two", DomainSpec.empty().withDescription("second"));
    admin.deleteDomain("one");

    List<AuditLogEntry> newest = admin.auditLog(2, null);
    List<AuditLogEntry> older = admin.auditLog(null, newest.get(1).id());

    assertEquals(
        "/admin/audit-log?limit=2",
        server.requests("GET", "/admin/audit-log").get(0).pathAndQuery());
    assertEquals(
        "/admin/audit-log?before=" + newest.get(1).id(),
        server.requests("GET", "/admin/audit-log").get(1).pathAndQuery());
    assertEquals(List.of("delete", "create"), newest.stream().map(AuditLogEntry::action).toList());
    assertEquals("two", newest.get(1).targetId());
    assertEquals("name, description", newest.get(1).detailText());
    assertEquals(FakeAdminApi.ADMIN_EMAIL, newest.get(0).actorEmail());
    assertEquals(List.of("one"), older.stream().map(AuditLogEntry::targetId).toList());
    assertThrows(IllegalArgumentException.class, () -> admin.auditLog(0, null));
  }

  @Test
  void auditDetailKeepsJson() {
    server.enqueue(
        "GET",
        "/admin/audit-log",
        Response.json(
            200,
            "{\"items\": [{\"id\": 7, \"action\": \"update\", \"detail\": {\"fields\": [\"a\"]}},"
                + " {\"id\": 6, \"action\": \"delete\"}]}"));

    List<AuditLogEntry> entries = admin.auditLog(null, null);

    assertEquals("7", entries.get(0).id());
    assertEquals("{\"fields\":[\"a\"]}", entries.get(0).detailText());
    assertNull(entries.get(1).detailText());
  }

  @Test
  void createScalingGroupSendsGivenFields() {
    String groupId = admin.listGroups("default").get(0).id();

    ScalingGroup group =
        admin.createScalingGroup(
            "gpu-a100",
            ScalingGroupSpec.empty()
                .withScheduler("drf")
                .withAgentSelection("concentrated")
                .withPendingTimeout(600)
                .withDomains(List.of("default"))
                .withGroups(List.of(groupId))
                .withKeypairs(List.of(ACCESS_KEY)));

    RecordedRequest request = lastRequest();
    assertEquals("POST /admin/scaling-groups", request.method() + " " + request.pathAndQuery());
    assertTrue(request.signatureValid());
    assertEquals(
        "{\"name\":\"gpu-a100\",\"scheduler\":\"drf\",\"agentSelection\":\"concentrated\","
            + "\"pendingTimeout\":600,\"domains\":[\"default\"],\"groups\":[\""
            + groupId
            + "\"],\"keypairs\":[\""
            + ACCESS_KEY
            + "\"]}",
        request.bodyText());
    assertEquals("gpu-a100", group.name());
    assertEquals(Boolean.TRUE, group.isActive());
    assertEquals("drf", group.scheduler());
    assertEquals("concentrated", group.agentSelection());
    assertEquals(600, group.pendingTimeout());
    assertEquals(List.of("default"), group.domains());
    assertEquals(List.of(groupId), group.groups());
    assertEquals(List.of(ACCESS_KEY), group.keypairs());
    assertEquals(List.of(), group.agents());
    assertEquals(0L, group.pendingSessions());
    assertNotNull(group.createdAt());
  }

  @Test
  void updateScalingGroupSendsOnlyGivenFields() {
    admin.createScalingGroup("batch", ScalingGroupSpec.empty().withDomains(List.of("default")));

    ScalingGroup updated =
        admin.updateScalingGroup(
            "batch", ScalingGroupSpec.empty().withActive(false).withDomains(List.of()));

    assertEquals(
        "PATCH /admin/scaling-groups/batch", lastRequest().method() + " " + lastRequest().path());
    assertEquals("{\"isActive\":false,\"domains\":[]}", lastRequest().bodyText());
    assertEquals(Boolean.FALSE, updated.isActive());
    assertEquals(List.of(), updated.domains());
    assertEquals("fifo", updated.scheduler());
  }

  @Test
  void getScalingGroupHasAgentsAndPendingCount() {
    server.putAgent("agent-2", "LOST", "default", "2", "4294967296", "2", "4294967296");
    new BackendClient(BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY))
        .createSession(SessionSpec.of("python"));

    ScalingGroup group = admin.getScalingGroup("default");
    List<ScalingGroup> all = admin.listScalingGroups();

    assertEquals(
        "/admin/scaling-groups/default",
        server.requests("GET", "/admin/scaling-groups/").get(0).path());
    assertEquals(
        List.of(
            new ScalingGroup.AgentStatus("agent-1", "ALIVE"),
            new ScalingGroup.AgentStatus("agent-2", "LOST")),
        group.agents());
    assertEquals(1L, group.pendingSessions());
    assertEquals(List.of("default"), all.stream().map(ScalingGroup::name).toList());
  }

  @Test
  void scalingGroupErrorsAreApiExceptions() {
    BackendApiException missing =
        assertThrows(BackendApiException.class, () -> admin.getScalingGroup("nowhere"));
    BackendApiException inUse =
        assertThrows(BackendApiException.class, () -> admin.deleteScalingGroup("default"));
    BackendApiException invalid =
        assertThrows(
            BackendApiException.class,
            () -> admin.createScalingGroup("x", ScalingGroupSpec.empty().withScheduler("random")));

    assertEquals(404, missing.status());
    assertEquals("object-not-found", missing.kind());
    assertEquals(409, inUse.status());
    assertEquals(400, invalid.status());
    assertTrue(invalid.getMessage().contains("use fifo, lifo or drf"), invalid.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> admin.createScalingGroup(" ", ScalingGroupSpec.empty()));
  }

  @Test
  void listAgentsParsesSlotsAndTimes() {
    server.putAgent("agent-0", "LOST", "batch", "8", "17179869184", "8", "17179869184");

    List<Agent> agents = admin.listAgents();

    assertEquals("GET /admin/agents", lastRequest().method() + " " + lastRequest().pathAndQuery());
    assertEquals(List.of("agent-0", "agent-1"), agents.stream().map(Agent::id).toList());
    Agent lost = agents.get(0);
    assertEquals("LOST", lost.status());
    assertEquals("batch", lost.scalingGroup());
    assertEquals("agent-0.example.com", lost.hostname());
    assertEquals(Map.of("cpu", "8", "mem", "17179869184"), lost.availableSlots());
    assertNotNull(lost.lostAt());
    Agent alive = agents.get(1);
    assertEquals(Map.of("cpu", "3", "mem", "7516192768"), alive.freeSlots());
    assertEquals(5, alive.heartbeatIntervalSeconds());
    assertNotNull(alive.firstContact());
    assertNotNull(alive.lastHeartbeat());
    assertNull(alive.lostAt());
  }

  @Test
  void schedulerMetricsAreParsed() throws IOException {
    server.setSchedulerMetrics(
        "{\"passes\": 12, \"placed\": 40, \"pendingTimeouts\": 2, \"passMillis\": 360,"
            + " \"statements\": 220, \"statementsPerPlacement\": 5.5}");

    SchedulerMetrics metrics = admin.schedulerMetrics();

    assertEquals(
        "GET /admin/scheduler", lastRequest().method() + " " + lastRequest().pathAndQuery());
    assertEquals(new SchedulerMetrics(12, 40, 2, 360, 220, 5.5), metrics);
  }

  @Test
  void schedulerMetricsWithoutPlacements() {
    SchedulerMetrics metrics = admin.schedulerMetrics();

    assertEquals(0, metrics.placed());
    assertNull(metrics.statementsPerPlacement());
  }
}
