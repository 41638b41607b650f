package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.kernel.RunnerHarness.Run;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interrupts: SIGINT to the running code, and SIGKILL with a driver restart for code that does not
 * stop within {@link RunScheduler#INTERRUPT_GRACE_MILLIS}.
 */
class InterruptTest {

  /**
   * Deadline for a run to end after an interrupt that must be escalated: the 2 s grace plus ample
   * time for a loaded machine. In the runner logs of these tests on a 2-core machine, the finished
   * record followed the interrupt after about 2.05 s.
   */
  private static final Duration ESCALATION_DEADLINE = Duration.ofSeconds(15);

  @TempDir Path workDir;
  private RunnerHarness harness;

  @BeforeEach
  void startRunner() throws IOException {
    harness = RunnerHarness.startPython(workDir);
  }

  @AfterEach
  void stopRunner() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void ignoredSigintIsEscalatedAndDriverRestarts() {
    harness.run("lost = 'old state'");
    harness.client.send(
        "code",
        """
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print('ignoring SIGINT', flush=True)
        while True:
            pass
        """);
    harness.awaitRecord(r -> r.type().equals("stdout"));
    harness.client.send("interrupt", "");

    Run run =
        RunnerHarness.toRun(
            harness.awaitRecord(r -> r.type().equals("finished"), ESCALATION_DEADLINE));
    assertEquals(RunScheduler.KILLED_EXIT_CODE, run.exitCode());
    assertTrue(run.stderr().contains("driver was killed"), run.stderr());
    assertTrue(run.stderr().contains("variables are lost"), run.stderr());

    harness.awaitReady();
    Run next = harness.run("print('lost' in globals())");
    assertEquals("False\n", next.stdout());
    assertEquals(0, next.exitCode());
  }

  @Test
  void interruptRightAfterCodeKeepsDriver() {
    harness.run("kept = 'state'");
    harness.client.send("code", "import time\ntime.sleep(60)");
    harness.client.send("interrupt", "");
    Run run = harness.awaitEnd("finished");
    assertEquals(130, run.exitCode());
    assertTrue(run.stderr().endsWith("KeyboardInterrupt\n"), run.stderr());

    assertEquals("state\n", harness.run("print(kept)").stdout());
  }

  @Test
  void interruptWhileIdleDoesNothing() {
    harness.client.send("interrupt", "");
    Run run = harness.run("print('fine')");
    assertEquals(
        List.of(new Record("stdout", "fine\n"), Record.finished("finished", 0)), run.records());
  }

  @Test
  void interruptStopsSleepingBatchProcess() {
    harness.client.send("exec", "echo started; sleep 600");
    harness.awaitRecord(r -> r.type().equals("stdout"));
    harness.client.send("interrupt", "");
    Run run = harness.awaitEnd("finished");
    assertEquals(130, run.exitCode());
    assertEquals("", run.stderr());
  }

  @Test
  void batchProcessIgnoringSigintIsKilled() {
    harness.client.send("exec", "trap '' INT; echo started; sleep 600");
    harness.awaitRecord(r -> r.type().equals("stdout"));
    harness.client.send("interrupt", "");
    Run run =
        RunnerHarness.toRun(
            harness.awaitRecord(r -> r.type().equals("finished"), ESCALATION_DEADLINE));
    assertEquals(RunScheduler.KILLED_EXIT_CODE, run.exitCode());
    assertTrue(run.stderr().contains("process group was killed"), run.stderr());

    assertEquals("after\n", harness.request("exec", "echo after", "finished").stdout());
  }

  @Test
  void interruptedBuildSkipsExec() {
    harness.client.send("build", "echo building; sleep 600");
    harness.client.send("exec", "echo never");
    harness.awaitRecord(r -> r.type().equals("stdout"));
    harness.client.send("interrupt", "");
    assertEquals(130, harness.awaitEnd("build-finished").exitCode());
    Run exec = harness.awaitEnd("finished");
    assertEquals(130, exec.exitCode());
    assertEquals("", exec.stdout());
  }
}
