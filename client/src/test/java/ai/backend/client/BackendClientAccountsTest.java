package ai.backend.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.admin.UserSpec;
import ai.backend.common.auth.RequestSignature;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Login, {@code owner_access_key}, the resource preset calls and keypair files. */
class BackendClientAccountsTest {

  private static final String ACCESS_KEY = "AKIAACCOUNTTEST00001";
  private static final String SECRET_KEY = "account-test-secret";

  @TempDir Path temp;

  private FakeManagerServer server;
  private BackendClient client;

  @BeforeEach
  void startServer() throws IOException {
    server = FakeManagerServer.start(ACCESS_KEY, SECRET_KEY);
    client = new BackendClient(BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY));
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private RecordedRequest lastRequest() {
    List<RecordedRequest> requests = server.requests();
    return requests.get(requests.size() - 1);
  }

  private void createUser(String email, String password) {
    client.admin().createUser(email, "default", UserSpec.empty().withPassword(password));
  }

  @Test
  void authorizeIsUnsignedWithVersion() {
    createUser("alice@example.com", "alice-password");

    LoginKeyPair keyPair =
        BackendClient.authorize(
            URI.create(server.endpoint()), "default", "alice@example.com", "alice-password");

    RecordedRequest request = lastRequest();
    assertEquals("POST", request.method());
    assertEquals("/auth/authorize", request.pathAndQuery());
    assertNull(request.header("Authorization"));
    assertNull(request.header("X-BackendAI-Date"));
    assertEquals(RequestSignature.API_VERSION, request.header("X-BackendAI-Version"));
    assertEquals("application/json", request.header("Content-Type"));
    assertEquals(
        "{\"type\":\"keypair\",\"domain\":\"default\",\"username\":\"alice@example.com\","
            + "\"password\":\"alice-password\"}",
        request.bodyText());
    assertEquals("user", keyPair.role());
    assertTrue(keyPair.accessKey().startsWith("AKIA"), keyPair.accessKey());
    assertFalse(keyPair.toString().contains(keyPair.secretKey()));
    BackendClient alice =
        new BackendClient(
            BackendClientConfig.of(server.endpoint(), keyPair.accessKey(), keyPair.secretKey()));
    assertEquals(0, alice.listSessions().items().size());
  }

  @Test
  void authorizeWithWrongPasswordFails() {
    createUser("bob@example.com", "bob-password");

    BackendApiException error =
        assertThrows(
            BackendApiException.class,
            () ->
                BackendClient.authorize(
                    URI.create(server.endpoint()), "default", "bob@example.com", "wrong-password"));

    assertEquals(401, error.status());
    assertEquals("auth-failed", error.kind());
    assertFalse(error.getMessage().contains("wrong-password"), error.getMessage());
  }

  @Test
  void authorizeRejectsEmptyPassword() {
    assertThrows(
        IllegalArgumentException.class,
        () -> BackendClient.authorize(URI.create(server.endpoint()), "default", "x", ""));

    assertTrue(server.requests().isEmpty());
  }

  @Test
  void ownerAccessKeyGoesOnEverySessionCall() throws IOException {
    BackendClient onBehalf =
        new BackendClient(
            BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY)
                .withOwnerAccessKey(ACCESS_KEY));
    Path local = Files.writeString(temp.resolve("a.txt"), "a");

    SessionCreated created = onBehalf.createSession(SessionSpec.of("python").withName("owned"));
    onBehalf.getSession("owned");
    onBehalf.listSessions("RUNNING", true);
    onBehalf.runCode("owned", "pass", item -> {});
    onBehalf.interrupt("owned");
    onBehalf.upload("owned", Map.of("a.txt", local));
    onBehalf.listFiles("owned", "");
    onBehalf.download("owned", List.of("a.txt"), temp.resolve("out"));
    onBehalf.logs("owned");
    onBehalf.restart("owned");
    onBehalf.destroySession(created.sessionId());

    List<RecordedRequest> requests = server.requests();
    assertEquals(11, requests.size());
    for (RecordedRequest request : requests) {
      assertTrue(request.signatureValid(), request.pathAndQuery());
      assertTrue(
          request.query().endsWith("owner_access_key=" + ACCESS_KEY), request.pathAndQuery());
    }
    assertEquals(
        "/session?status=RUNNING&all=true&owner_access_key=" + ACCESS_KEY,
        requests.get(2).pathAndQuery());
    assertEquals(
        "/session/owned/files?path=.&owner_access_key=" + ACCESS_KEY,
        requests.get(6).pathAndQuery());
  }

  @Test
  void ownerAccessKeyIsEncoded() {
    BackendClient onBehalf =
        new BackendClient(
            BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY)
                .withOwnerAccessKey("AK/+=?&x"));

    BackendApiException error = assertThrows(BackendApiException.class, onBehalf::listSessions);

    RecordedRequest request = lastRequest();
    assertEquals("/session?owner_access_key=AK%2F%2B%3D%3F%26x", request.pathAndQuery());
    assertTrue(request.signatureValid());
    assertEquals(403, error.status());
  }

  @Test
  void ownerAccessKeyIsChecked() {
    BackendClientConfig config = BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY);

    assertThrows(IllegalArgumentException.class, () -> config.withOwnerAccessKey(" "));
    assertThrows(IllegalArgumentException.class, () -> config.withOwnerAccessKey("AK Y"));
    assertNull(config.withOwnerAccessKey("AKIAX").withOwnerAccessKey(null).ownerAccessKey());
    assertEquals(
        "AKIAX",
        config
            .withOwnerAccessKey("AKIAX")
            .withTimeouts(
                BackendClientConfig.DEFAULT_CONNECT_TIMEOUT,
                BackendClientConfig.DEFAULT_REQUEST_TIMEOUT)
            .ownerAccessKey());
  }

  @Test
  void userMayNotActForOthers() {
    createUser("carol@example.com", "carol-password");
    LoginKeyPair carol =
        BackendClient.authorize(
            URI.create(server.endpoint()), "default", "carol@example.com", "carol-password");
    BackendClient asCarol =
        new BackendClient(
            BackendClientConfig.of(server.endpoint(), carol.accessKey(), carol.secretKey())
                .withOwnerAccessKey(ACCESS_KEY));

    BackendApiException error =
        assertThrows(
            BackendApiException.class, () -> asCarol.createSession(SessionSpec.of("python")));

    assertEquals(403, error.status());
    assertEquals("forbidden", error.kind());
  }

  @Test
  void listAllSessionsReachesOtherOwners() {
    createUser("dan@example.com", "dan-password");
    LoginKeyPair dan =
        BackendClient.authorize(
            URI.create(server.endpoint()), "default", "dan@example.com", "dan-password");
    BackendClient asDan =
        new BackendClient(
            BackendClientConfig.of(server.endpoint(), dan.accessKey(), dan.secretKey()));
    asDan.createSession(SessionSpec.of("python").withName("dans"));

    assertEquals(0, client.listSessions().items().size());
    assertEquals(1, client.listSessions(null, true).items().size());
    assertEquals("/session?all=true", lastRequest().pathAndQuery());
  }

  @Test
  void resourcePresetsUseSnakeCase() {
    client.admin().createResourcePreset("small", Map.of("cpu", "1", "mem", "1g"));
    client.admin().createResourcePreset("huge", Map.of("cpu", "64"));

    List<ResourcePreset> presets = client.resourcePresets();
    PresetCheck check = client.checkPresets("default");

    assertEquals(List.of("small", "huge"), presets.stream().map(ResourcePreset::name).toList());
    assertEquals(Map.of("cpu", "1", "mem", "1g"), presets.get(0).resourceSlots());
    assertEquals("{\"scaling_group\":\"default\"}", lastRequest().bodyText());
    assertEquals("/resource/check-presets", lastRequest().pathAndQuery());
    assertEquals("Infinity", check.keypairLimits().get("cpu"));
    assertEquals("0", check.keypairUsing().get("mem"));
    assertEquals("4", check.scalingGroupRemaining().get("cpu"));
    assertEquals("8589934592", check.scalingGroups().get("default").remaining().get("mem"));
    assertTrue(check.presets().get(0).allocatable());
    assertFalse(check.presets().get(1).allocatable());
  }

  @Test
  void checkPresetsCarriesOwner() {
    BackendClient onBehalf =
        new BackendClient(
            BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY)
                .withOwnerAccessKey(ACCESS_KEY));

    onBehalf.checkPresets(null);
    onBehalf.resourcePresets();

    List<RecordedRequest> requests = server.requests();
    assertEquals(
        "/resource/check-presets?owner_access_key=" + ACCESS_KEY, requests.get(0).pathAndQuery());
    assertTrue(requests.get(0).signatureValid());
    assertEquals("/resource/presets", requests.get(1).pathAndQuery());
  }

  @Test
  void checkPresetsWithoutScalingGroupSendsEmptyBody() {
    client.checkPresets(null);

    assertEquals("{}", lastRequest().bodyText());
  }

  @Test
  void keyPairFileIsPrivateAndLoadable() throws IOException {
    Path file = temp.resolve("keys/alice.properties");

    KeyPairFile.write(file, URI.create("http://127.0.0.1:9000"), "AKIAFILE", "file-secret");

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    BackendClientConfig config =
        BackendClientConfig.load(Map.of("BACKEND_KEYPAIR_FILE", file.toString()), temp);
    assertEquals("http://127.0.0.1:9000", config.endpoint().toString());
    assertEquals("AKIAFILE", config.accessKey());
    assertEquals("file-secret", config.secretKey());
  }

  @Test
  void keyPairFileIsNeverOverwritten() throws IOException {
    Path file = Files.writeString(temp.resolve("existing.properties"), "keep");

    BackendClientException error =
        assertThrows(
            BackendClientException.class,
            () -> KeyPairFile.write(file, URI.create("http://127.0.0.1:9000"), "AK", "secret"));

    assertTrue(error.getMessage().contains("already exists"), error.getMessage());
    assertEquals("keep", Files.readString(file));
  }

  @Test
  void keyPairFileRefusesSymbolicLink() throws IOException {
    Path target = temp.resolve("target");
    Path link = Files.createSymbolicLink(temp.resolve("link.properties"), target);

    assertThrows(
        BackendClientException.class,
        () -> KeyPairFile.write(link, URI.create("http://127.0.0.1:9000"), "AK", "secret"));

    assertFalse(Files.exists(target));
  }

  @Test
  void loadEndpointPrefersVariableThenFile() throws IOException {
    Path file = Files.writeString(temp.resolve("k.properties"), "endpoint=http://127.0.0.1:9100\n");

    assertEquals(
        "http://127.0.0.1:9200",
        BackendClientConfig.loadEndpoint(
                Map.of(
                    "BACKEND_ENDPOINT",
                    "http://127.0.0.1:9200/",
                    "BACKEND_KEYPAIR_FILE",
                    file.toString()),
                temp)
            .toString());
    assertEquals(
        "http://127.0.0.1:9100",
        BackendClientConfig.loadEndpoint(Map.of("BACKEND_KEYPAIR_FILE", file.toString()), temp)
            .toString());
    assertEquals(
        BackendClientConfig.DEFAULT_ENDPOINT,
        BackendClientConfig.loadEndpoint(Map.of(), temp).toString());
  }

  @Test
  void loadEndpointMatchesLoadWithKeyVariables() throws IOException {
    Path file = Files.writeString(temp.resolve("k.properties"), "endpoint=http://127.0.0.1:9100\n");
    Map<String, String> env =
        Map.of(
            "BACKEND_KEYPAIR_FILE", file.toString(),
            "BACKEND_ACCESS_KEY", "AKIAENV",
            "BACKEND_SECRET_KEY", "env-secret");

    assertEquals(
        BackendClientConfig.load(env, temp).endpoint(),
        BackendClientConfig.loadEndpoint(env, temp));
    assertEquals(
        BackendClientConfig.DEFAULT_ENDPOINT,
        BackendClientConfig.loadEndpoint(env, temp).toString());
  }
}
