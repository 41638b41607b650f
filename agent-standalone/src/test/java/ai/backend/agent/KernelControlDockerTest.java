package ai.backend.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Interrupt, restart, time limits and the execute modes beyond query, against real kernels. Each
 * test starts its own kernel, because most of them change the interpreter's state.
 */
@Tag("docker")
class KernelControlDockerTest {

  private static final String AGENT_ID = "agent-control-test";
  private static final Duration EVENT_WAIT = Duration.ofSeconds(90);

  private static AgentHarness harness;

  @BeforeAll
  static void startAgent() throws Exception {
    String missing = AgentHarness.missingPrerequisite();
    Assumptions.assumeTrue(missing == null, missing);
    harness = new AgentHarness(AGENT_ID);
    harness.removeContainers();
    harness.startAgent();
  }

  @AfterEach
  void removeKernels() throws Exception {
    if (harness != null) {
      harness.removeContainers();
    }
  }

  @AfterAll
  static void stopAgent() throws Exception {
    if (harness == null) {
      return;
    }
    harness.close();
    assertEquals(List.of(), harness.containers(), "containers left behind");
    AgentHarness.docker("network", "rm", AgentHarness.NETWORK);
  }

  private static String startKernel() throws Exception {
    String kernelId = AgentHarness.newKernelId();
    harness.send(AgentHarness.createCommand(kernelId, AgentHarness.IMAGE));
    harness.awaitKernelEvent(AgentEvent.KernelStarted.class, kernelId, EVENT_WAIT);
    return kernelId;
  }

  private static AgentCommand.Execute execute(
      String kernelId, String runId, String mode, String code, Map<String, Object> options) {
    return new AgentCommand.Execute("s-" + kernelId, kernelId, runId, mode, code, options, 1_000);
  }

  private static String text(AgentReply.ExecuteResult result, String stream) {
    StringBuilder text = new StringBuilder();
    for (List<Object> item : result.console()) {
      if (item.get(0).equals(stream)) {
        text.append(item.get(1));
      }
    }
    return text.toString();
  }

  @Test
  void interruptStopsBusyLoopAndKernelStaysUsable() throws Exception {
    String kernelId = startKernel();
    AgentReply busy =
        harness.execute(execute(kernelId, "run-1", "query", "while True: pass", Map.of()));
    assertEquals("continued", assertInstanceOf(AgentReply.ExecuteResult.class, busy).status());

    AgentReply interrupted = harness.request(new AgentCommand.Interrupt("s-" + kernelId, kernelId));
    assertInstanceOf(AgentReply.Done.class, interrupted);
    AgentReply.ExecuteResult end =
        harness.runToEnd(execute(kernelId, "run-1", "continue", "", Map.of()));

    assertEquals("finished", end.status());
    assertTrue(text(end, "stderr").contains("KeyboardInterrupt"), end.console().toString());
    AgentReply.ExecuteResult next =
        harness.runToEnd(execute(kernelId, "run-2", "query", "print(6 * 7)", Map.of()));
    assertEquals("finished", next.status());
    assertEquals("42\n", text(next, "stdout"));
  }

  @Test
  void restartClearsStateAndKeepsFiles() throws Exception {
    String kernelId = startKernel();
    harness.runToEnd(execute(kernelId, "run-1", "query", "x = 5", Map.of()));
    AgentReply uploaded =
        harness.request(
            new AgentCommand.UploadFiles(
                "s-" + kernelId,
                kernelId,
                List.of(
                    new AgentCommand.FileData(
                        "kept.txt",
                        Base64.getEncoder()
                            .encodeToString("still here".getBytes(StandardCharsets.UTF_8))))));
    assertInstanceOf(AgentReply.Done.class, uploaded);

    AgentReply restarted =
        harness.request(new AgentCommand.RestartKernel("s-" + kernelId, kernelId));

    assertInstanceOf(AgentReply.Done.class, restarted, restarted.toString());
    AgentReply.ExecuteResult undefined =
        harness.runToEnd(execute(kernelId, "run-2", "query", "print(x)", Map.of()));
    assertTrue(text(undefined, "stderr").contains("NameError"), undefined.console().toString());
    AgentReply.ExecuteResult file =
        harness.runToEnd(
            execute(kernelId, "run-3", "query", "print(open('kept.txt').read())", Map.of()));
    assertEquals("still here\n", text(file, "stdout"));
    assertEquals(1, harness.containers().size(), "the restart must keep the container");
  }

  @Test
  void restartOfUnknownKernelFails() throws Exception {
    AgentReply reply = harness.request(new AgentCommand.RestartKernel("s-none", "k-unknown"));

    AgentReply.CommandFailed failed = assertInstanceOf(AgentReply.CommandFailed.class, reply);
    assertEquals("kernel-not-found", failed.code());
  }

  @Test
  void execTimeoutEndsSleepingRun() throws Exception {
    String kernelId = startKernel();
    long start = System.nanoTime();

    AgentReply.ExecuteResult result =
        harness.runToEnd(
            execute(
                kernelId,
                "run-1",
                "query",
                "import time\nprint('before', flush=True)\ntime.sleep(30)",
                Map.of("execTimeout", 3)));

    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("exec-timeout of a 3 s limit came after " + millis + " ms");
    assertEquals("exec-timeout", result.status(), result.console().toString());
    assertTrue(text(result, "stdout").contains("before"), result.console().toString());
    assertTrue(millis >= 3000, "ended after " + millis + " ms, before the limit");
    assertTrue(millis < 15_000, "ended after " + millis + " ms");
    AgentReply.ExecuteResult next =
        harness.runToEnd(execute(kernelId, "run-2", "query", "print('alive')", Map.of()));
    assertEquals("alive\n", text(next, "stdout"));
  }

  @Test
  void execTimeoutEndsRunThatIgnoresInterrupt() throws Exception {
    String kernelId = startKernel();
    String stubborn =
        "import time\n"
            + "while True:\n"
            + "    try:\n"
            + "        time.sleep(1)\n"
            + "    except KeyboardInterrupt:\n"
            + "        pass\n";
    long start = System.nanoTime();

    AgentReply.ExecuteResult result =
        harness.runToEnd(execute(kernelId, "run-1", "query", stubborn, Map.of("execTimeout", 2)));

    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("exec-timeout of a run ignoring SIGINT came after " + millis + " ms");
    assertEquals("exec-timeout", result.status(), result.console().toString());
    assertTrue(millis < 15_000, "ended after " + millis + " ms");
    AgentReply.ExecuteResult next =
        harness.runToEnd(execute(kernelId, "run-2", "query", "print('alive')", Map.of()));
    assertEquals("alive\n", text(next, "stdout"));
  }

  @Test
  void batchRunsBuildThenExec() throws Exception {
    String kernelId = startKernel();
    AgentReply uploaded =
        harness.request(
            new AgentCommand.UploadFiles(
                "s-" + kernelId,
                kernelId,
                List.of(
                    new AgentCommand.FileData(
                        "main.py",
                        Base64.getEncoder()
                            .encodeToString(
                                "print('batch says hi')\n".getBytes(StandardCharsets.UTF_8))))));
    assertInstanceOf(AgentReply.Done.class, uploaded);

    AgentReply.ExecuteResult build =
        harness.runToEnd(
            execute(
                kernelId, "run-1", "batch", "", Map.of("build", "*", "exec", "python3 main.py")));
    assertEquals("build-finished", build.status(), build.console().toString());
    assertEquals(0, build.exitCode());
    AgentReply.ExecuteResult exec =
        harness.runToEnd(execute(kernelId, "run-1", "continue", "", Map.of()));

    assertEquals("finished", exec.status(), exec.console().toString());
    assertEquals(0, exec.exitCode());
    assertEquals("batch says hi\n", text(exec, "stdout"));
  }

  @Test
  void batchWithFailingBuildSkipsExec() throws Exception {
    String kernelId = startKernel();

    AgentReply.ExecuteResult build =
        harness.runToEnd(
            execute(
                kernelId,
                "run-1",
                "batch",
                "",
                Map.of("build", "echo compiling; exit 3", "exec", "touch ran-exec")));

    assertEquals("build-finished", build.status(), build.console().toString());
    assertEquals(3, build.exitCode());
    assertTrue(text(build, "stdout").contains("compiling"), build.console().toString());
    assertTrue(text(build, "stderr").contains("exec step was skipped"), build.console().toString());
    AgentReply.ExecuteResult check =
        harness.runToEnd(
            execute(
                kernelId,
                "run-2",
                "query",
                "import os; print(os.path.exists('ran-exec'))",
                Map.of()));
    assertEquals("False\n", text(check, "stdout"));
  }

  @Test
  void batchAfterFailedBuildRunsAgain() throws Exception {
    String kernelId = startKernel();
    AgentReply.ExecuteResult failed =
        harness.runToEnd(
            execute(kernelId, "run-1", "batch", "", Map.of("build", "exit 3", "exec", "true")));
    assertEquals(3, failed.exitCode(), failed.console().toString());

    AgentReply.ExecuteResult build =
        harness.runToEnd(
            execute(
                kernelId, "run-2", "batch", "", Map.of("build", "echo fixed", "exec", "echo ran")));
    assertEquals("build-finished", build.status(), build.console().toString());
    assertEquals(0, build.exitCode(), build.console().toString());
    AgentReply.ExecuteResult exec =
        harness.runToEnd(execute(kernelId, "run-2", "continue", "", Map.of()));

    assertEquals("finished", exec.status(), exec.console().toString());
    assertEquals("ran\n", text(exec, "stdout"));
  }

  @Test
  void inputFeedsWaitingProgram() throws Exception {
    String kernelId = startKernel();

    AgentReply.ExecuteResult waiting =
        harness.runToEnd(
            execute(
                kernelId, "run-1", "query", "name = input('name? ')\nprint('hi', name)", Map.of()));
    assertEquals("waiting-input", waiting.status(), waiting.console().toString());
    assertEquals(Map.of("isPassword", false), waiting.options());
    AgentReply.ExecuteResult done =
        harness.runToEnd(execute(kernelId, "run-1", "input", "Ada", Map.of()));

    assertEquals("finished", done.status(), done.console().toString());
    assertTrue(text(done, "stdout").contains("hi Ada"), done.console().toString());
  }

  @Test
  void completeReturnsNames() throws Exception {
    String kernelId = startKernel();

    AgentReply reply =
        harness.execute(
            new AgentCommand.Execute(
                "s-" + kernelId, kernelId, "run-1", "complete", "pri", Map.of(), 10_000));

    AgentReply.ExecuteResult result = assertInstanceOf(AgentReply.ExecuteResult.class, reply);
    assertEquals("finished", result.status());
    Object completions = result.options().get("completions");
    assertTrue(
        completions instanceof List<?> list
            && list.stream().anyMatch(c -> c.toString().contains("print")),
        String.valueOf(completions));
  }
}
