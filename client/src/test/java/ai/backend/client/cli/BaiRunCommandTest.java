package ai.backend.client.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.client.BackendClientException;
import ai.backend.client.FakeManagerServer;
import ai.backend.client.FakeManagerServer.Part;
import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.SessionCreated;
import ai.backend.client.SessionSpec;
import ai.backend.client.cli.CliHarness.Invocation;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bai run} with files and {@code bai exec}: batch mode, input, Ctrl-C and exit codes. */
class BaiRunCommandTest {

  @TempDir Path temp;

  private CliHarness cli;

  @BeforeEach
  void start() throws IOException {
    cli = new CliHarness(temp);
  }

  @AfterEach
  void stop() {
    cli.close();
  }

  private List<RecordedRequest> executions() {
    return cli.server.requests().stream()
        .filter(
            request -> request.method().equals("POST") && request.path().matches("/session/[^/]+"))
        .toList();
  }

  @Test
  void runUploadsFilesThenRunsBatch() throws IOException {
    cli.workFile("main.c", "int main(void) { return util(); }\n");
    cli.workFile("src/util.c", "int util(void) { return 0; }\n");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"build-finished\", \"exitCode\": 0,"
            + " \"console\": [[\"stderr\", \"cc main.c src/util.c\\n\"]]}");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 0, \"console\": [[\"stdout\", \"hello\\n\"]]}");

    Invocation result = cli.bai("run", "c", "main.c", "./src/util.c");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("hello\n", result.out());
    assertEquals("cc main.c src/util.c\n", result.err());
    assertEquals(
        List.of(
            "POST /session",
            "GET /session/ID",
            "POST /session/ID/upload",
            "POST /session/ID",
            "POST /session/ID",
            "DELETE /session/ID"),
        cli.requestLines());
    assertEquals("c", cli.server.requests("POST", "/session").get(0).json().get("image").asText());

    RecordedRequest upload = cli.server.requests("POST", "/session/").get(0);
    assertTrue(upload.signatureValid());
    List<Part> parts =
        FakeManagerServer.parseMultipart(upload.header("Content-Type"), upload.body());
    assertEquals(List.of("main.c", "src/util.c"), parts.stream().map(Part::filename).toList());
    assertArrayEquals(
        "int util(void) { return 0; }\n".getBytes(StandardCharsets.UTF_8), parts.get(1).content());

    JsonNode batch = executions().get(0).json();
    assertEquals("batch", batch.get("mode").asText());
    assertEquals("", batch.get("code").asText());
    assertEquals("{\"build\":\"*\",\"exec\":\"*\"}", batch.get("options").toString());
    assertEquals("continue", executions().get(1).json().get("mode").asText());
    assertTrue(cli.server.requests().stream().allMatch(RecordedRequest::signatureValid));
  }

  @Test
  void runSendsBatchCommandsAndTimeout() throws IOException {
    cli.workFile("main.py", "print(1)\n");

    Invocation result =
        cli.bai(
            "run",
            "python",
            "main.py",
            "--clean",
            "rm -f out",
            "--build",
            "true",
            "--exec",
            "python main.py",
            "--exec-timeout",
            "30");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(
        "{\"execTimeout\":30,\"clean\":\"rm -f out\",\"build\":\"true\",\"exec\":\"python main.py\"}",
        executions().get(0).json().get("options").toString());
  }

  @Test
  void buildFailureExitsWithBuildCode() throws IOException {
    cli.workFile("main.c", "int main(void) { oops }\n");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"build-finished\", \"exitCode\": 2,"
            + " \"console\": [[\"stderr\", \"main.c:1: error: expected ';'\\n\"]]}");

    Invocation result = cli.bai("run", "c", "main.c");

    assertEquals(2, result.exitCode());
    assertEquals("", result.out());
    assertEquals(
        "main.c:1: error: expected ';'\n"
            + "bai: the build failed with exit code 2; the program was not run\n",
        result.err());
    assertEquals(1, executions().size());
    assertEquals(1, cli.server.requests("DELETE", "/session/").size());
  }

  @Test
  void failedCleanIsReportedAndRunGoesOn() throws IOException {
    cli.workFile("main.c", "int main(void) { return 0; }\n");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"clean-finished\", \"exitCode\": 1, \"console\": []}");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"build-finished\", \"exitCode\": 0, \"console\": []}");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 0, \"console\": [[\"stdout\", \"ok\\n\"]]}");

    Invocation result = cli.bai("run", "c", "main.c", "--clean", "false");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("ok\n", result.out());
    assertEquals(
        "bai: the clean command failed with exit code 1; the build goes on\n", result.err());
  }

  @Test
  void execTimeoutExitsWith124() {
    cli.server.enqueueExecuteResult(
        "{\"status\": \"continued\", \"console\": [[\"stdout\", \"tick\\n\"]]}");
    cli.server.enqueueExecuteResult("{\"status\": \"exec-timeout\", \"console\": []}");

    Invocation result = cli.bai("run", "python", "-c", "while True: pass", "--exec-timeout", "1");

    assertEquals(124, result.exitCode());
    assertEquals("tick\n", result.out());
    assertTrue(result.err().contains("reached its time limit"), result.err());
    assertTrue(result.err().contains("exec-timeout"), result.err());
    assertEquals(1, executions().get(0).json().get("options").get("execTimeout").asInt());
    assertEquals(1, cli.server.requests("DELETE", "/session/").size());
  }

  @Test
  void continuedOutputIsPrintedBeforeNextRequest() {
    cli.server.enqueueExecuteResult(
        "{\"status\": \"continued\", \"console\": [[\"stdout\", \"one\\n\"]]}");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"continued\", \"console\": [[\"stderr\", \"two\\n\"],"
            + " [\"stdout\", \"three\\n\"]]}");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 0, \"console\": [[\"stdout\", \"four\\n\"]]}");
    StringWriter merged = new StringWriter();
    List<String> printedBeforeEachContinue = new ArrayList<>();
    cli.server.setRequestHook(
        request -> {
          if (request.method().equals("POST")
              && request.bodyText().contains("\"mode\":\"continue\"")) {
            printedBeforeEachContinue.add(merged.toString());
          }
        });

    Invocation result = cli.baiMerged(merged, "run", "python", "-c", "count()");

    assertEquals(0, result.exitCode(), result.out());
    assertEquals("one\ntwo\nthree\nfour\n", result.out());
    assertEquals(List.of("one\n", "one\ntwo\nthree\n"), printedBeforeEachContinue);
  }

  @Test
  void inputRoundTripUsesScriptedStdin() {
    cli.server.enqueueExecuteResult(
        "{\"status\": \"waiting-input\", \"options\": {\"isPassword\": false},"
            + " \"console\": [[\"stdout\", \"name? \"]]}");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"waiting-input\", \"options\": {\"isPassword\": false},"
            + " \"console\": [[\"stdout\", \"age? \"]]}");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 0,"
            + " \"console\": [[\"stdout\", \"ada is 36\\n\"]]}");

    Invocation result = cli.baiWithInput("ada\n36\n", "run", "python", "-c", "ask()");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("name? age? ada is 36\n", result.out());
    List<RecordedRequest> executions = executions();
    assertEquals(3, executions.size());
    String runId = executions.get(0).json().get("runId").asText();
    assertEquals("input", executions.get(1).json().get("mode").asText());
    assertEquals("ada", executions.get(1).json().get("code").asText());
    assertEquals(runId, executions.get(1).json().get("runId").asText());
    assertEquals("input", executions.get(2).json().get("mode").asText());
    assertEquals("36", executions.get(2).json().get("code").asText());
    assertEquals(runId, executions.get(2).json().get("runId").asText());
  }

  @Test
  void passwordFromStdinIsNotEchoed() {
    cli.server.enqueueExecuteResult(
        "{\"status\": \"waiting-input\", \"options\": {\"isPassword\": true},"
            + " \"console\": [[\"stdout\", \"Password: \"]]}");
    cli.server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 0, \"console\": [[\"stdout\", \"accepted\\n\"]]}");

    Invocation result =
        cli.baiWithInput("s3cret-pass\n", "run", "python", "-c", "getpass.getpass()");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("Password: accepted\n", result.out());
    assertFalse(result.err().contains("s3cret-pass"), result.err());
    JsonNode input = executions().get(1).json();
    assertEquals("input", input.get("mode").asText());
    assertEquals("s3cret-pass", input.get("code").asText());
  }

  @Test
  void inputAfterEndOfStdinFails() {
    cli.server.enqueueExecuteResult("{\"status\": \"waiting-input\", \"console\": []}");

    Invocation result = cli.bai("run", "python", "-c", "input()");

    assertEquals(1, result.exitCode());
    assertTrue(result.err().contains("standard input is closed"), result.err());
    assertEquals(1, cli.server.requests("DELETE", "/session/").size());
  }

  @Test
  void firstCtrlCSendsInterrupt() {
    cli.server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 1,"
            + " \"console\": [[\"stderr\", \"KeyboardInterrupt\\n\"]]}");
    AtomicInteger executeRequests = new AtomicInteger();
    cli.server.setRequestHook(
        request -> {
          if (request.method().equals("POST")
              && request.path().matches("/session/[^/]+")
              && executeRequests.incrementAndGet() == 1) {
            cli.ctrlC.press();
          }
        });

    Invocation result = cli.bai("run", "python", "-c", "import time; time.sleep(60)");

    assertEquals(1, result.exitCode());
    assertEquals(
        List.of(
            "POST /session",
            "GET /session/ID",
            "POST /session/ID",
            "POST /session/ID/interrupt",
            "DELETE /session/ID"),
        cli.requestLines());
    assertTrue(
        result.err().contains("interrupting the run; press Ctrl-C again within 2 s to exit"),
        result.err());
    assertTrue(result.err().endsWith("KeyboardInterrupt\n"), result.err());
    assertTrue(cli.exitCodes.isEmpty());
    assertFalse(cli.ctrlC.installed());
  }

  @Test
  void secondCtrlCExits() {
    AtomicInteger executeRequests = new AtomicInteger();
    cli.server.setRequestHook(
        request -> {
          if (request.method().equals("POST")
              && request.path().matches("/session/[^/]+")
              && executeRequests.incrementAndGet() == 1) {
            cli.ctrlC.press();
            cli.ctrlC.press();
          }
        });

    Invocation result = cli.bai("run", "python", "-c", "while True: pass");

    assertEquals(List.of(CtrlCHandler.EXIT_CODE), cli.exitCodes);
    assertEquals(
        1,
        cli.server.requests("POST", "/session/").stream()
            .filter(request -> request.path().endsWith("/interrupt"))
            .count());
    assertTrue(result.err().contains("bai: exiting"), result.err());
  }

  @Test
  void ctrlCIsTrappedOnlyDuringRun() {
    cli.bai("run", "python", "-c", "pass");

    assertEquals(1, cli.ctrlC.installations());
    assertFalse(cli.ctrlC.installed());
  }

  @Test
  void ctrlCHandlerWindowIsTwoSeconds() {
    AtomicLong now = new AtomicLong();
    List<String> actions = new ArrayList<>();
    CtrlCHandler handler =
        new CtrlCHandler(
            () -> actions.add("interrupt"),
            () -> actions.add("exit"),
            now::get,
            new PrintWriter(new StringWriter()));

    handler.run();
    now.addAndGet(2_500_000_000L);
    handler.run();
    now.addAndGet(1_999_000_000L);
    handler.run();

    assertEquals(List.of("interrupt", "interrupt", "exit"), actions);
  }

  @Test
  void failedInterruptIsReported() {
    StringWriter err = new StringWriter();
    CtrlCHandler handler =
        new CtrlCHandler(
            () -> {
              throw new BackendClientException("connection refused");
            },
            () -> {},
            System::nanoTime,
            new PrintWriter(err));

    handler.run();

    assertTrue(
        err.toString().contains("bai: failed to interrupt the run: connection refused"),
        err.toString());
  }

  @Test
  void noRmLeavesSessionRunning() {
    Invocation result = cli.bai("run", "python", "-c", "pass", "--no-rm", "--name", "kept");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(cli.server.requests("DELETE", "/session/").isEmpty());
    assertEquals("bai: session kept is left running; destroy it with: bai rm kept\n", result.err());
  }

  @Test
  void rmIsTheDefault() {
    Invocation result = cli.bai("run", "python", "-c", "pass", "--rm");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(1, cli.server.requests("DELETE", "/session/").size());
  }

  @Test
  void runRejectsUnsafeFilesBeforeCreatingSession() throws IOException {
    cli.workFile("main.c", "x");
    Files.createDirectories(cli.workingDirectory.resolve("src"));
    Path outside = Files.writeString(cli.workingDirectory.resolveSibling("outside.c"), "x");
    Map<String, String> expectedErrors = new LinkedHashMap<>();
    expectedErrors.put("../outside.c", "has a '..' segment");
    expectedErrors.put(outside.toString(), "is not a relative path");
    expectedErrors.put("missing.c", "file 'missing.c' not found");
    expectedErrors.put("src", "'src' is a folder; name the files in it");
    expectedErrors.put("main.c", "FILES names main.c twice");

    for (Map.Entry<String, String> expected : expectedErrors.entrySet()) {
      Invocation result = cli.bai("run", "c", "main.c", expected.getKey());

      assertEquals(2, result.exitCode(), expected.getKey());
      assertTrue(result.err().startsWith("bai: "), result.err());
      assertTrue(result.err().contains(expected.getValue()), result.err());
    }
    assertTrue(cli.server.requests().isEmpty());
  }

  @Test
  void runRejectsCodeWithFiles() throws IOException {
    cli.workFile("main.py", "x");

    Invocation both = cli.bai("run", "python", "main.py", "-c", "1");
    Invocation neither = cli.bai("run", "python");
    Invocation buildWithCode = cli.bai("run", "python", "-c", "1", "--build", "make");

    assertEquals(2, both.exitCode());
    assertTrue(both.err().contains("either FILES or -c CODE, not both"), both.err());
    assertEquals(2, neither.exitCode());
    assertTrue(neither.err().contains("missing code"), neither.err());
    assertEquals(2, buildWithCode.exitCode());
    assertTrue(buildWithCode.err().contains("apply to FILES only"), buildWithCode.err());
    assertTrue(cli.server.requests().isEmpty());
  }

  @Test
  void execTimeoutMustBePositive() {
    Invocation result = cli.bai("run", "python", "-c", "1", "--exec-timeout", "0");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("--exec-timeout"), result.err());
  }

  @Test
  void execReadsCodeFromStdin() {
    SessionCreated session =
        cli.sdkClient().createSession(SessionSpec.of("python").withName("target"));
    cli.server.enqueueExecuteResult(
        "{\"status\": \"finished\", \"exitCode\": 0, \"console\": [[\"stdout\", \"3\\n\"]]}");

    Invocation result = cli.baiWithInput("x = 1\nprint(x + 2)\n", "exec", "target");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("3\n", result.out());
    JsonNode execution = executions().get(0).json();
    assertEquals("query", execution.get("mode").asText());
    assertEquals("x = 1\nprint(x + 2)\n", execution.get("code").asText());
    assertTrue(cli.server.requests("DELETE", "/session/").isEmpty());
    assertEquals("RUNNING", cli.sdkClient().getSession(session.sessionId()).status());
  }

  @Test
  void execWithoutCodeIsUsageError() {
    cli.sdkClient().createSession(SessionSpec.of("python").withName("target"));

    Invocation result = cli.baiWithInput("  \n", "exec", "target");

    assertEquals(2, result.exitCode());
    assertTrue(result.err().startsWith("bai: missing code"), result.err());
    assertTrue(executions().isEmpty());
  }

  @Test
  void execInterruptsOnCtrlC() {
    cli.sdkClient().createSession(SessionSpec.of("python").withName("busy"));
    cli.server.setRequestHook(
        request -> {
          if (request.method().equals("POST") && request.path().equals("/session/busy")) {
            cli.ctrlC.press();
          }
        });

    Invocation result = cli.bai("exec", "busy", "-c", "loop()");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(1, cli.server.requests("POST", "/session/busy/interrupt").size());
    assertTrue(cli.server.requests("POST", "/session/busy/interrupt").get(0).signatureValid());
  }

  @Test
  void execExitCodeFollowsStatus() {
    cli.sdkClient().createSession(SessionSpec.of("python").withName("target"));
    cli.server.enqueueExecuteResult("{\"status\": \"exec-timeout\", \"console\": []}");

    Invocation result = cli.bai("exec", "target", "-c", "loop()");

    assertEquals(124, result.exitCode());
  }
}
