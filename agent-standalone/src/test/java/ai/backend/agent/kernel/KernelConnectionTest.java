package ai.backend.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentReply;
import ai.backend.common.protocol.AgentReply.CommandFailed;
import ai.backend.common.protocol.AgentReply.ExecuteResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.zeromq.ZContext;

class KernelConnectionTest {

  /** Flush timeout for calls that should end on a record long before it passes. */
  private static final long LONG_FLUSH = 10_000;

  private FakeRunner runner;
  private ZContext context;
  private KernelConnection connection;

  @BeforeEach
  void connect() throws InterruptedException {
    runner = new FakeRunner();
    context = new ZContext();
    connection = open(1 << 20);
    assertTrue(connection.awaitReady(Duration.ofSeconds(10)), "runner did not report ready");
  }

  private KernelConnection open(long outputLimit) {
    return open(outputLimit, Duration.ZERO);
  }

  private KernelConnection open(long outputLimit, Duration defaultExecTimeout) {
    KernelConnection opened =
        new KernelConnection(
            context,
            "test-agent",
            "session-1",
            "kernel-1",
            "127.0.0.1",
            runner.inputPort(),
            runner.outputPort(),
            outputLimit,
            defaultExecTimeout);
    opened.start();
    return opened;
  }

  @AfterEach
  void close() throws InterruptedException {
    connection.close();
    context.close();
    runner.close();
  }

  private static AgentCommand.Execute execute(String mode, String runId, String code, long flush) {
    return new AgentCommand.Execute("session-1", "kernel-1", runId, mode, code, Map.of(), flush);
  }

  private CompletableFuture<AgentReply> executeAsync(AgentCommand.Execute command) {
    return CompletableFuture.supplyAsync(() -> connection.execute(command));
  }

  private static AgentReply await(CompletableFuture<AgentReply> reply) throws Exception {
    return reply.get(30, TimeUnit.SECONDS);
  }

  @Test
  void queryCollectsOutputUntilFinished() throws Exception {
    var reply = executeAsync(execute("query", "run-1", "print(42)", LONG_FLUSH));
    assertEquals(new FakeRunner.Operation("code", "print(42)"), runner.nextOperation());
    runner.send("stdout", "4");
    runner.send("stdout", "2\n");
    runner.send("stderr", "warning\n");
    runner.send("finished", "{\"exitCode\": 0}");

    ExecuteResult result = assertInstanceOf(ExecuteResult.class, await(reply));

    assertEquals("finished", result.status());
    assertEquals(0, result.exitCode());
    assertEquals("run-1", result.runId());
    assertEquals(
        List.of(List.of("stdout", "42\n"), List.of("stderr", "warning\n")), result.console());
  }

  @Test
  void flushTimeoutReturnsContinuedAndContinueGetsRest() throws Exception {
    var first = executeAsync(execute("query", "run-1", "slow()", 300));
    runner.nextOperation();
    runner.send("stdout", "part 1\n");

    ExecuteResult continued = assertInstanceOf(ExecuteResult.class, await(first));
    assertEquals("continued", continued.status());
    assertNull(continued.exitCode());

    runner.send("stdout", "part 2\n");
    runner.send("finished", "{\"exitCode\": 3}");
    ExecuteResult finished =
        assertInstanceOf(
            ExecuteResult.class, connection.execute(execute("continue", "run-1", "", LONG_FLUSH)));

    String all = joinStdout(continued) + joinStdout(finished);
    assertEquals("part 1\npart 2\n", all);
    assertEquals("finished", finished.status());
    assertEquals(3, finished.exitCode());
    assertTrue(runner.drainOperations().isEmpty(), "continue must not send an operation");
  }

  private static String joinStdout(ExecuteResult result) {
    StringBuilder text = new StringBuilder();
    for (List<Object> item : result.console()) {
      if (item.get(0).equals("stdout")) {
        text.append(item.get(1));
      }
    }
    return text.toString();
  }

  @Test
  void waitingInputThenInputFinishes() throws Exception {
    var first = executeAsync(execute("query", "run-1", "input()", LONG_FLUSH));
    runner.nextOperation();
    runner.send("stdout", "name? ");
    runner.send("waiting-input", "{\"isPassword\": false}");

    ExecuteResult waiting = assertInstanceOf(ExecuteResult.class, await(first));
    assertEquals("waiting-input", waiting.status());
    assertEquals(List.of(List.of("stdout", "name? ")), waiting.console());

    var second = executeAsync(execute("input", "run-1", "Ada", LONG_FLUSH));
    assertEquals(new FakeRunner.Operation("input", "Ada"), runner.nextOperation());
    runner.send("stdout", "hi Ada\n");
    runner.send("finished", "{\"exitCode\": 0}");

    ExecuteResult finished = assertInstanceOf(ExecuteResult.class, await(second));
    assertEquals("finished", finished.status());
    assertEquals(List.of(List.of("stdout", "hi Ada\n")), finished.console());
  }

  @Test
  void newQueryWhileRunUnfinishedIsBusy() throws Exception {
    var first = executeAsync(execute("query", "run-1", "loop()", 200));
    runner.nextOperation();
    assertEquals("continued", ((ExecuteResult) await(first)).status());

    AgentReply second = connection.execute(execute("query", "run-2", "x = 1", LONG_FLUSH));

    CommandFailed failed = assertInstanceOf(CommandFailed.class, second);
    assertEquals("kernel-busy", failed.code());
    assertTrue(failed.message().contains("run-1"), failed.message());
    assertTrue(runner.drainOperations().isEmpty(), "the busy query must not reach the runner");
  }

  @Test
  void concurrentCallGivesUpWithKernelBusy() throws Exception {
    var first = executeAsync(execute("query", "run-1", "sleep()", LONG_FLUSH));
    runner.nextOperation();

    AgentReply second = connection.execute(execute("continue", "run-1", "", 0));

    CommandFailed failed = assertInstanceOf(CommandFailed.class, second);
    assertEquals("kernel-busy", failed.code());
    runner.send("finished", "{\"exitCode\": 0}");
    assertEquals("finished", ((ExecuteResult) await(first)).status());
  }

  @Test
  void finishedRunAllowsNextQuery() throws Exception {
    var first = executeAsync(execute("query", "run-1", "x = 41", LONG_FLUSH));
    runner.nextOperation();
    runner.send("finished", "{\"exitCode\": 0}");
    assertEquals("finished", ((ExecuteResult) await(first)).status());

    var second = executeAsync(execute("query", "run-2", "print(x + 1)", LONG_FLUSH));
    assertEquals(new FakeRunner.Operation("code", "print(x + 1)"), runner.nextOperation());
    runner.send("stdout", "42\n");
    runner.send("finished", "{\"exitCode\": 0}");

    ExecuteResult result = assertInstanceOf(ExecuteResult.class, await(second));
    assertEquals(List.of(List.of("stdout", "42\n")), result.console());
  }

  @Test
  void deadRunnerFailsWaitingCall() throws Exception {
    var first = executeAsync(execute("query", "run-1", "crash()", LONG_FLUSH));
    runner.nextOperation();

    connection.markDead("the kernel container exited with code 137");

    CommandFailed failed = assertInstanceOf(CommandFailed.class, await(first));
    assertEquals("kernel-terminated", failed.code());
    assertTrue(failed.message().contains("exited with code 137"), failed.message());
    CommandFailed later =
        assertInstanceOf(
            CommandFailed.class, connection.execute(execute("query", "run-2", "1", LONG_FLUSH)));
    assertEquals("kernel-terminated", later.code());
  }

  @Test
  void outputLimitAppliesPerCall() throws Exception {
    connection.close();
    connection = open(1500);
    assertTrue(connection.awaitReady(Duration.ofSeconds(10)));

    var first = executeAsync(execute("query", "run-1", "spam()", LONG_FLUSH));
    runner.nextOperation();
    for (int i = 0; i < 3; i++) {
      runner.send("stdout", "y".repeat(1000));
    }
    runner.send("finished", "{\"exitCode\": 0}");

    ExecuteResult result = assertInstanceOf(ExecuteResult.class, await(first));
    assertEquals(2, result.console().size());
    assertEquals("y".repeat(1500), result.console().get(0).get(1));
    assertEquals(
        "\n[output truncated: 1500-byte limit per stream reached on stdout; 1500 bytes dropped]\n",
        result.console().get(1).get(1));
  }

  @Test
  void continueWithoutRunFails() {
    CommandFailed failed =
        assertInstanceOf(
            CommandFailed.class, connection.execute(execute("continue", "run-9", "", 100)));

    assertEquals("run-not-found", failed.code());
  }

  @Test
  void unknownModeIsUnsupported() {
    CommandFailed failed =
        assertInstanceOf(
            CommandFailed.class, connection.execute(execute("interpret", "run-1", "", 100)));

    assertEquals("unsupported-mode", failed.code());
  }

  private static AgentCommand.Execute withOptions(
      String mode, String runId, String code, Map<String, Object> options, long flush) {
    return new AgentCommand.Execute("session-1", "kernel-1", runId, mode, code, options, flush);
  }

  @Test
  void batchSendsEachStepAfterThePreviousEnds() throws Exception {
    Map<String, Object> options = Map.of("build", "make", "exec", "./main");
    var first = executeAsync(withOptions("batch", "run-1", "", options, LONG_FLUSH));
    assertEquals(new FakeRunner.Operation("build", "make"), runner.nextOperation());
    Thread.sleep(200);
    assertEquals(List.of(), runner.drainOperations(), "exec must wait for the build to end");
    runner.send("stdout", "compiling\n");
    runner.send("build-finished", "{\"exitCode\": 0}");

    ExecuteResult build = assertInstanceOf(ExecuteResult.class, await(first));
    assertEquals("build-finished", build.status());
    assertEquals(0, build.exitCode());
    assertEquals(List.of(List.of("stdout", "compiling\n")), build.console());
    assertEquals(new FakeRunner.Operation("exec", "./main"), runner.nextOperation());

    runner.send("stdout", "ran\n");
    runner.send("finished", "{\"exitCode\": 0}");
    ExecuteResult done =
        assertInstanceOf(
            ExecuteResult.class, connection.execute(execute("continue", "run-1", "", LONG_FLUSH)));
    assertEquals("finished", done.status());
    assertEquals(List.of(List.of("stdout", "ran\n")), done.console());
  }

  @Test
  void batchCleanThenDefaultCommands() throws Exception {
    var first =
        executeAsync(withOptions("batch", "run-1", "", Map.of("clean", "rm -rf out"), LONG_FLUSH));
    assertEquals(new FakeRunner.Operation("clean", "rm -rf out"), runner.nextOperation());
    runner.send("clean-finished", "{\"exitCode\": 1}");

    ExecuteResult clean = assertInstanceOf(ExecuteResult.class, await(first));
    assertEquals("clean-finished", clean.status());
    assertEquals(1, clean.exitCode());
    assertEquals(new FakeRunner.Operation("build", "*"), runner.nextOperation());

    var second = executeAsync(execute("continue", "run-1", "", LONG_FLUSH));
    runner.send("build-finished", "{\"exitCode\": 0}");
    assertEquals("build-finished", ((ExecuteResult) await(second)).status());
    assertEquals(new FakeRunner.Operation("exec", "*"), runner.nextOperation());

    var third = executeAsync(execute("continue", "run-1", "", LONG_FLUSH));
    runner.send("finished", "{\"exitCode\": 0}");
    ExecuteResult done = assertInstanceOf(ExecuteResult.class, await(third));
    assertEquals("finished", done.status());
    assertEquals(0, done.exitCode());
  }

  @Test
  void failedBuildSkipsExecAndEndsRun() throws Exception {
    var first =
        executeAsync(withOptions("batch", "run-1", "", Map.of("build", "make"), LONG_FLUSH));
    assertEquals(new FakeRunner.Operation("build", "make"), runner.nextOperation());
    runner.send("stderr", "error: missing semicolon\n");
    runner.send("build-finished", "{\"exitCode\": 2}");
    assertEquals(new FakeRunner.Operation("exec", ":"), runner.nextOperation());
    Thread.sleep(200);
    assertFalse(first.isDone(), "the run must end only after the closing exec");
    runner.send("stderr", "Skipped the exec step because the build step failed.\n");
    runner.send("finished", "{\"exitCode\": 2}");

    ExecuteResult build = assertInstanceOf(ExecuteResult.class, await(first));

    assertEquals("build-finished", build.status());
    assertEquals(2, build.exitCode());
    String stderr = build.console().get(0).get(1).toString();
    assertTrue(stderr.startsWith("error: missing semicolon\n"), stderr);
    assertTrue(stderr.contains("exec step was skipped"), stderr);
    assertTrue(stderr.contains("exit code 2"), stderr);
    assertEquals(1, build.console().size(), "output of the closing exec must be dropped");
    Thread.sleep(200);
    assertEquals(List.of(), runner.drainOperations(), "the user's exec must not be sent");
    var next = executeAsync(execute("query", "run-2", "1", LONG_FLUSH));
    assertEquals(new FakeRunner.Operation("code", "1"), runner.nextOperation());
    runner.send("finished", "{\"exitCode\": 0}");
    assertEquals("finished", ((ExecuteResult) await(next)).status());
  }

  @Test
  void waitingInputReportsPasswordPrompt() throws Exception {
    var first = executeAsync(execute("query", "run-1", "getpass()", LONG_FLUSH));
    runner.nextOperation();
    runner.send("waiting-input", "{\"isPassword\": true}");

    ExecuteResult waiting = assertInstanceOf(ExecuteResult.class, await(first));

    assertEquals("waiting-input", waiting.status());
    assertEquals(Map.of("isPassword", true), waiting.options());
  }

  @Test
  void execTimeoutInterruptsAndReportsTimeout() throws Exception {
    long start = System.nanoTime();
    var reply =
        executeAsync(withOptions("query", "run-1", "sleep()", Map.of("execTimeout", 1), 10_000));
    runner.nextOperation();
    assertEquals(new FakeRunner.Operation("interrupt", ""), runner.nextOperation());
    long interruptMillis = (System.nanoTime() - start) / 1_000_000;
    runner.send("stderr", "KeyboardInterrupt\n");
    runner.send("finished", "{\"exitCode\": 130}");

    ExecuteResult result = assertInstanceOf(ExecuteResult.class, await(reply));

    assertEquals("exec-timeout", result.status());
    assertEquals(130, result.exitCode());
    assertEquals(List.of(List.of("stderr", "KeyboardInterrupt\n")), result.console());
    assertTrue(interruptMillis >= 1000, "interrupt after " + interruptMillis + " ms");
    assertTrue(interruptMillis < 2000, "interrupt after " + interruptMillis + " ms");
  }

  @Test
  void execTimeoutCountsAcrossContinueCalls() throws Exception {
    long start = System.nanoTime();
    AgentReply first =
        connection.execute(withOptions("query", "run-1", "loop()", Map.of("execTimeout", 1), 300));
    assertEquals("continued", ((ExecuteResult) first).status());
    List<String> statuses = new java.util.ArrayList<>();
    boolean interrupted = false;
    while (!interrupted && System.nanoTime() - start < 5_000_000_000L) {
      AgentReply next = connection.execute(execute("continue", "run-1", "", 300));
      statuses.add(((ExecuteResult) next).status());
      interrupted = runner.drainOperations().contains(new FakeRunner.Operation("interrupt", ""));
    }
    long interruptMillis = (System.nanoTime() - start) / 1_000_000;
    runner.send("finished", "{\"exitCode\": 130}");
    ExecuteResult end =
        assertInstanceOf(
            ExecuteResult.class, connection.execute(execute("continue", "run-1", "", LONG_FLUSH)));

    assertTrue(interrupted, "no interrupt within 5 s; statuses " + statuses);
    assertTrue(interruptMillis < 2000, "interrupt after " + interruptMillis + " ms");
    assertEquals("exec-timeout", end.status());
    assertEquals(130, end.exitCode());
  }

  @Test
  void defaultExecTimeoutAppliesWithoutOption() throws Exception {
    connection.close();
    connection = open(1024, Duration.ofMillis(500));
    assertTrue(connection.awaitReady(Duration.ofSeconds(10)));

    var reply = executeAsync(execute("query", "run-1", "sleep()", LONG_FLUSH));
    runner.nextOperation();
    assertEquals(new FakeRunner.Operation("interrupt", ""), runner.nextOperation());
    runner.send("finished", "{\"exitCode\": 137}");

    ExecuteResult result = assertInstanceOf(ExecuteResult.class, await(reply));
    assertEquals("exec-timeout", result.status());
    assertEquals(137, result.exitCode());
  }

  @Test
  void execTimeoutWhileWaitingForInputEndsRun() throws Exception {
    var reply =
        executeAsync(withOptions("query", "run-1", "input()", Map.of("execTimeout", 1), 10_000));
    runner.nextOperation();
    runner.send("waiting-input", "{\"isPassword\": false}");
    ExecuteResult waiting = assertInstanceOf(ExecuteResult.class, await(reply));
    assertEquals("waiting-input", waiting.status());

    assertEquals(new FakeRunner.Operation("interrupt", ""), runner.nextOperation());
    var next = executeAsync(execute("continue", "run-1", "", 10_000));
    Thread.sleep(200);
    assertFalse(next.isDone(), "a timed-out run must not report waiting-input again");
    runner.send("finished", "{\"exitCode\": 130}");

    assertEquals("exec-timeout", ((ExecuteResult) await(next)).status());
  }

  @Test
  void execTimeoutDuringBuildSkipsExec() throws Exception {
    Map<String, Object> options = Map.of("build", "make", "execTimeout", "1");
    var reply = executeAsync(withOptions("batch", "run-1", "", options, 10_000));
    assertEquals(new FakeRunner.Operation("build", "make"), runner.nextOperation());
    assertEquals(new FakeRunner.Operation("interrupt", ""), runner.nextOperation());
    runner.send("build-finished", "{\"exitCode\": 130}");
    assertEquals(new FakeRunner.Operation("exec", ":"), runner.nextOperation());
    runner.send("finished", "{\"exitCode\": 130}");

    ExecuteResult result = assertInstanceOf(ExecuteResult.class, await(reply));

    assertEquals("exec-timeout", result.status());
    assertEquals(130, result.exitCode());
    Thread.sleep(200);
    assertEquals(List.of(), runner.drainOperations(), "the user's exec must not be sent");
  }

  @Test
  void invalidExecTimeoutIsRejected() {
    for (Object value : List.of(-1, 0.5, 86_401, "soon")) {
      AgentReply reply =
          connection.execute(
              withOptions("query", "run-1", "1", Map.of("execTimeout", value), LONG_FLUSH));

      CommandFailed failed = assertInstanceOf(CommandFailed.class, reply, value.toString());
      assertEquals("invalid-command", failed.code());
      assertTrue(failed.message().contains("execTimeout"), failed.message());
    }
    assertEquals(List.of(), runner.drainOperations(), "no run may start");
  }

  @Test
  void execTimeoutZeroMeansDefault() {
    assertEquals(
        Duration.ofSeconds(7),
        KernelConnection.execTimeout(Map.of("execTimeout", 0), Duration.ofSeconds(7)));
    assertEquals(
        Duration.ofMillis(2500),
        KernelConnection.execTimeout(Map.of("execTimeout", 2.5), Duration.ZERO));
    assertEquals(Duration.ZERO, KernelConnection.execTimeout(null, Duration.ZERO));
  }

  @Test
  void interruptSendsOperation() throws Exception {
    AgentReply reply = connection.interrupt();

    assertInstanceOf(AgentReply.Done.class, reply);
    assertEquals(new FakeRunner.Operation("interrupt", ""), runner.nextOperation());
  }

  @Test
  void interruptOnDeadRunnerFails() {
    connection.markDead("the kernel was restarted");

    CommandFailed failed = assertInstanceOf(CommandFailed.class, connection.interrupt());

    assertEquals("kernel-terminated", failed.code());
  }

  @Test
  void completeReturnsCompletions() throws Exception {
    var reply = executeAsync(execute("complete", "run-1", "pri", LONG_FLUSH));
    FakeRunner.Operation operation = runner.nextOperation();
    assertEquals("complete", operation.name());
    assertTrue(operation.payload().contains("\"code\":\"pri\""), operation.payload());
    runner.send("completion", "[\"print\", \"private\"]");

    ExecuteResult result = assertInstanceOf(ExecuteResult.class, await(reply));

    assertEquals("finished", result.status());
    assertEquals(List.of("print", "private"), result.options().get("completions"));
  }

  @Test
  void silentRunnerIsNotReady() throws Exception {
    connection.close();
    runner.replyToStatus(false);
    connection = open(1024);

    assertFalse(connection.awaitReady(Duration.ofMillis(300)));
  }
}
