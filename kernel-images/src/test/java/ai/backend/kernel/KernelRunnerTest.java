package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.kernel.RunnerHarness.Run;
import ai.backend.kernel.tools.RunnerClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the kernel runner in this JVM with the host's Python and the driver from the source tree,
 * and talks to it over loopback ZeroMQ sockets as the agent does.
 */
class KernelRunnerTest {

  @TempDir Path workDir;
  private RunnerHarness harness;

  @BeforeAll
  static void checkPython() {
    assertTrue(
        Files.isExecutable(Path.of(RunnerHarness.PYTHON)),
        "The tests need Python 3 at " + RunnerHarness.PYTHON);
  }

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
  void statusRepliesAgainWhenReady() {
    awaitReady();
  }

  @Test
  void namespacePersistsAcrossRuns() {
    Run assign = run("x = 41");
    assertEquals(0, assign.exitCode());
    assertEquals("", assign.stdout());

    Run print = run("print(x + 1)");
    assertEquals("42\n", print.stdout());
    assertEquals("", print.stderr());
    assertEquals(0, print.exitCode());
  }

  @Test
  void interleavedStdoutAndStderrKeepOrder() {
    Run run =
        run(
            """
            import sys
            for i in range(5):
                print(f"out{i}")
                print(f"err{i}", file=sys.stderr)
            """);
    List<Record> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      expected.add(new Record("stdout", "out" + i + "\n"));
      expected.add(new Record("stderr", "err" + i + "\n"));
    }
    assertEquals(expected, mergeAdjacent(outputRecords(run)));
    assertEquals(0, run.exitCode());
  }

  @Test
  void exceptionPrintsTracebackAndStateSurvives() {
    run("kept = 'still here'");
    Run failing =
        run(
            """
            def check(value):
                raise ValueError(f"bad value {value}")
            check(7)
            """);
    assertEquals(1, failing.exitCode());
    assertEquals("", failing.stdout());
    assertTrue(
        failing.stderr().startsWith("Traceback (most recent call last):\n"), failing.stderr());
    assertTrue(failing.stderr().contains("line 2, in check"), failing.stderr());
    assertTrue(failing.stderr().endsWith("ValueError: bad value 7\n"), failing.stderr());
    assertFalse(failing.stderr().contains("driver.py"), failing.stderr());

    Run next = run("print(kept)");
    assertEquals("still here\n", next.stdout());
    assertEquals(0, next.exitCode());
  }

  @Test
  void syntaxErrorEndsRunWithExitCodeOne() {
    Run run = run("def broken(:\n");
    assertEquals(1, run.exitCode());
    assertTrue(run.stderr().contains("SyntaxError"), run.stderr());
  }

  @Test
  void osSystemOutputArrives() {
    Run run = run("import os\nos.system('echo hi')");
    assertEquals("hi\n", run.stdout());
    assertEquals(0, run.exitCode());
  }

  @Test
  void childProcessOutputKeepsOrderWithPrint() {
    Run run = run("import os\nprint('a')\nos.system('echo b; echo c >&2')\nprint('d')");
    assertEquals(
        List.of(
            new Record("stdout", "a\nb\n"),
            new Record("stderr", "c\n"),
            new Record("stdout", "d\n")),
        mergeAdjacent(outputRecords(run)));
  }

  @Test
  void invalidUtf8OnFileDescriptorIsReplaced() {
    Run run = run("import os\nos.write(1, b'ok \\xff\\xfe end\\n')");
    assertEquals("ok \uFFFD\uFFFD end\n", run.stdout());
    assertEquals(0, run.exitCode());
  }

  @Test
  void loneSurrogateIsReplaced() {
    Run run = run("print('a\\udcffb')");
    assertEquals("a\uFFFDb\n", run.stdout());
  }

  @Test
  void nonAsciiTextPassesThrough() {
    Run run = run("print('h\\u00e9llo \\u2713 \\U0001F600')");
    assertEquals("héllo ✓ \uD83D\uDE00\n", run.stdout());
  }

  @Test
  void forkedChildrenPrintThroughPipes() {
    Run run =
        run(
            """
            import multiprocessing
            def square(x):
                print('child', x, flush=True)
                return x * x
            with multiprocessing.get_context('fork').Pool(2) as pool:
                print(sorted(pool.map(square, [1, 2, 3])))
            """);
    assertEquals(0, run.exitCode(), run.stderr());
    assertTrue(run.stdout().endsWith("[1, 4, 9]\n"), run.stdout());
    for (int i = 1; i <= 3; i++) {
      assertTrue(run.stdout().contains("child " + i + "\n"), run.stdout());
    }
    assertEquals("after\n", run("print('after')").stdout());
  }

  @Test
  void largeOutputArrivesComplete() {
    Run longLine = run("print('x' * 200000)");
    assertEquals("x".repeat(200000) + "\n", longLine.stdout());

    Run manyLines = run("for i in range(20000):\n    print(i)");
    String expected =
        IntStream.range(0, 20000).mapToObj(i -> i + "\n").collect(Collectors.joining());
    assertEquals(expected, manyLines.stdout());
  }

  @Test
  void interruptStopsBusyLoopAndNextRunWorks() {
    harness.client.send("code", "print('started', flush=True)\nwhile True:\n    pass\n");
    List<Record> records = new ArrayList<>(awaitRecord(r -> r.type().equals("stdout")));
    assertEquals("started\n", records.get(records.size() - 1).payload());

    harness.client.send("interrupt", "");
    records.addAll(awaitRecord(r -> r.type().equals("finished")));
    Run interrupted = new Run(records, RunnerClient.exitCode(records.get(records.size() - 1)));
    assertEquals(130, interrupted.exitCode());
    assertTrue(interrupted.stderr().endsWith("KeyboardInterrupt\n"), interrupted.stderr());

    Run next = run("print('after')");
    assertEquals("after\n", next.stdout());
    assertEquals(0, next.exitCode());
  }

  @Test
  void interruptStopsSleep() {
    harness.client.send("code", "import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n");
    awaitRecord(r -> r.type().equals("stdout"));
    harness.client.send("interrupt", "");
    List<Record> records = awaitRecord(r -> r.type().equals("finished"));
    assertEquals(130, RunnerClient.exitCode(records.get(records.size() - 1)));
  }

  @Test
  void systemExitSetsExitCode() {
    assertEquals(3, run("raise SystemExit(3)").exitCode());
    assertEquals(0, run("import sys\nsys.exit()").exitCode());

    Run message = run("import sys\nsys.exit('stopped here')");
    assertEquals(1, message.exitCode());
    assertEquals("stopped here\n", message.stderr());

    assertEquals("alive\n", run("print('alive')").stdout());
  }

  @Test
  void unknownOperationEndsWithExitCodeOne() {
    Run run = harness.request("frobnicate", "", "finished");
    assertEquals(1, run.exitCode());
    assertTrue(run.stderr().contains("'frobnicate'"), run.stderr());

    assertEquals("still here\n", run("print('still here')").stdout());
  }

  @Test
  void codeRunsInWorkDir() throws IOException {
    Run run = run("import os\nprint(os.getcwd())");
    assertEquals(workDir.toRealPath().toString() + "\n", run.stdout());
  }

  @Test
  void driverCrashIsReportedAndDriverRestarts() {
    run("lost = 1");
    Run crash = run("import os\nos._exit(7)");
    assertEquals(7, crash.exitCode());
    assertTrue(crash.stderr().contains("exited with code 7"), crash.stderr());

    awaitReady();
    Run next = run("print('lost' in globals())");
    assertEquals("False\n", next.stdout());
    assertEquals(0, next.exitCode());
  }

  @Test
  void missingInterpreterFailsRunsAtOnce() throws IOException {
    stopRunner();
    harness =
        RunnerHarness.start("python", "/nonexistent/python3", RunnerHarness.driversDir(), workDir);

    Run run = run("print('never')");
    // Under the jail the driver process starts and then its exec fails. Depending on timing, the
    // runner has seen the driver end (exit 1) or hands it the run and reports its end (exit 127).
    assertTrue(run.exitCode() == 1 || run.exitCode() == 127, "exit code " + run.exitCode());
    assertEquals("", run.stdout());
    assertTrue(
        run.stderr().contains("/nonexistent/python3") || run.stderr().contains("driver"),
        run.stderr());
  }

  @Test
  void closeStopsDriverAndItsChildren() throws InterruptedException {
    Run run =
        run(
            "import os, subprocess\nchild = subprocess.Popen(['sleep', '600'])\n"
                + "print(os.getpid(), child.pid)");
    String[] pids = run.stdout().strip().split(" ");
    long driverPid = Long.parseLong(pids[0]);
    long childPid = Long.parseLong(pids[1]);

    harness.runner.close();

    for (long pid : new long[] {driverPid, childPid}) {
      Instant deadline = Instant.now().plus(RunnerHarness.TIMEOUT);
      while (isAlive(pid) && Instant.now().isBefore(deadline)) {
        Thread.sleep(50);
      }
      assertFalse(isAlive(pid), "process " + pid + " is still running");
    }
  }

  private static boolean isAlive(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    return handle.isPresent() && handle.get().isAlive();
  }

  private void awaitReady() {
    harness.awaitReady();
  }

  private Run run(String code) {
    return harness.run(code);
  }

  private List<Record> awaitRecord(java.util.function.Predicate<Record> last) {
    return harness.awaitRecord(last);
  }

  private static List<Record> outputRecords(Run run) {
    return run.records().stream()
        .filter(r -> r.type().equals("stdout") || r.type().equals("stderr"))
        .toList();
  }

  private static List<Record> mergeAdjacent(List<Record> records) {
    return RunnerHarness.mergeAdjacent(records);
  }
}
