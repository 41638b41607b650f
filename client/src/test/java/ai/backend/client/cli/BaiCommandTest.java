package ai.backend.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientConfig;
import ai.backend.client.FakeManagerServer;
import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.FakeManagerServer.Response;
import ai.backend.client.SessionCreated;
import ai.backend.client.SessionSpec;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaiCommandTest {

  private static final String ACCESS_KEY = "AKIACLITEST000000001";
  private static final String SECRET_KEY = "cli-test-secret";

  /** The output and exit code of one {@code bai} invocation. */
  private record Invocation(int exitCode, String out, String err) {}

  @TempDir Path home;

  private FakeManagerServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = FakeManagerServer.start(ACCESS_KEY, SECRET_KEY);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private Invocation bai(String... args) {
    return baiWithInput("", args);
  }

  private Invocation baiWithInput(String stdin, String... args) {
    Map<String, String> env =
        Map.of(
            "BACKEND_ENDPOINT", server.endpoint(),
            "BACKEND_ACCESS_KEY", ACCESS_KEY,
            "BACKEND_SECRET_KEY", SECRET_KEY);
    CliContext context = new CliContext(env, home, new BufferedReader(new StringReader(stdin)));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = BaiCommand.execute(args, context, new PrintWriter(out), new PrintWriter(err));
    return new Invocation(exitCode, out.toString(), err.toString());
  }

  private BackendClient sdkClient() {
    return new BackendClient(BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY));
  }

  private List<String> requestLines() {
    return server.requests().stream()
        .map(
            request ->
                request.method() + " " + request.path().replaceAll("/session/.+", "/session/ID"))
        .toList();
  }

  @Test
  void runPrintsOutputAndDestroysSession() {
    server.enqueueExecuteResult(
        "{\"status\": \"continued\", \"console\": [[\"stdout\", \"3 \"]], \"exitCode\": null}");
    server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"console\": [[\"stdout\", \"45\\n\"]], \"exitCode\": 0}");

    Invocation result = bai("run", "python", "-c", "print(1 + 2, 45)");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("3 45\n", result.out());
    assertEquals("", result.err());
    assertEquals(
        List.of(
            "POST /session",
            "GET /session/ID",
            "POST /session/ID",
            "POST /session/ID",
            "DELETE /session/ID"),
        requestLines());
    List<RecordedRequest> executions = server.requests("POST", "/session/");
    assertEquals("query", executions.get(0).json().get("mode").asText());
    assertEquals("print(1 + 2, 45)", executions.get(0).json().get("code").asText());
    assertEquals("continue", executions.get(1).json().get("mode").asText());
    assertEquals(
        executions.get(0).json().get("runId").asText(),
        executions.get(1).json().get("runId").asText());
    assertTrue(server.requests().stream().allMatch(RecordedRequest::signatureValid));
  }

  @Test
  void runExitsWithRunExitCode() {
    server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 3, \"console\": [[\"stdout\", \"partial\\n\"],"
            + " [\"stderr\", \"ValueError: bad\\n\"]]}");

    Invocation result = bai("run", "python", "-c", "raise SystemExit(3)");

    assertEquals(3, result.exitCode());
    assertEquals("partial\n", result.out());
    assertEquals("ValueError: bad\n", result.err());
    assertEquals(1, server.requests("DELETE", "/session/").size());
  }

  @Test
  void runSendsResourcesAndEnviron() {
    Invocation result =
        bai(
            "run",
            "python",
            "-c",
            "pass",
            "-r",
            "mem=512m",
            "-r",
            "cpu=1",
            "-e",
            "GREETING=hello",
            "-e",
            "EMPTY=",
            "--name",
            "my-session");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode body = server.requests("POST", "/session").get(0).json();
    assertEquals("python", body.get("image").asText());
    assertEquals("my-session", body.get("name").asText());
    assertEquals("interactive", body.get("type").asText());
    assertEquals(
        "{\"cpu\":\"1\",\"mem\":\"512m\"}", body.get("config").get("resources").toString());
    assertEquals(
        "{\"GREETING\":\"hello\",\"EMPTY\":\"\"}", body.get("config").get("environ").toString());
  }

  @Test
  void runGeneratesSessionName() {
    bai("run", "python", "-c", "pass");

    JsonNode body = server.requests("POST", "/session").get(0).json();
    assertTrue(body.get("name").asText().matches("bai-[0-9a-f]{10}"), body.toString());
  }

  @Test
  void badResourcePairIsUsageError() {
    Invocation result = bai("run", "python", "-c", "pass", "-r", "mem");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("bai: "), result.err());
    assertTrue(result.err().contains("'mem' is not of the form KEY=VALUE"), result.err());
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void emptyResourceValueIsUsageError() {
    Invocation result = bai("run", "python", "-c", "pass", "-r", "mem=");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("the value is empty"), result.err());
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void repeatedResourceKeyIsUsageError() {
    Invocation result = bai("run", "python", "-c", "pass", "-r", "cpu=1", "-r", "cpu=2");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("sets 'cpu' twice"), result.err());
  }

  @Test
  void missingCodeIsUsageError() {
    Invocation result = bai("run", "python");

    assertEquals(2, result.exitCode());
    assertTrue(
        result.err().startsWith("bai: missing code: give -c CODE, or FILES to run in batch mode"),
        result.err());
    assertTrue(result.err().contains("Try 'bai run --help'"), result.err());
  }

  @Test
  void emptySessionNameIsUsageError() {
    Invocation result = bai("info", " ");

    assertEquals(2, result.exitCode());
    assertEquals("bai: the session id or name is empty\n", result.err());
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void noCommandIsUsageError() {
    Invocation result = bai();

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("bai: missing command"), result.err());
  }

  @Test
  void helpListsCommands() {
    Invocation result = bai("--help");

    assertEquals(0, result.exitCode());
    for (String command :
        List.of(
            "run",
            "exec",
            "ps",
            "info",
            "rm",
            "upload",
            "download",
            "ls",
            "logs",
            "interrupt",
            "restart",
            "images",
            "presets",
            "events",
            "login",
            "admin",
            "version")) {
      assertTrue(result.out().contains("  " + command + " "), command);
    }
    assertTrue(result.out().contains("BACKEND_KEYPAIR_FILE"));
  }

  @Test
  void subcommandHelpExitsZero() {
    for (String command :
        List.of(
            "run",
            "exec",
            "ps",
            "info",
            "rm",
            "upload",
            "download",
            "ls",
            "logs",
            "interrupt",
            "restart",
            "images",
            "presets",
            "events",
            "login",
            "admin",
            "version")) {
      Invocation result = bai(command, "--help");

      assertEquals(0, result.exitCode(), command);
      assertTrue(result.out().startsWith("Usage: bai " + command), result.out());
    }
  }

  @Test
  void runDestroysSessionWhenExecutionFails() {
    server.enqueue(
        "POST",
        "/session/*",
        Response.problem(500, "internal-error", "Internal server error", "agent lost"));

    Invocation result = bai("run", "python", "-c", "pass");

    assertEquals(1, result.exitCode());
    assertTrue(
        result
            .err()
            .startsWith("bai: Internal server error: agent lost (HTTP 500, internal-error)"),
        result.err());
    assertEquals(1, server.requests("DELETE", "/session/").size());
  }

  @Test
  void runReportsSessionError() {
    server.failSessions("ERROR", "image pull failed");

    Invocation result = bai("run", "python", "-c", "pass");

    assertEquals(1, result.exitCode());
    assertTrue(
        result.err().contains("is ERROR and will not start: image pull failed"), result.err());
    assertEquals(1, server.requests("DELETE", "/session/").size());
  }

  @Test
  void runTimesOutWaitingForSession() {
    server.setPollsUntilRunning(Integer.MAX_VALUE);

    Invocation result = bai("run", "python", "-c", "pass", "--timeout", "1");

    assertEquals(1, result.exitCode());
    assertTrue(result.err().contains("timed out after 1 s"), result.err());
    assertEquals(1, server.requests("DELETE", "/session/").size());
  }

  @Test
  void runWithUnknownImageSendsNoDelete() {
    Invocation result = bai("run", "no-such-image", "-c", "pass");

    assertEquals(1, result.exitCode());
    assertTrue(result.err().contains("unknown image no-such-image"), result.err());
    assertTrue(server.requests("DELETE", "/session/").isEmpty());
  }

  @Test
  void runLeavesExistingSessionRunning() {
    SessionCreated existing = sdkClient().createSession(SessionSpec.of("python").withName("kept"));

    Invocation result = bai("run", "python", "-c", "pass", "--name", "kept");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.err().contains("session kept already exists"), result.err());
    assertTrue(server.requests("DELETE", "/session/").isEmpty());
    assertEquals("RUNNING", sdkClient().getSession(existing.sessionId()).status());
  }

  @Test
  void runSummarizesMediaOutput() {
    server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 0, \"console\": [[\"stdout\", \"plot:\"],"
            + " [\"media\", [\"image/svg+xml\", \"<svg></svg>\"]]]}");

    Invocation result = bai("run", "python", "-c", "plot()");

    assertEquals("plot:", result.out());
    assertEquals("\n[media image/svg+xml, 11 bytes]\n", result.err());
  }

  @Test
  void runPassesStandardInput() {
    server.enqueueExecuteResult(
        "{\"status\": \"waiting-input\", \"console\": [[\"stdout\", \"? \"]]}");
    server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 0, \"console\": [[\"stdout\", \"got it\\n\"]]}");

    Invocation result = baiWithInput("answer\n", "run", "python", "-c", "input('? ')");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("? got it\n", result.out());
    JsonNode input = server.requests("POST", "/session/").get(1).json();
    assertEquals("input", input.get("mode").asText());
    assertEquals("answer", input.get("code").asText());
  }

  @Test
  void execRunsInExistingSession() {
    sdkClient().createSession(SessionSpec.of("python").withName("target"));
    server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 5, \"console\": [[\"stdout\", \"hi\\n\"]]}");

    Invocation result = bai("exec", "target", "-c", "print('hi')");

    assertEquals(5, result.exitCode());
    assertEquals("hi\n", result.out());
    JsonNode execution = server.requests("POST", "/session/target").get(0).json();
    assertEquals("query", execution.get("mode").asText());
    assertEquals("print('hi')", execution.get("code").asText());
    assertTrue(server.requests("DELETE", "/session/").isEmpty());
  }

  @Test
  void execOnUnknownSessionIsApiError() {
    Invocation result = bai("exec", "ghost", "-c", "1");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Session not found: no session with the id or name ghost (HTTP 404, session-not-found)\n",
        result.err());
  }

  @Test
  void psPrintsSessionTable() {
    bai("run", "python", "-c", "pass", "--name", "listed");

    Invocation result = bai("ps");

    assertEquals(0, result.exitCode(), result.err());
    String[] lines = result.out().split("\n");
    assertEquals(2, lines.length, result.out());
    assertTrue(lines[0].startsWith("SESSION ID"), lines[0]);
    for (String header : List.of("NAME", "IMAGE", "STATUS", "STATUS INFO", "CREATED")) {
      assertTrue(lines[0].contains(header), header);
    }
    assertTrue(lines[1].contains("listed"), lines[1]);
    assertTrue(lines[1].contains("python"), lines[1]);
    assertTrue(lines[1].contains("TERMINATED"), lines[1]);
  }

  @Test
  void psFiltersByStatus() {
    Invocation result = bai("ps", "--status", "RUNNING");

    assertEquals(0, result.exitCode());
    assertEquals("No sessions in status RUNNING.\n", result.out());
    assertEquals("/session?status=RUNNING", server.requests().get(0).pathAndQuery());
  }

  @Test
  void psDropsFractionOfSecond() {
    assertEquals("2026-12-04T15:27:01Z", PsCommand.formatTimestamp("2026-12-04T15:27:01.123456Z"));
    assertEquals("yesterday", PsCommand.formatTimestamp("yesterday"));
  }

  @Test
  void infoPrintsSessionDetails() {
    bai("run", "python", "-c", "pass", "--name", "detailed", "-r", "cpu=1");

    Invocation result = bai("info", "detailed");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("Name:            detailed\n"), result.out());
    assertTrue(result.out().contains("Image:           python\n"), result.out());
    assertTrue(result.out().contains("Status:          TERMINATED\n"), result.out());
    assertTrue(result.out().contains("Requested slots: cpu=1\n"), result.out());
  }

  @Test
  void rmReportsEachSession() {
    SessionCreated removable =
        sdkClient().createSession(SessionSpec.of("python").withName("removable"));

    Invocation result = bai("rm", "removable", "ghost");

    assertEquals(1, result.exitCode());
    assertEquals("Session " + removable.sessionId() + " is TERMINATED.\n", result.out());
    assertTrue(result.err().contains("failed to destroy session ghost"), result.err());
  }

  @Test
  void versionPrintsApiVersion() {
    Invocation result = bai("version");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("API version:     v8.20240915"), result.out());
    assertTrue(result.out().contains("Manager version: fake"), result.out());
  }

  @Test
  void wrongKeypairNamesItsSource() {
    Map<String, String> env =
        Map.of(
            "BACKEND_ENDPOINT",
            server.endpoint(),
            "BACKEND_ACCESS_KEY",
            ACCESS_KEY,
            "BACKEND_SECRET_KEY",
            "wrong");
    CliContext context = new CliContext(env, home, new BufferedReader(new StringReader("")));
    StringWriter err = new StringWriter();

    int exitCode =
        BaiCommand.execute(
            new String[] {"ps"},
            context,
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));

    assertEquals(1, exitCode);
    assertTrue(err.toString().contains("HTTP 401, auth-failed"), err.toString());
    assertTrue(err.toString().contains("BACKEND_ACCESS_KEY"), err.toString());
    assertFalse(err.toString().contains("wrong"), err.toString());
  }

  @Test
  void missingKeypairIsReported() {
    CliContext context = new CliContext(Map.of(), home, new BufferedReader(new StringReader("")));
    StringWriter err = new StringWriter();

    int exitCode =
        BaiCommand.execute(
            new String[] {"ps"},
            context,
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));

    assertEquals(1, exitCode);
    assertTrue(err.toString().startsWith("bai: no API keypair"), err.toString());
  }
}
