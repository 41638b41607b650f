package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.backend.kernel.RunnerHarness.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler's out-of-memory reports, with a fake cgroup v2 folder. The user code under test
 * raises the folder's OOM kill count itself, then dies of SIGKILL or goes on, as after an OOM kill.
 * {@link OutOfMemoryDockerTest} runs the real OOM killer.
 */
class OomReportTest {

  private static final Duration DEADLINE = RunnerHarness.TIMEOUT;
  private static final String PROGRAM_STOPPED =
      "The program was stopped because the session ran out of memory (limit 256 MiB).";
  private static final String PROCESS_STOPPED =
      "A process of this session was stopped because the session ran out of memory (limit 256"
          + " MiB).";
  private static final String RESTARTED =
      "The python interpreter was restarted, so its variables are lost.";

  @TempDir Path workDir;
  @TempDir Path cgroupRoot;
  private Path events;
  private final BlockingQueue<Record> records = new LinkedBlockingQueue<>();
  private RunScheduler scheduler;
  private DriverSupervisor supervisor;

  @BeforeEach
  void createCgroup() throws IOException {
    events = Files.writeString(cgroupRoot.resolve("memory.events"), "oom 0\noom_kill 0\n");
    Files.writeString(cgroupRoot.resolve("memory.max"), "268435456\n");
    scheduler =
        new RunScheduler(
            "python",
            workDir,
            new BatchDefaults(workDir.resolve("batch.properties"), Map.of()),
            new BatchSettings(ProcessGroups.setsid(), Map.of(), Set.of()),
            records::add,
            MemoryCgroup.find(cgroupRoot, "0::/\n"));
  }

  @AfterEach
  void stop() {
    scheduler.close();
    if (supervisor != null) {
      supervisor.close();
    }
  }

  /** Returns a shell command that raises the fake OOM kill count to {@code count}. */
  private String raiseCount(int count) {
    return "printf 'oom 1\\noom_kill " + count + "\\n' > '" + events + "'";
  }

  @Test
  void batchCommandKilledReportsProgramStopped() throws InterruptedException {
    assumeTrue(ProcessGroups.setsid().isPresent(), "batch mode needs setsid");

    scheduler.submit("exec", raiseCount(1) + "; kill -9 $$");
    Run run = awaitEnd();

    assertEquals(OomKills.SIGKILL_EXIT_CODE, run.exitCode());
    assertTrue(run.stderr().startsWith(PROGRAM_STOPPED), run.stderr());
    assertTrue(run.stderr().contains("(for example -r mem=1g)"), run.stderr());
    assertFalse(run.stderr().contains("interpreter"), run.stderr());
  }

  @Test
  void batchCommandGoingOnReportsProcessStopped() throws InterruptedException {
    assumeTrue(ProcessGroups.setsid().isPresent(), "batch mode needs setsid");

    scheduler.submit("exec", raiseCount(2) + "; echo went on");
    Run run = awaitEnd();

    assertEquals(0, run.exitCode());
    assertEquals("went on\n", run.stdout());
    assertTrue(run.stderr().startsWith(PROCESS_STOPPED), run.stderr());
  }

  @Test
  void batchCommandWithoutOomKillReportsNothing() throws InterruptedException {
    assumeTrue(ProcessGroups.setsid().isPresent(), "batch mode needs setsid");

    scheduler.submit("exec", "kill -9 $$");
    Run run = awaitEnd();

    assertEquals(OomKills.SIGKILL_EXIT_CODE, run.exitCode());
    assertEquals("", run.stderr());
  }

  @Test
  void batchCommandGetsRaisedOomScore() throws InterruptedException {
    assumeTrue(ProcessGroups.setsid().isPresent(), "batch mode needs setsid");

    scheduler.submit("exec", "cat /proc/self/oom_score_adj; sh -c 'cat /proc/$$/oom_score_adj'");
    Run run = awaitEnd();

    assertEquals(0, run.exitCode(), run.stderr());
    assertEquals("1000\n1000\n", run.stdout());
  }

  @Test
  void killedDriverReportsRestart() throws InterruptedException {
    startDriver();

    scheduler.submit("code", "x = 1");
    Run assignment = awaitEnd();
    scheduler.submit(
        "code",
        "import os, signal\n"
            + "open('"
            + events
            + "', 'w').write('oom 1\\noom_kill 1\\n')\n"
            + "os.kill(os.getpid(), signal.SIGKILL)");
    Run killed = awaitEnd();
    scheduler.submit("code", "print(6 * 7)");
    Run next = awaitEnd();

    assertEquals(0, assignment.exitCode(), assignment.stderr());
    assertEquals(OomKills.SIGKILL_EXIT_CODE, killed.exitCode());
    assertTrue(killed.stderr().startsWith(PROGRAM_STOPPED), killed.stderr());
    assertTrue(killed.stderr().contains(RESTARTED), killed.stderr());
    assertFalse(killed.stderr().contains("exited with code"), killed.stderr());
    assertEquals(0, next.exitCode(), next.stderr());
    assertEquals("42\n", next.stdout());
  }

  @Test
  void driverRunGoingOnReportsProcessStopped() throws InterruptedException {
    startDriver();

    scheduler.submit(
        "code", "open('" + events + "', 'w').write('oom 1\\noom_kill 1\\n')\nprint('went on')");
    Run run = awaitEnd();
    scheduler.submit("code", "print(6 * 7)");
    Run next = awaitEnd();

    assertEquals(0, run.exitCode(), run.stderr());
    assertEquals("went on\n", run.stdout());
    assertTrue(run.stderr().startsWith(PROCESS_STOPPED), run.stderr());
    assertEquals("42\n", next.stdout());
    assertEquals("", next.stderr());
  }

  @Test
  void driverGetsRaisedOomScore() throws InterruptedException {
    startDriver();

    scheduler.submit(
        "code",
        "import subprocess\n"
            + "print(open('/proc/self/oom_score_adj').read().strip())\n"
            + "print(subprocess.run(['cat', '/proc/self/oom_score_adj'], capture_output=True,"
            + " text=True).stdout.strip())");
    Run run = awaitEnd();

    assertEquals(0, run.exitCode(), run.stderr());
    assertEquals("1000\n1000\n", run.stdout());
  }

  /** Starts the Python driver with the host's Python, without the jail, and waits until ready. */
  private void startDriver() throws InterruptedException {
    supervisor =
        new DriverSupervisor(
            "python",
            List.of(
                RunnerHarness.PYTHON,
                "-u",
                "-B",
                RunnerHarness.driversDir().resolve("python/driver.py").toString()),
            Map.of(),
            workDir,
            records::add,
            scheduler);
    scheduler.useDriver(supervisor);
    supervisor.start();
    supervisor.requestStatus();
    Record status = poll();
    assertEquals(DriverSupervisor.STATUS_READY, status);
  }

  /** Collects records up to the next finished record. */
  private Run awaitEnd() throws InterruptedException {
    List<Record> run = new ArrayList<>();
    while (true) {
      Record record = poll();
      run.add(record);
      if (record.type().equals("finished")) {
        return RunnerHarness.toRun(run);
      }
    }
  }

  private Record poll() throws InterruptedException {
    Record record = records.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    if (record == null) {
      throw new AssertionError("no record within " + DEADLINE.toSeconds() + " s");
    }
    return record;
  }
}
