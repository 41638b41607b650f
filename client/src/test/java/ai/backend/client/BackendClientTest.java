package ai.backend.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.FakeManagerServer.Response;
import ai.backend.common.auth.RequestSignature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BackendClientTest {

  private static final String ACCESS_KEY = "AKIATESTKEY000000001";
  private static final String SECRET_KEY = "test-secret-key-0123456789";

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

  @Test
  void apiVersionRequestIsSigned() {
    ApiVersion version = client.apiVersion();

    assertEquals(RequestSignature.API_VERSION, version.version());
    assertEquals("fake", version.manager());
    RecordedRequest request = server.requests().get(0);
    assertTrue(request.signatureValid());
    assertEquals("GET", request.method());
    assertEquals("/", request.pathAndQuery());
    assertEquals(RequestSignature.API_VERSION, request.header("X-BackendAI-Version"));
    assertNull(request.header("Content-Type"));
    assertEquals(0, request.body().length);
    assertTrue(
        request
            .header("X-BackendAI-Date")
            .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00"),
        request.header("X-BackendAI-Date"));
    assertTrue(
        request
            .header("Authorization")
            .startsWith("BackendAI signMethod=HMAC-SHA256, credential=" + ACCESS_KEY + ":"));
  }

  @Test
  void signedHostIncludesPort() {
    client.apiVersion();

    RecordedRequest request = server.requests().get(0);
    String host = "127.0.0.1:" + server.port();
    assertEquals(host, request.header("Host"));
    assertEquals(expectedSignature(request, request.pathAndQuery(), host), signatureOf(request));
    assertNotEquals(
        expectedSignature(request, request.pathAndQuery(), "127.0.0.1"), signatureOf(request));
  }

  @Test
  void queryStringIsSigned() {
    client.listSessions("RUNNING");

    RecordedRequest request = server.requests().get(0);
    assertTrue(request.signatureValid());
    assertEquals("/session?status=RUNNING", request.pathAndQuery());
    String host = request.header("Host");
    assertEquals(expectedSignature(request, "/session?status=RUNNING", host), signatureOf(request));
    assertNotEquals(expectedSignature(request, "/session", host), signatureOf(request));
  }

  @Test
  void requestBodyIsSigned() {
    client.createSession(SessionSpec.of("python").withName("signed-body"));

    RecordedRequest request = server.requests().get(0);
    assertTrue(request.signatureValid());
    assertEquals("application/json", request.header("Content-Type"));
    assertEquals("python", request.json().get("image").asText());
    assertEquals("signed-body", request.json().get("name").asText());
    assertEquals("interactive", request.json().get("type").asText());
    String host = request.header("Host");
    assertEquals(expectedSignature(request, "/session", host), signatureOf(request));
  }

  @Test
  void dateIsSentInUtcWithNumericOffset() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Clock seoul = Clock.fixed(now, ZoneId.of("Asia/Seoul"));
    BackendClient seoulClient =
        new BackendClient(BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY), seoul);

    seoulClient.apiVersion();

    RecordedRequest request = server.requests().get(0);
    assertTrue(request.signatureValid());
    assertEquals(now.toString().replace("Z", "+00:00"), request.header("X-BackendAI-Date"));
  }

  @Test
  void wrongSecretKeyIsRejected() {
    BackendClient wrongKey =
        new BackendClient(BackendClientConfig.of(server.endpoint(), ACCESS_KEY, "wrong-secret"));

    BackendApiException error = assertThrows(BackendApiException.class, wrongKey::apiVersion);

    assertEquals(401, error.status());
    assertEquals("https://api.backend.ai/probs/auth-failed", error.type());
    assertEquals("auth-failed", error.kind());
    assertFalse(server.requests().get(0).signatureValid());
  }

  @Test
  void problemJsonBecomesApiException() {
    BackendApiException error =
        assertThrows(BackendApiException.class, () -> client.getSession("no-such-session"));

    assertEquals(404, error.status());
    assertEquals("https://api.backend.ai/probs/session-not-found", error.type());
    assertEquals("session-not-found", error.kind());
    assertEquals("Session not found", error.title());
    assertEquals("no session with the id or name no-such-session", error.detail());
    assertEquals(
        "Session not found: no session with the id or name no-such-session"
            + " (HTTP 404, session-not-found)",
        error.getMessage());
  }

  @Test
  void imageNotFoundNamesImage() {
    BackendApiException error =
        assertThrows(
            BackendApiException.class, () -> client.createSession(SessionSpec.of("no-such-image")));

    assertEquals(404, error.status());
    assertEquals("image-not-found", error.kind());
    assertTrue(error.detail().contains("no-such-image"), error.detail());
  }

  @Test
  void nonProblemErrorKeepsBodyExcerpt() {
    server.enqueue("GET", "/", new Response(502, "text/plain", "upstream unavailable"));

    BackendApiException error = assertThrows(BackendApiException.class, client::apiVersion);

    assertEquals(502, error.status());
    assertNull(error.type());
    assertEquals("upstream unavailable", error.detail());
    assertTrue(error.getMessage().contains("HTTP 502"), error.getMessage());
  }

  @Test
  void invalidJsonResponseIsReported() {
    server.enqueue("GET", "/", new Response(200, "application/json", "<html>"));

    BackendClientException error = assertThrows(BackendClientException.class, client::apiVersion);

    assertFalse(error instanceof BackendApiException);
    assertTrue(error.getMessage().contains("not valid JSON"), error.getMessage());
  }

  @Test
  void sessionIdIsPercentEncodedInPath() {
    assertThrows(BackendApiException.class, () -> client.getSession("a b/c"));

    RecordedRequest request = server.requests().get(0);
    assertEquals("/session/a%20b%2Fc", request.path());
    assertTrue(request.signatureValid());
  }

  @Test
  void createSessionSendsResourcesAndEnviron() {
    SessionSpec spec =
        SessionSpec.of("python")
            .withResources(Map.of("mem", "512m", "cpu", "1"))
            .withEnviron(Map.of("GREETING", "hello"));

    SessionCreated created = client.createSession(spec);

    assertTrue(created.created());
    assertEquals("PENDING", created.status());
    JsonNode body = server.requests().get(0).json();
    assertEquals(
        "{\"cpu\":\"1\",\"mem\":\"512m\"}", body.get("config").get("resources").toString());
    assertEquals("{\"GREETING\":\"hello\"}", body.get("config").get("environ").toString());
  }

  @Test
  void createSessionWithoutConfigOmitsIt() {
    client.createSession(SessionSpec.of("python"));

    JsonNode body = server.requests().get(0).json();
    assertFalse(body.has("config"));
    assertFalse(body.has("name"));
  }

  @Test
  void createSessionSendsScalingGroupAndWait() {
    client.createSession(
        SessionSpec.of("python")
            .withScalingGroup(" default ")
            .withEnqueueOnly(false)
            .withMaxWaitSeconds(30));
    client.createSession(SessionSpec.of("python"));

    JsonNode body = server.requests().get(0).json();
    assertEquals("default", body.get("scalingGroup").asText());
    assertFalse(body.get("enqueueOnly").asBoolean());
    assertEquals(30, body.get("maxWaitSeconds").asInt());
    JsonNode plain = server.requests().get(1).json();
    assertFalse(plain.has("scalingGroup"));
    assertFalse(plain.has("enqueueOnly"));
    assertFalse(plain.has("maxWaitSeconds"));
  }

  @Test
  void createSessionSendsNetworkInConfig() {
    client.createSession(SessionSpec.of("python").withNetwork(" isolated "));

    JsonNode body = server.requests().get(0).json();
    assertEquals("isolated", body.get("config").get("network").asText());
  }

  @Test
  void maxWaitExtendsCreateTimeout() {
    BackendClient impatient =
        new BackendClient(
            new BackendClientConfig(
                server.endpoint(),
                ACCESS_KEY,
                SECRET_KEY,
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                "the test"));
    server.setRequestHook(
        request -> {
          if (request.method().equals("POST") && request.path().equals("/session")) {
            sleepMillis(1500);
          }
        });

    BackendClientException timedOut =
        assertThrows(
            BackendClientException.class, () -> impatient.createSession(SessionSpec.of("python")));
    SessionCreated waited = impatient.createSession(SessionSpec.of("python").withMaxWaitSeconds(1));

    assertTrue(timedOut.getMessage().startsWith("timed out after 1 s"), timedOut.getMessage());
    assertTrue(waited.created());
  }

  @Test
  void negativeMaxWaitIsRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> SessionSpec.of("python").withMaxWaitSeconds(-1));
  }

  @Test
  void unknownScalingGroupIsInvalid() {
    BackendApiException error =
        assertThrows(
            BackendApiException.class,
            () -> client.createSession(SessionSpec.of("python").withScalingGroup("gpu")));

    assertEquals(400, error.status());
    assertTrue(
        error.getMessage().contains("scaling group 'gpu' is not allowed"), error.getMessage());
  }

  @Test
  void existingSessionIsNotCreatedAgain() {
    SessionCreated first = client.createSession(SessionSpec.of("python").withName("shared"));
    SessionCreated second = client.createSession(SessionSpec.of("python").withName("shared"));

    assertTrue(first.created());
    assertFalse(second.created());
    assertEquals(first.sessionId(), second.sessionId());
  }

  @Test
  void sessionLifecycleCalls() {
    SessionCreated created =
        client.createSession(SessionSpec.of("python").withResources(Map.of("cpu", "1")));

    SessionInfo running = client.waitUntilRunning(created.sessionId(), Duration.ofSeconds(5));
    SessionList list = client.listSessions();
    SessionDestroyed destroyed = client.destroySession(created.sessionId());
    SessionInfo terminated = client.getSession(created.sessionId());

    assertEquals("RUNNING", running.status());
    assertEquals("python", running.image());
    assertEquals(Map.of("cpu", "1"), running.requestedSlots());
    assertEquals(1, list.totalCount());
    assertEquals(created.sessionId(), list.items().get(0).sessionId());
    assertEquals("TERMINATED", destroyed.status());
    assertEquals("TERMINATED", terminated.status());
    assertTrue(server.requests().stream().allMatch(RecordedRequest::signatureValid));
  }

  @Test
  void waitUntilRunningPolls() {
    server.setPollsUntilRunning(4);
    SessionCreated created = client.createSession(SessionSpec.of("python"));

    SessionInfo session =
        client.waitUntilRunning(
            created.sessionId(),
            Duration.ofSeconds(5),
            Duration.ofMillis(10),
            Duration.ofMillis(20));

    assertTrue(session.isRunning());
    assertEquals(4, server.requests("GET", "/session/").size());
  }

  @Test
  void waitUntilRunningFailsWithStatusInfo() {
    server.failSessions("ERROR", "no agent has 64 CPUs free");
    SessionCreated created = client.createSession(SessionSpec.of("python"));

    SessionFailedException error =
        assertThrows(
            SessionFailedException.class,
            () -> client.waitUntilRunning(created.sessionId(), Duration.ofSeconds(5)));

    assertEquals("ERROR", error.session().status());
    assertTrue(error.getMessage().contains("no agent has 64 CPUs free"), error.getMessage());
  }

  @Test
  void waitUntilRunningTimesOut() {
    server.setPollsUntilRunning(Integer.MAX_VALUE);
    SessionCreated created = client.createSession(SessionSpec.of("python"));

    BackendClientException error =
        assertThrows(
            BackendClientException.class,
            () ->
                client.waitUntilRunning(
                    created.sessionId(),
                    Duration.ofMillis(300),
                    Duration.ofMillis(20),
                    Duration.ofMillis(50)));

    assertFalse(error instanceof SessionFailedException);
    assertTrue(error.getMessage().contains("timed out after 0.3 s"), error.getMessage());
    assertTrue(error.getMessage().contains("PENDING"), error.getMessage());
  }

  @Test
  void continuedRunIsFollowedInOrder() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));
    server.enqueueExecuteResult(
        "{\"status\": \"continued\", \"console\": [[\"stdout\", \"one \"]], \"exitCode\": null}");
    server.enqueueExecuteResult(
        "{\"status\": \"continued\", \"console\": [[\"stderr\", \"warn\\n\"],"
            + " [\"stdout\", \"two \"]], \"exitCode\": null}");
    server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"console\": [[\"stdout\", \"three\\n\"]], \"exitCode\": 0}");
    List<String> seen = new ArrayList<>();

    RunResult run =
        client.runCode(
            created.sessionId(), "print('one two three')", item -> seen.add(item.text()));

    assertEquals("one two three\n", run.stdout());
    assertEquals("warn\n", run.stderr());
    assertEquals(List.of("one ", "warn\n", "two ", "three\n"), seen);
    assertEquals("finished", run.status());
    assertEquals(0, run.exitCode());
    assertEquals(3, run.steps());

    List<RecordedRequest> executions = server.requests("POST", "/session/");
    assertEquals(3, executions.size());
    List<String> modes = executions.stream().map(r -> r.json().get("mode").asText()).toList();
    assertEquals(List.of("query", "continue", "continue"), modes);
    for (RecordedRequest execution : executions) {
      assertEquals(run.runId(), execution.json().get("runId").asText());
      assertTrue(execution.signatureValid());
    }
    assertEquals("print('one two three')", executions.get(0).json().get("code").asText());
    assertEquals("", executions.get(1).json().get("code").asText());
    assertEquals("", executions.get(2).json().get("code").asText());
  }

  @Test
  void waitingInputSendsInputLine() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));
    server.enqueueExecuteResult(
        "{\"status\": \"waiting-input\", \"console\": [[\"stdout\", \"name? \"]]}");
    server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"console\": [[\"stdout\", \"hi ada\\n\"]], \"exitCode\": 0}");
    RunListener listener =
        new RunListener() {
          @Override
          public void onConsole(ConsoleItem item) {}

          @Override
          public String onInputRequest(ExecutionResult prompt) {
            return "ada";
          }
        };

    RunResult run = client.runCode(created.sessionId(), "print('hi', input('name? '))", listener);

    assertEquals("name? hi ada\n", run.stdout());
    List<RecordedRequest> executions = server.requests("POST", "/session/");
    assertEquals("input", executions.get(1).json().get("mode").asText());
    assertEquals("ada", executions.get(1).json().get("code").asText());
    assertEquals(run.runId(), executions.get(1).json().get("runId").asText());
  }

  @Test
  void waitingInputWithoutSourceFails() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));
    server.enqueueExecuteResult("{\"status\": \"waiting-input\", \"console\": []}");

    BackendClientException error =
        assertThrows(
            BackendClientException.class,
            () -> client.runCode(created.sessionId(), "input()", item -> {}));

    assertTrue(error.getMessage().contains("waiting for standard input"), error.getMessage());
  }

  @Test
  void executeSendsModeCodeRunIdAndOptions() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));

    ExecutionResult result =
        client.execute(created.sessionId(), ExecutionMode.QUERY, "1+1", "run-0001", Map.of("k", 1));

    JsonNode body = server.requests("POST", "/session/").get(0).json();
    assertEquals("query", body.get("mode").asText());
    assertEquals("1+1", body.get("code").asText());
    assertEquals("run-0001", body.get("runId").asText());
    assertEquals("{\"k\":1}", body.get("options").toString());
    assertEquals("run-0001", result.runId());
    assertEquals("finished", result.status());
  }

  @Test
  void consoleItemsOfEveryKindAreRead() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));
    server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 0, \"files\": [], \"options\": null,"
            + " \"console\": [[\"stdout\", \"a\"], [\"media\", [\"image/svg+xml\", \"<svg/>\"]],"
            + " [\"html\", \"<p>é</p>\"]]}");

    ExecutionResult result =
        client.execute(created.sessionId(), ExecutionMode.QUERY, "", "run-0002", null);

    assertEquals(3, result.console().size());
    assertEquals("[media image/svg+xml, 6 bytes]", result.console().get(1).summary());
    assertEquals("[html, 9 bytes]", result.console().get(2).summary());
  }

  @Test
  void interruptSendsSignedPostWithoutBody() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));

    client.interrupt(created.sessionId());

    RecordedRequest request = server.requests("POST", "/session/").get(0);
    assertEquals("/session/" + created.sessionId() + "/interrupt", request.path());
    assertEquals(0, request.body().length);
    assertNull(request.header("Content-Type"));
    assertTrue(request.signatureValid());
  }

  @Test
  void restartSendsPatch() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));

    client.restart(created.sessionId());

    RecordedRequest request = server.requests("PATCH", "/session/").get(0);
    assertEquals("/session/" + created.sessionId(), request.path());
    assertEquals(0, request.body().length);
    assertTrue(request.signatureValid());
  }

  @Test
  void completeSendsCodeAndOptions() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));
    server.setCompletions(List.of("print", "printf"));

    List<String> completions =
        client.complete(created.sessionId(), "pri", Map.of("line", "pri", "col", 3));

    assertEquals(List.of("print", "printf"), completions);
    RecordedRequest request = server.requests("POST", "/session/").get(0);
    assertEquals("/session/" + created.sessionId() + "/complete", request.path());
    assertEquals("pri", request.json().get("code").asText());
    assertEquals("pri", request.json().get("options").get("line").asText());
    assertEquals(3, request.json().get("options").get("col").asInt());
    assertTrue(request.signatureValid());
  }

  @Test
  void logsReturnsText() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));
    server.setLogs(created.sessionId(), "runner ready\n");

    assertEquals("runner ready\n", client.logs(created.sessionId()));
    RecordedRequest request = server.requests("GET", "/session/").get(0);
    assertEquals("/session/" + created.sessionId() + "/logs", request.path());
    assertTrue(request.signatureValid());
  }

  @Test
  void imagesListsAliasesAndSlots() {
    ImageList images = client.images();

    assertEquals(2, images.items().size());
    ImageInfo python = images.items().get(0);
    assertEquals("backendai/python:3.11-debian12", python.name());
    assertEquals(List.of("python:3.11-debian12", "python:3.11", "python"), python.aliases());
    assertEquals("python", python.runtimeType());
    assertEquals("python", python.labels().get("ai.backend.runtime-type"));
    assertEquals(Map.of("cpu", "1", "mem", "268435456"), python.minSlots());
    assertEquals("/images", server.requests().get(0).pathAndQuery());
    assertTrue(server.requests().get(0).signatureValid());
  }

  @Test
  void listFilesSendsPathQuery() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));
    server.putFile(created.sessionId(), "src/util.c", new byte[] {1, 2, 3});
    server.putFile(created.sessionId(), "src/lib/x.h", new byte[0]);

    FileListing listing = client.listFiles(created.sessionId(), "src");

    assertEquals("/home/work/src", listing.path());
    assertEquals(2, listing.files().size());
    FileEntry folder = listing.files().get(0);
    assertEquals("lib", folder.filename());
    assertTrue(folder.isDirectory());
    FileEntry file = listing.files().get(1);
    assertEquals("util.c", file.filename());
    assertEquals("file", file.type());
    assertEquals(3, file.size());
    assertEquals("644", file.mode());
    assertEquals("2026-12-04T15:27:01.123456+00:00", file.mtime());
    RecordedRequest request = server.requests("GET", "/session/").get(0);
    assertEquals("path=src", request.query());
    assertTrue(request.signatureValid());
  }

  @Test
  void listFilesDefaultsToWorkFolder() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));

    FileListing listing = client.listFiles(created.sessionId(), null);

    assertEquals("/home/work", listing.path());
    assertTrue(listing.files().isEmpty());
    assertEquals("path=.", server.requests("GET", "/session/").get(0).query());
  }

  @Test
  void batchRunSendsCommandsInFirstRequest() {
    SessionCreated created = client.createSession(SessionSpec.of("c"));
    server.enqueueExecuteResult(
        "{\"status\": \"continued\", \"console\": [[\"stdout\", \"compiling\\n\"]]}");
    server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 0, \"console\": [[\"stdout\", \"hi\\n\"]]}");

    RunResult run =
        client.runBatch(
            created.sessionId(),
            new BatchCommands("make clean", "make", "./main"),
            "run-batch-1",
            Map.of("execTimeout", 5, "build", "ignored"),
            item -> {});

    assertEquals("finished", run.status());
    assertEquals("compiling\nhi\n", run.stdout());
    List<RecordedRequest> executions = server.requests("POST", "/session/");
    JsonNode first = executions.get(0).json();
    assertEquals("batch", first.get("mode").asText());
    assertEquals("", first.get("code").asText());
    assertEquals("run-batch-1", first.get("runId").asText());
    assertEquals(
        "{\"execTimeout\":5,\"clean\":\"make clean\",\"build\":\"make\",\"exec\":\"./main\"}",
        first.get("options").toString());
    JsonNode second = executions.get(1).json();
    assertEquals("continue", second.get("mode").asText());
    assertEquals("run-batch-1", second.get("runId").asText());
    assertEquals("{}", second.get("options").toString());
  }

  @Test
  void batchDefaultsUseImageCommands() {
    assertEquals(Map.of("build", "*", "exec", "*"), BatchCommands.imageDefaults().toOptions());
    assertEquals(Map.of("exec", "*"), new BatchCommands(null, null, null).toOptions());
  }

  @Test
  void successfulStepsContinueToExec() {
    SessionCreated created = client.createSession(SessionSpec.of("c"));
    server.enqueueExecuteResult(
        "{\"status\": \"clean-finished\", \"exitCode\": 0, \"console\": []}");
    server.enqueueExecuteResult(
        "{\"status\": \"build-finished\", \"exitCode\": 0,"
            + " \"console\": [[\"stderr\", \"warning: unused\\n\"]]}");
    server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 7, \"console\": [[\"stdout\", \"ran\\n\"]]}");
    List<String> steps = new ArrayList<>();
    RunListener listener =
        new RunListener() {
          @Override
          public void onConsole(ConsoleItem item) {}

          @Override
          public void onStepFinished(ExecutionResult step) {
            steps.add(step.status() + " " + step.exitCode());
          }
        };

    RunResult run =
        client.runBatch(
            created.sessionId(), BatchCommands.imageDefaults(), "run-2", Map.of(), listener);

    assertEquals("finished", run.status());
    assertEquals(7, run.exitCode());
    assertEquals(3, run.steps());
    assertEquals(List.of("clean-finished 0", "build-finished 0"), steps);
    List<String> modes =
        server.requests("POST", "/session/").stream()
            .map(request -> request.json().get("mode").asText())
            .toList();
    assertEquals(List.of("batch", "continue", "continue"), modes);
  }

  @Test
  void buildFailureEndsBatchRun() {
    SessionCreated created = client.createSession(SessionSpec.of("c"));
    server.enqueueExecuteResult(
        "{\"status\": \"build-finished\", \"exitCode\": 2,"
            + " \"console\": [[\"stderr\", \"main.c:1: error\\n\"]]}");

    RunResult run =
        client.runBatch(
            created.sessionId(), BatchCommands.imageDefaults(), "run-3", Map.of(), item -> {});

    assertEquals("build-finished", run.status());
    assertEquals(2, run.exitCode());
    assertEquals("main.c:1: error\n", run.stderr());
    assertEquals(1, server.requests("POST", "/session/").size());
  }

  @Test
  void execTimeoutEndsRun() {
    SessionCreated created = client.createSession(SessionSpec.of("python"));
    server.enqueueExecuteResult(
        "{\"status\": \"continued\", \"console\": [[\"stdout\", \"tick\\n\"]]}");
    server.enqueueExecuteResult("{\"status\": \"exec-timeout\", \"console\": []}");

    RunResult run =
        client.runCode(
            created.sessionId(), "while True: pass", "run-4", Map.of("execTimeout", 1), item -> {});

    assertEquals("exec-timeout", run.status());
    assertNull(run.exitCode());
    assertEquals(
        1,
        server
            .requests("POST", "/session/")
            .get(0)
            .json()
            .get("options")
            .get("execTimeout")
            .asInt());
  }

  @Test
  void passwordFlagIsReadInBothSpellings() {
    ObjectMapper mapper = new ObjectMapper();
    ExecutionResult camel =
        new ExecutionResult(
            "r",
            "waiting-input",
            null,
            null,
            mapper.createObjectNode().put("isPassword", true),
            null);
    ExecutionResult snake =
        new ExecutionResult(
            "r",
            "waiting-input",
            null,
            null,
            mapper.createObjectNode().put("is_password", true),
            null);
    ExecutionResult plain =
        new ExecutionResult(
            "r",
            "waiting-input",
            null,
            null,
            mapper.createObjectNode().put("isPassword", false),
            null);
    ExecutionResult none = new ExecutionResult("r", "waiting-input", null, null, null, null);

    assertTrue(camel.isPasswordInput());
    assertTrue(snake.isPasswordInput());
    assertFalse(plain.isPasswordInput());
    assertFalse(none.isPasswordInput());
  }

  @Test
  void connectionRefusedNamesEndpointAndQuickstart() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + closedPort;
    BackendClient unreachable =
        new BackendClient(BackendClientConfig.of(endpoint, ACCESS_KEY, SECRET_KEY));

    BackendClientException error =
        assertThrows(BackendClientException.class, unreachable::apiVersion);

    assertTrue(error.getMessage().contains(endpoint), error.getMessage());
    assertTrue(error.getMessage().contains("./quickstart.sh"), error.getMessage());
    assertFalse(error.getMessage().contains(SECRET_KEY));
  }

  @Test
  void hostHeaderOmitsDefaultPorts() {
    assertEquals(
        "127.0.0.1:8080", SignedHttpTransport.hostHeader(URI.create("http://127.0.0.1:8080/")));
    assertEquals("localhost", SignedHttpTransport.hostHeader(URI.create("http://localhost/")));
    assertEquals("localhost", SignedHttpTransport.hostHeader(URI.create("http://localhost:80/")));
    assertEquals("localhost", SignedHttpTransport.hostHeader(URI.create("https://localhost:443/")));
    assertEquals(
        "localhost:80", SignedHttpTransport.hostHeader(URI.create("https://localhost:80/")));
    assertEquals("[::1]:8080", SignedHttpTransport.hostHeader(URI.create("http://[::1]:8080/")));
  }

  private static String signatureOf(RecordedRequest request) {
    return RequestSignature.parseAuthorization(request.header("Authorization")).signature();
  }

  private static String expectedSignature(
      RecordedRequest request, String pathAndQuery, String host) {
    RequestSignature.SignedRequest signed =
        new RequestSignature.SignedRequest(
            request.method(),
            pathAndQuery,
            request.header("X-BackendAI-Date"),
            host,
            request.header("Content-Type"),
            RequestSignature.API_VERSION,
            RequestSignature.sha256Hex(request.bodyText().getBytes(StandardCharsets.UTF_8)));
    return RequestSignature.sign(SECRET_KEY, signed);
  }

  private static void sleepMillis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
