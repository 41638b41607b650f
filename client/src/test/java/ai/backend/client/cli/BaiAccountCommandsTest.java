package ai.backend.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientConfig;
import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.FakeManagerServer.Response;
import ai.backend.client.SessionSpec;
import ai.backend.client.admin.UserSpec;
import ai.backend.client.cli.CliHarness.Invocation;
import ai.backend.common.auth.RequestSignature;
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

/** {@code bai login}, {@code bai presets}, {@code bai --owner} and {@code bai ps --all}. */
class BaiAccountCommandsTest {

  private static final String PASSWORD = "olivia-password";

  @TempDir Path temp;

  private CliHarness harness;

  @BeforeEach
  void startHarness() throws IOException {
    harness = new CliHarness(temp);
    harness
        .sdkClient()
        .admin()
        .createUser("olivia@example.com", "default", UserSpec.empty().withPassword(PASSWORD));
  }

  @AfterEach
  void stopHarness() {
    harness.close();
  }

  private RecordedRequest lastRequest() {
    List<RecordedRequest> requests = harness.server.requests();
    return requests.get(requests.size() - 1);
  }

  /** Runs bai without any keypair, only the endpoint, as before a first login. */
  private Invocation baiWithoutKeyPair(String stdin, String... args) {
    return harness.baiWithEnv(Map.of("BACKEND_ENDPOINT", harness.server.endpoint()), stdin, args);
  }

  @Test
  void loginPrintsKeyPairOnce() {
    Invocation result =
        baiWithoutKeyPair(
            PASSWORD + "\n", "login", "--username", "olivia@example.com", "--password-stdin");

    assertEquals(0, result.exitCode(), result.err());
    RecordedRequest request = lastRequest();
    assertEquals("POST", request.method());
    assertEquals("/auth/authorize", request.pathAndQuery());
    assertNull(request.header("Authorization"));
    assertEquals(RequestSignature.API_VERSION, request.header("X-BackendAI-Version"));
    JsonNode body = request.json();
    assertEquals("keypair", body.get("type").asText());
    assertEquals("default", body.get("domain").asText());
    assertEquals("olivia@example.com", body.get("username").asText());
    assertEquals(PASSWORD, body.get("password").asText());
    assertTrue(
        result
            .out()
            .startsWith(
                "Logged in to "
                    + harness.server.endpoint()
                    + " as olivia@example.com (user), with the new keypair AKIALOGIN"),
        result.out());
    assertTrue(result.out().contains("The keypair expires at "), result.out());
    assertTrue(
        result.out().matches("(?s).*\nSecret key: login-secret-[0-9a-f-]{36}\n$"), result.out());
    assertTrue(
        result.err().startsWith("bai: warning: the secret key will not be shown again"),
        result.err());
    assertTrue(result.err().contains("log in again with --save FILE"), result.err());
    assertFalse(result.out().contains(PASSWORD));
    assertFalse(result.err().contains(PASSWORD));
  }

  @Test
  void loginPromptsOnTerminal() {
    harness.typePasswords(PASSWORD);

    Invocation result = baiWithoutKeyPair("", "login", "-u", "olivia@example.com", "-d", "default");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(
        List.of("Password for olivia@example.com at " + harness.server.endpoint() + ": "),
        harness.passwordPrompts);
    assertEquals(PASSWORD, lastRequest().json().get("password").asText());
  }

  @Test
  void loginSaveWritesKeyPairFile() throws IOException {
    Invocation result =
        baiWithoutKeyPair(
            PASSWORD + "\n",
            "login",
            "--username",
            "olivia@example.com",
            "--password-stdin",
            "--save",
            "olivia.properties");

    assertEquals(0, result.exitCode(), result.err());
    Path file = harness.workingDirectory.resolve("olivia.properties");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Properties properties = new Properties();
    properties.load(new StringReader(Files.readString(file)));
    String secretKey = properties.getProperty("secret_key");
    assertTrue(secretKey.startsWith("login-secret-"), secretKey);
    assertFalse(result.out().contains(secretKey), result.out());
    assertEquals("", result.err());
    assertTrue(result.out().contains("Use it with: BACKEND_KEYPAIR_FILE=" + file + " bai ps"));

    Invocation ps = harness.baiWithEnv(Map.of("BACKEND_KEYPAIR_FILE", file.toString()), "", "ps");
    assertEquals(0, ps.exitCode(), ps.err());
    assertTrue(lastRequest().signatureValid());
  }

  @Test
  void loginWithWrongPasswordFails() {
    Invocation result =
        baiWithoutKeyPair(
            "wrong-password\n", "login", "--username", "olivia@example.com", "--password-stdin");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Authorization failed: invalid username or password (HTTP 401, auth-failed)\n",
        result.err());
    assertEquals("", result.out());
  }

  @Test
  void loginRateLimitIsPrinted() {
    harness.server.enqueue(
        "POST",
        "/auth/authorize",
        Response.problem(
                429,
                "too-many-requests",
                "Too many requests",
                "too many failed logins for olivia@example.com; retry after 900 s")
            .withHeader("Retry-After", "900"));

    Invocation result =
        baiWithoutKeyPair(
            PASSWORD + "\n", "login", "--username", "olivia@example.com", "--password-stdin");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Too many requests: too many failed logins for olivia@example.com; retry after 900 s"
            + " (HTTP 429, too-many-requests)\n",
        result.err());
  }

  @Test
  void loginNeedsUsername() {
    Invocation result = baiWithoutKeyPair("", "login");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("Missing required option: '--username=NAME'"), result.err());
    assertEquals(1, harness.server.requests().size());
  }

  @Test
  void loginWithoutTerminalNeedsStandardInput() {
    Invocation result = baiWithoutKeyPair("", "login", "--username", "olivia@example.com");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("--password-stdin"), result.err());
    assertEquals(1, harness.server.requests().size());
  }

  @Test
  void presetsPrintsTables() {
    harness.bai("admin", "preset", "create", "small", "-r", "cpu=1", "-r", "mem=1g");
    harness.bai("admin", "preset", "create", "huge", "-r", "cpu=64");

    Invocation result = harness.bai("presets", "--scaling-group", "default");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("POST", lastRequest().method());
    assertEquals("/resource/check-presets", lastRequest().path());
    assertEquals("{\"scaling_group\":\"default\"}", lastRequest().bodyText());
    String[] lines = result.out().split("\n");
    assertEquals(7, lines.length, result.out());
    assertTrue(lines[0].matches("PRESET +RESOURCES +ALLOCATABLE"), lines[0]);
    assertTrue(lines[1].matches("small +cpu=1, mem=1g +yes"), lines[1]);
    assertTrue(lines[2].matches("huge +cpu=64 +no"), lines[2]);
    assertEquals("", lines[3]);
    assertTrue(
        lines[4].matches(
            "SLOT +KEYPAIR LIMIT +KEYPAIR USING +KEYPAIR REMAINING +SCALING GROUP REMAINING"),
        lines[4]);
    assertTrue(lines[5].matches("cpu +Infinity +0 +Infinity +4"), lines[5]);
    assertTrue(lines[6].matches("mem +Infinity +0 +Infinity +8g"), lines[6]);
  }

  @Test
  void presetsPrintsJson() throws IOException {
    Invocation result = harness.bai("presets", "--json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode check = new ObjectMapper().readTree(result.out());
    assertEquals("Infinity", check.get("keypair_limits").get("cpu").asText());
    assertEquals(
        "4", check.get("scaling_groups").get("default").get("remaining").get("cpu").asText());
    assertEquals("{}", lastRequest().bodyText());
  }

  @Test
  void ownerGoesOnSessionCommands() {
    String owner = CliHarness.ACCESS_KEY;

    Invocation run =
        harness.bai("--owner", owner, "run", "python", "-c", "pass", "--name", "theirs");
    Invocation ps = harness.bai("--owner", owner, "ps");
    Invocation info = harness.bai("--owner", owner, "info", "theirs");

    assertEquals(0, run.exitCode(), run.err());
    assertEquals(0, ps.exitCode(), ps.err());
    assertEquals(0, info.exitCode(), info.err());
    List<RecordedRequest> requests =
        harness.server.requests().stream()
            .filter(request -> request.path().startsWith("/session"))
            .toList();
    assertEquals(6, requests.size(), requests.toString());
    for (RecordedRequest request : requests) {
      assertTrue(request.signatureValid(), request.pathAndQuery());
      assertEquals("owner_access_key=" + owner, request.query(), request.pathAndQuery());
    }
  }

  @Test
  void ownerOfUserIsForbidden() {
    BackendClient admin = harness.sdkClient();
    var created = admin.admin().createKeyPair("olivia@example.com", null);
    Map<String, String> olivia =
        Map.of(
            "BACKEND_ENDPOINT", harness.server.endpoint(),
            "BACKEND_ACCESS_KEY", created.accessKey(),
            "BACKEND_SECRET_KEY", created.secretKey());

    Invocation result = harness.baiWithEnv(olivia, "", "--owner", CliHarness.ACCESS_KEY, "ps");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Forbidden: only admins may act on behalf of another keypair (HTTP 403, forbidden)\n",
        result.err());
  }

  @Test
  void emptyOwnerIsUsageError() {
    Invocation result = harness.bai("--owner", " ", "ps");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("bai: the value of --owner is empty"), result.err());
    assertTrue(harness.server.requests().stream().noneMatch(r -> r.path().startsWith("/session")));
  }

  @Test
  void psAllListsOtherOwners() {
    var created = harness.sdkClient().admin().createKeyPair("olivia@example.com", null);
    new BackendClient(
            BackendClientConfig.of(
                harness.server.endpoint(), created.accessKey(), created.secretKey()))
        .createSession(SessionSpec.of("python").withName("olivias"));

    Invocation own = harness.bai("ps");
    Invocation all = harness.bai("ps", "--all", "--status", "PENDING");

    assertEquals("No sessions.\n", own.out());
    assertEquals(0, all.exitCode(), all.err());
    assertEquals("/session?status=PENDING&all=true", lastRequest().pathAndQuery());
    assertTrue(all.out().contains("olivias"), all.out());
  }

  @Test
  void quotaExceededIsPrinted() {
    harness.server.enqueue(
        "POST",
        "/session",
        Response.problem(
            412,
            "quota-exceeded",
            "Quota exceeded",
            "keypair resource policy 'default' allows 30 concurrent sessions"));

    Invocation result = harness.bai("run", "python", "-c", "pass");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Quota exceeded: keypair resource policy 'default' allows 30 concurrent sessions"
            + " (HTTP 412, quota-exceeded)\n",
        result.err());
  }
}
