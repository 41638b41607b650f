package ai.backend.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientConfig;
import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.FakeManagerServer.Response;
import ai.backend.client.SessionSpec;
import ai.backend.client.admin.CreatedKeyPair;
import ai.backend.client.admin.KeyPairSpec;
import ai.backend.client.admin.UserSpec;
import ai.backend.client.cli.CliHarness.Invocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaiAdminCommandTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The email of the fake manager's superadmin, who owns the harness keypair. */
  private static final String ADMIN_EMAIL = "admin@lablup.com";

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

  private static JsonNode json(String text) throws IOException {
    return MAPPER.readTree(text);
  }

  /** Asserts that the password occurs only in the body of the requests that set it. */
  private void assertPasswordOnlyInBodyOf(String password, String method, String pathPrefix) {
    int bodies = 0;
    for (RecordedRequest request : harness.server.requests()) {
      assertFalse(request.pathAndQuery().contains(password), request.pathAndQuery());
      for (String header : request.headers().values()) {
        assertFalse(header.contains(password), header);
      }
      boolean sets = request.method().equals(method) && request.path().startsWith(pathPrefix);
      if (request.bodyText().contains(password)) {
        assertTrue(sets, request.method() + " " + request.path() + " carries the password");
        bodies++;
      }
    }
    assertEquals(1, bodies);
  }

  private CreatedKeyPair createUserWithKeyPair(String email, String role) {
    BackendClient client = harness.sdkClient();
    client
        .admin()
        .createUser(
            email, "default", UserSpec.empty().withPassword("password-" + email).withRole(role));
    return client.admin().createKeyPair(email, KeyPairSpec.empty());
  }

  private Map<String, String> envFor(CreatedKeyPair keyPair) {
    return Map.of(
        "BACKEND_ENDPOINT", harness.server.endpoint(),
        "BACKEND_ACCESS_KEY", keyPair.accessKey(),
        "BACKEND_SECRET_KEY", keyPair.secretKey());
  }

  @Test
  void adminWithoutCommandListsChoices() {
    Invocation result = bai("admin");

    assertEquals(2, result.exitCode());
    assertTrue(
        result
            .err()
            .startsWith(
                "bai: missing command: use domain, group, user, keypair, policy, preset, audit,"
                    + " scaling-group, agents or scheduler\n"),
        result.err());
    assertTrue(result.err().contains("Try 'bai admin --help'"), result.err());
  }

  @Test
  void objectWithoutCommandListsChoices() {
    Invocation result = bai("admin", "keypair");

    assertEquals(2, result.exitCode());
    assertTrue(
        result
            .err()
            .startsWith(
                "bai: missing command: use list, create, info, update, activate, deactivate or"
                    + " delete\n"),
        result.err());
  }

  @Test
  void everyAdminCommandHasHelp() {
    Map<String, List<String>> commands =
        Map.of(
            "domain", List.of("list", "create", "info", "update", "delete"),
            "group", List.of("list", "create", "info", "update", "delete"),
            "user", List.of("list", "create", "info", "update", "delete"),
            "keypair",
                List.of("list", "create", "info", "update", "activate", "deactivate", "delete"),
            "policy", List.of("list", "create", "info", "update", "delete"),
            "preset", List.of("list", "create", "info", "update", "delete"));
    for (Map.Entry<String, List<String>> object : commands.entrySet()) {
      for (String action : object.getValue()) {
        Invocation result = bai("admin", object.getKey(), action, "--help");

        assertEquals(0, result.exitCode(), object.getKey() + " " + action);
        assertTrue(
            result.out().startsWith("Usage: bai admin " + object.getKey() + " " + action),
            result.out());
      }
    }
    assertEquals(0, bai("admin", "audit", "--help").exitCode());
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void domainListPrintsTable() {
    Invocation result = bai("admin", "domain", "list");

    assertEquals(0, result.exitCode(), result.err());
    String[] lines = result.out().split("\n");
    assertEquals(2, lines.length, result.out());
    assertTrue(lines[0].matches("NAME +ACTIVE +TOTAL RESOURCES +DESCRIPTION"), lines[0]);
    assertTrue(lines[1].matches("default +yes +unlimited +The default domain"), lines[1]);
    assertEquals("GET /admin/domains", lastRequest().method() + " " + lastRequest().path());
  }

  @Test
  void domainCreateSendsOptions() {
    Invocation result =
        bai(
            "admin",
            "domain",
            "create",
            "research",
            "--description",
            "Research lab",
            "--inactive",
            "-r",
            "cpu=8",
            "-r",
            "mem=16g");

    assertEquals(0, result.exitCode(), result.err());
    RecordedRequest request = lastRequest();
    assertEquals("POST", request.method());
    assertEquals("/admin/domains", request.path());
    assertEquals(
        "{\"name\":\"research\",\"description\":\"Research lab\",\"isActive\":false,"
            + "\"totalResourceSlots\":{\"cpu\":\"8\",\"mem\":\"16g\"}}",
        request.bodyText());
    assertTrue(result.out().startsWith("Created domain research.\n"), result.out());
    assertTrue(result.out().contains("Active:          no\n"), result.out());
    assertTrue(result.out().contains("Total resources: cpu=8, mem=16g\n"), result.out());
  }

  @Test
  void domainUpdateSendsOnlyGivenFields() {
    bai("admin", "domain", "create", "research", "-r", "cpu=8");

    Invocation result = bai("admin", "domain", "update", "research", "--clear-resources");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("PATCH", lastRequest().method());
    assertEquals("/admin/domains/research", lastRequest().path());
    assertEquals("{\"totalResourceSlots\":{}}", lastRequest().bodyText());
    assertTrue(result.out().contains("Total resources: unlimited\n"), result.out());
  }

  @Test
  void updateWithoutChangesIsUsageError() {
    Invocation result = bai("admin", "domain", "update", "default");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("bai: nothing to update"), result.err());
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void activeAndInactiveTogetherIsUsageError() {
    Invocation result = bai("admin", "domain", "update", "default", "--active", "--inactive");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("either --active or --inactive"), result.err());
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void domainInfoPrintsJson() throws IOException {
    Invocation result = bai("admin", "domain", "info", "default", "--json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode domain = json(result.out());
    assertEquals("default", domain.get("name").asText());
    assertTrue(domain.get("isActive").asBoolean());
    assertTrue(domain.get("totalResourceSlots").isObject());
  }

  @Test
  void domainDeleteConflictIsPrinted() {
    Invocation result = bai("admin", "domain", "delete", "default");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Conflict: the domain default has users or groups (HTTP 409, conflict)\n",
        result.err());
    assertEquals("", result.out());
  }

  @Test
  void unknownDomainIsNotFound() {
    Invocation result = bai("admin", "domain", "info", "nowhere");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Object not found: no domain nowhere (HTTP 404, object-not-found)\n", result.err());
  }

  @Test
  void domainDeletePrintsName() {
    bai("admin", "domain", "create", "scratch");

    Invocation result = bai("admin", "domain", "delete", "scratch");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("Deleted domain scratch.\n", result.out());
    assertEquals(
        "DELETE /admin/domains/scratch", lastRequest().method() + " " + lastRequest().path());
  }

  @Test
  void groupCommandsResolveNames() throws IOException {
    Invocation created =
        bai("admin", "group", "create", "ml-team", "--description", "ML", "--json");
    assertEquals(0, created.exitCode(), created.err());
    String id = json(created.out()).get("id").asText();
    assertEquals(
        "{\"name\":\"ml-team\",\"domain\":\"default\",\"description\":\"ML\"}",
        lastRequest().bodyText());

    Invocation info = bai("admin", "group", "info", "ml-team");
    assertEquals(0, info.exitCode(), info.err());
    assertTrue(info.out().contains("ID:              " + id + "\n"), info.out());
    assertEquals("/admin/groups/" + id, lastRequest().path());
    assertEquals(
        "/admin/groups?domain=default",
        harness.server.requests("GET", "/admin/groups").get(0).pathAndQuery());

    Invocation updated = bai("admin", "group", "update", id, "--inactive");
    assertEquals(0, updated.exitCode(), updated.err());
    assertEquals("PATCH /admin/groups/" + id, lastRequest().method() + " " + lastRequest().path());
    assertEquals("{\"isActive\":false}", lastRequest().bodyText());

    Invocation list = bai("admin", "group", "list", "--domain", "default");
    assertEquals(0, list.exitCode(), list.err());
    assertTrue(list.out().contains(id + "  ml-team  default  no"), list.out());

    Invocation deleted = bai("admin", "group", "delete", "ml-team");
    assertEquals(0, deleted.exitCode(), deleted.err());
    assertEquals("Deleted group ml-team (" + id + ").\n", deleted.out());
  }

  @Test
  void unknownGroupNameIsReported() {
    Invocation result = bai("admin", "group", "info", "ghosts", "--domain", "default");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: no group named 'ghosts' in domain default; list them with: bai admin group list"
            + " --domain default\n",
        result.err());
  }

  @Test
  void userCreateReadsPasswordFromStandardInput() {
    String password = "s3cret-from-stdin";

    Invocation result =
        harness.baiWithInput(
            password + "\n",
            "admin",
            "user",
            "create",
            "alice@example.com",
            "--password-stdin",
            "--role",
            "admin",
            "--full-name",
            "Alice Kim",
            "-g",
            "default");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode body = lastRequest().json();
    assertEquals("alice@example.com", body.get("email").asText());
    assertEquals("default", body.get("domain").asText());
    assertEquals(password, body.get("password").asText());
    assertEquals("admin", body.get("role").asText());
    assertEquals("Alice Kim", body.get("fullName").asText());
    assertEquals("[\"default\"]", body.get("groups").toString());
    assertTrue(result.out().startsWith("Created user alice@example.com.\n"), result.out());
    assertTrue(result.out().contains("Groups:      default\n"), result.out());
    assertFalse(result.out().contains(password));
    assertFalse(result.err().contains(password));
    assertPasswordOnlyInBodyOf(password, "POST", "/admin/users");
  }

  @Test
  void userCreatePromptsTwice() {
    String password = "typed-on-terminal";
    harness.typePasswords(password, password);

    Invocation result = bai("admin", "user", "create", "bob@example.com");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(
        List.of("Password for bob@example.com: ", "Retype the password: "),
        harness.passwordPrompts);
    assertEquals(password, lastRequest().json().get("password").asText());
    assertFalse(result.out().contains(password));
    assertFalse(result.err().contains(password));
    assertPasswordOnlyInBodyOf(password, "POST", "/admin/users");
  }

  @Test
  void differentPasswordsSendNothing() {
    harness.typePasswords("first-password", "second-password");

    Invocation result = bai("admin", "user", "create", "bob@example.com");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("bai: the two passwords differ"), result.err());
    assertFalse(result.err().contains("first-password"));
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void userCreateWithoutTerminalNeedsStandardInput() {
    Invocation result = bai("admin", "user", "create", "bob@example.com");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("--password-stdin"), result.err());
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void emptyStandardInputIsUsageError() {
    Invocation result = bai("admin", "user", "create", "bob@example.com", "--password-stdin");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("first line of standard input"), result.err());
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void shortPasswordErrorIsPrinted() {
    Invocation result =
        harness.baiWithInput(
            "short\n", "admin", "user", "create", "bob@example.com", "--password-stdin");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Invalid API parameters: password must have 8 to 256 characters"
            + " (HTTP 400, invalid-api-params)\n",
        result.err());
  }

  @Test
  void userUpdateChangesPasswordAfterPrompt() {
    bai("admin", "user", "create", "carol@example.com", "--password", "first-password");
    String password = "second-password";
    harness.typePasswords(password, password);

    Invocation result =
        bai(
            "admin",
            "user",
            "update",
            "carol@example.com",
            "--password-prompt",
            "--status",
            "inactive");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("PATCH", lastRequest().method());
    assertEquals("/admin/users/carol%40example.com", lastRequest().path());
    assertEquals(
        "{\"password\":\"" + password + "\",\"status\":\"inactive\"}", lastRequest().bodyText());
    assertEquals(
        List.of("New password for carol@example.com: ", "Retype the password: "),
        harness.passwordPrompts);
    assertTrue(result.out().contains("Status:      inactive\n"), result.out());
    assertFalse(result.out().contains(password));
    assertPasswordOnlyInBodyOf(password, "PATCH", "/admin/users");
  }

  @Test
  void twoPasswordSourcesIsUsageError() {
    Invocation result =
        bai(
            "admin",
            "user",
            "update",
            "x@example.com",
            "--password-prompt",
            "--password",
            "abcdefgh");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("give only one of"), result.err());
    assertFalse(result.err().contains("abcdefgh"));
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void inactiveUserKeyPairIsRejected() {
    CreatedKeyPair dave = createUserWithKeyPair("dave@example.com", "user");

    Invocation deactivate =
        bai("admin", "user", "update", "dave@example.com", "--status", "inactive");
    Invocation rejected = harness.baiWithEnv(envFor(dave), "", "ps");

    assertEquals(0, deactivate.exitCode(), deactivate.err());
    assertEquals(1, rejected.exitCode());
    assertTrue(rejected.err().contains("(HTTP 401, auth-failed)"), rejected.err());
    assertTrue(
        rejected.err().contains("rejected the keypair with access key " + dave.accessKey()),
        rejected.err());
  }

  @Test
  void userListFiltersByGroupName() throws IOException {
    bai(
        "admin",
        "user",
        "create",
        "erin@example.com",
        "--password",
        "erin-password",
        "-g",
        "default");

    Invocation result = bai("admin", "user", "list", "--group", "default", "--status", "active");

    assertEquals(0, result.exitCode(), result.err());
    String groupsCall = harness.server.requests("GET", "/admin/groups").get(0).pathAndQuery();
    assertEquals("/admin/groups?domain=default", groupsCall);
    assertTrue(
        lastRequest().query().matches("group=[0-9a-f-]{36}&status=active"), lastRequest().query());
    String[] lines = result.out().split("\n");
    assertEquals(2, lines.length, result.out());
    assertTrue(
        lines[1].matches("erin@example.com +erin@example.com +user +active +default +default"),
        lines[1]);
  }

  @Test
  void userDeleteWithLiveSessionIsConflict() {
    CreatedKeyPair frank = createUserWithKeyPair("frank@example.com", "user");
    new BackendClient(
            BackendClientConfig.of(harness.server.endpoint(), frank.accessKey(), frank.secretKey()))
        .createSession(SessionSpec.of("python"));

    Invocation result = bai("admin", "user", "delete", "frank@example.com");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Conflict: the user frank@example.com has live sessions (HTTP 409, conflict)\n",
        result.err());
  }

  @Test
  void userInfoAndDelete() throws IOException {
    bai("admin", "user", "create", "gina@example.com", "--password", "gina-password", "-u", "gina");

    Invocation info = bai("admin", "user", "info", "gina@example.com", "--json");
    Invocation deleted = bai("admin", "user", "delete", "gina@example.com");

    assertEquals(0, info.exitCode(), info.err());
    JsonNode user = json(info.out());
    assertEquals("gina", user.get("username").asText());
    assertFalse(user.has("password"));
    assertEquals(0, deleted.exitCode(), deleted.err());
    assertEquals("Deleted user gina@example.com.\n", deleted.out());
  }

  @Test
  void keyPairCreatePrintsSecretOnce() {
    bai("admin", "user", "create", "hana@example.com", "--password", "hana-password");

    Invocation result =
        bai(
            "admin",
            "keypair",
            "create",
            "hana@example.com",
            "--rate-limit",
            "0",
            "--resource-policy",
            "default");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(
        "{\"userId\":\"hana@example.com\",\"resourcePolicy\":\"default\",\"rateLimit\":0}",
        lastRequest().bodyText());
    assertTrue(result.out().startsWith("Created keypair AKIA"), result.out());
    assertTrue(result.out().contains("Rate limit:      unlimited\n"), result.out());
    assertTrue(
        result.out().matches("(?s).*\nSecret key: fake-secret-[0-9a-f-]{36}\n$"), result.out());
    assertEquals(
        "bai: warning: the secret key will not be shown again; store it now, or create the"
            + " keypair with --save FILE\n",
        result.err());
  }

  @Test
  void keyPairSaveWritesPrivateFile() throws IOException {
    bai("admin", "user", "create", "ivan@example.com", "--password", "ivan-password");

    Invocation result =
        bai("admin", "keypair", "create", "ivan@example.com", "--save", "keys/ivan.properties");

    assertEquals(0, result.exitCode(), result.err());
    Path file = harness.workingDirectory.resolve("keys/ivan.properties");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Properties properties = new Properties();
    properties.load(new StringReader(Files.readString(file)));
    assertEquals(harness.server.endpoint(), properties.getProperty("endpoint"));
    String accessKey = properties.getProperty("access_key");
    String secretKey = properties.getProperty("secret_key");
    assertTrue(result.out().contains("Saved keypair " + accessKey + " to " + file), result.out());
    assertFalse(result.out().contains(secretKey), result.out());
    assertFalse(result.err().contains(secretKey), result.err());

    Invocation withFile =
        harness.baiWithEnv(Map.of("BACKEND_KEYPAIR_FILE", file.toString()), "", "ps");
    assertEquals(0, withFile.exitCode(), withFile.err());
    assertEquals("No sessions.\n", withFile.out());
    assertTrue(lastRequest().header("Authorization").contains("credential=" + accessKey + ":"));
  }

  @Test
  void keyPairSaveKeepsExistingFile() throws IOException {
    harness.workFile("taken.properties", "keep me");

    Invocation result =
        bai("admin", "keypair", "create", ADMIN_EMAIL, "--save", "taken.properties");

    assertEquals(1, result.exitCode());
    assertTrue(
        result.err().contains("already exists; remove it or choose another path"), result.err());
    assertEquals("keep me", Files.readString(harness.workingDirectory.resolve("taken.properties")));
  }

  @Test
  void keyPairDeactivateAndActivate() {
    CreatedKeyPair jane = createUserWithKeyPair("jane@example.com", "user");

    Invocation deactivated = bai("admin", "keypair", "deactivate", jane.accessKey());
    Invocation rejected = harness.baiWithEnv(envFor(jane), "", "ps");
    Invocation activated = bai("admin", "keypair", "activate", jane.accessKey());
    Invocation accepted = harness.baiWithEnv(envFor(jane), "", "ps");

    assertEquals(0, deactivated.exitCode(), deactivated.err());
    assertTrue(deactivated.out().contains("Active:          no\n"), deactivated.out());
    assertEquals(1, rejected.exitCode());
    assertEquals(0, activated.exitCode(), activated.err());
    assertEquals(0, accepted.exitCode(), accepted.err());
    List<RecordedRequest> patches = harness.server.requests("PATCH", "/admin/keypairs/");
    assertEquals("{\"isActive\":false}", patches.get(0).bodyText());
    assertEquals("{\"isActive\":true}", patches.get(1).bodyText());
  }

  @Test
  void keyPairListInfoUpdateDelete() throws IOException {
    CreatedKeyPair kim = createUserWithKeyPair("kim@example.com", "user");

    Invocation list = bai("admin", "keypair", "list", "--user", "kim@example.com");
    Invocation info = bai("admin", "keypair", "info", kim.accessKey(), "--json");
    Invocation updated = bai("admin", "keypair", "update", kim.accessKey(), "--rate-limit", "20");
    Invocation deleted = bai("admin", "keypair", "delete", kim.accessKey());

    assertEquals(0, list.exitCode(), list.err());
    String[] lines = list.out().split("\n");
    assertEquals(2, lines.length, list.out());
    assertTrue(lines[0].startsWith("ACCESS KEY"), lines[0]);
    assertTrue(
        lines[1].matches(kim.accessKey() + " +kim@example.com +yes +no +default +1000 .*"),
        lines[1]);
    assertEquals(kim.accessKey(), json(info.out()).get("accessKey").asText());
    assertFalse(info.out().contains(kim.secretKey()));
    assertEquals(0, updated.exitCode(), updated.err());
    assertTrue(updated.out().contains("Rate limit:      20\n"), updated.out());
    assertEquals(0, deleted.exitCode(), deleted.err());
    assertEquals("Deleted keypair " + kim.accessKey() + ".\n", deleted.out());
  }

  @Test
  void userRoleGetsForbidden() {
    CreatedKeyPair lee = createUserWithKeyPair("lee@example.com", "user");

    Invocation result = harness.baiWithEnv(envFor(lee), "", "admin", "user", "list");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Forbidden: the role user may not call the admin API (HTTP 403, forbidden)\n",
        result.err());
  }

  @Test
  void tooManyRequestsIsPrinted() {
    harness.server.enqueue(
        "GET",
        "/admin/users",
        Response.problem(
                429, "too-many-requests", "Too many requests", "rate limit of 1000 reached")
            .withHeader("Retry-After", "60"));

    Invocation result = bai("admin", "user", "list");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Too many requests: rate limit of 1000 reached (HTTP 429, too-many-requests)\n",
        result.err());
  }

  @Test
  void policyCreateSendsEveryLimit() {
    Invocation result =
        bai(
            "admin",
            "policy",
            "create",
            "short",
            "-r",
            "cpu=2",
            "--default-for-unspecified",
            "LIMITED",
            "--max-concurrent-sessions",
            "3",
            "--max-containers-per-session",
            "1",
            "--idle-timeout",
            "60",
            "--max-session-lifetime",
            "3600");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(
        "{\"name\":\"short\",\"totalResourceSlots\":{\"cpu\":\"2\"},"
            + "\"defaultForUnspecified\":\"LIMITED\",\"maxConcurrentSessions\":3,"
            + "\"maxContainersPerSession\":1,\"idleTimeout\":60,\"maxSessionLifetime\":3600}",
        lastRequest().bodyText());
    assertTrue(result.out().contains("Idle timeout:               60 s\n"), result.out());
    assertTrue(result.out().contains("Max session lifetime:       3600 s\n"), result.out());
  }

  @Test
  void policyUpdateAndList() {
    bai("admin", "policy", "create", "short");

    Invocation updated =
        bai("admin", "policy", "update", "short", "--idle-timeout", "0", "-r", "mem=1g");
    Invocation list = bai("admin", "policy", "list");

    assertEquals(0, updated.exitCode(), updated.err());
    assertEquals(
        "{\"totalResourceSlots\":{\"mem\":\"1g\"},\"idleTimeout\":0}",
        harness.server.requests("PATCH", "/admin/resource-policies/short").get(0).bodyText());
    assertTrue(updated.out().contains("Idle timeout:               none\n"), updated.out());
    String[] lines = list.out().split("\n");
    assertEquals(3, lines.length, list.out());
    assertTrue(
        lines[0].matches(
            "NAME +TOTAL RESOURCES +UNSPECIFIED +SESSIONS +CONTAINERS +IDLE TIMEOUT +MAX LIFETIME"),
        lines[0]);
    assertTrue(lines[2].matches("short +mem=1g +UNLIMITED +30 +1 +none +none"), lines[2]);
  }

  @Test
  void negativeLimitIsUsageError() {
    Invocation result = bai("admin", "policy", "create", "bad", "--idle-timeout", "-1");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("'--idle-timeout': it must be 0 or more"), result.err());
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void invalidPolicyModeIsPrinted() {
    Invocation result =
        bai("admin", "policy", "create", "bad", "--default-for-unspecified", "SOME");

    assertEquals(1, result.exitCode());
    assertTrue(result.err().contains("UNLIMITED or LIMITED"), result.err());
    assertTrue(result.err().contains("(HTTP 400, invalid-api-params)"), result.err());
  }

  @Test
  void policyInUseDeleteIsConflict() {
    Invocation result = bai("admin", "policy", "delete", "default");

    assertEquals(1, result.exitCode());
    assertTrue(
        result.err().startsWith("bai: Conflict: the resource policy default is used by"),
        result.err());
  }

  @Test
  void adminMayNotChangePolicies() {
    CreatedKeyPair mia = createUserWithKeyPair("mia@example.com", "admin");

    Invocation read = harness.baiWithEnv(envFor(mia), "", "admin", "policy", "info", "default");
    Invocation write =
        harness.baiWithEnv(
            envFor(mia), "", "admin", "policy", "update", "default", "--idle-timeout", "5");

    assertEquals(0, read.exitCode(), read.err());
    assertEquals(1, write.exitCode());
    assertTrue(write.err().contains("(HTTP 403, forbidden)"), write.err());
  }

  @Test
  void presetCommands() throws IOException {
    Invocation created =
        bai("admin", "preset", "create", "small", "-r", "cpu=1", "-r", "mem=1073741824");
    Invocation updated = bai("admin", "preset", "update", "small", "-r", "cpu=2", "-r", "mem=2g");
    Invocation list = bai("admin", "preset", "list");
    Invocation info = bai("admin", "preset", "info", "small", "--json");
    Invocation deleted = bai("admin", "preset", "delete", "small");

    assertEquals(0, created.exitCode(), created.err());
    assertTrue(created.out().contains("Resources: cpu=1, mem=1g\n"), created.out());
    assertEquals(
        "{\"resourceSlots\":{\"cpu\":\"2\",\"mem\":\"2g\"}}",
        harness.server.requests("PATCH", "/admin/resource-presets/small").get(0).bodyText());
    assertEquals(0, updated.exitCode(), updated.err());
    assertTrue(list.out().matches("NAME +RESOURCES\nsmall +cpu=2, mem=2g\n"), list.out());
    assertEquals("2g", json(info.out()).get("resourceSlots").get("mem").asText());
    assertEquals("Deleted resource preset small.\n", deleted.out());
  }

  @Test
  void presetCreateNeedsResources() {
    Invocation result = bai("admin", "preset", "create", "empty");

    assertEquals(2, result.exitCode());
    assertTrue(
        result.err().contains("Missing required option: '--resources=KEY=VALUE'"), result.err());
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void auditListsNewestFirst() {
    bai("admin", "domain", "create", "audited");
    bai("admin", "domain", "update", "audited", "--description", "changed");

    Invocation result = bai("admin", "audit", "--limit", "2");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("/admin/audit-log?limit=2", lastRequest().pathAndQuery());
    String[] lines = result.out().split("\n");
    assertEquals(3, lines.length, result.out());
    assertTrue(lines[0].matches("ID +TIME +ACTOR +ACTION +TARGET +DOMAIN +DETAIL"), lines[0]);
    assertTrue(
        lines[1].matches("2 +\\S+ +admin@lablup.com +update +domain audited +audited +description"),
        lines[1]);
    assertTrue(
        lines[2].matches("1 +\\S+ +admin@lablup.com +create +domain audited +audited +name"),
        lines[2]);
  }

  @Test
  void auditLimitMustBePositive() {
    Invocation result = bai("admin", "audit", "--limit", "0");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("it must be positive"), result.err());
    assertTrue(harness.server.requests().isEmpty());
  }

  @Test
  void auditNeverShowsPasswords() {
    String password = "audited-password";
    bai("admin", "user", "create", "nora@example.com", "--password", password);

    Invocation result = bai("admin", "audit", "--json");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("nora@example.com"), result.out());
    assertFalse(result.out().contains(password), result.out());
  }
}
