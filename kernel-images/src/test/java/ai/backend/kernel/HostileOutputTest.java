package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.kernel.RunnerHarness.Run;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output that a careless or hostile program writes, in query mode (Python driver) and in batch
 * mode: the runner and the driver must pass it on as valid records and keep working.
 */
class HostileOutputTest {

  private static final int FIFTY_MB = 50_000_000;

  /** Characters of endless output received before the test interrupts it. */
  private static final long ENDLESS_OUTPUT_CHARS = 20_000_000;

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

  // Endless output and large writes.

  @Test
  void endlessPrintIsInterrupted() {
    harness.client.send("code", "while True:\n    print('x' * 1000)");
    drainOutput(ENDLESS_OUTPUT_CHARS);
    harness.client.send("interrupt", "");
    Run run = harness.awaitEnd("finished");
    assertEquals(130, run.exitCode());
    assertTrue(run.stderr().endsWith("KeyboardInterrupt\n"), run.stderr());

    assertEquals("next\n", harness.run("print('next')").stdout());
  }

  @Test
  void endlessChildProcessOutputIsInterrupted() {
    harness.client.send("code", "import subprocess\nsubprocess.run(['yes'])");
    drainOutput(ENDLESS_OUTPUT_CHARS);
    harness.client.send("interrupt", "");
    Run run = harness.awaitEnd("finished");
    assertEquals(130, run.exitCode());

    assertEquals("next\n", harness.run("print('next')").stdout());
  }

  @Test
  void forkedChildEndsWhenItReturns() {
    String code =
        "import os\n"
            + "pid = os.fork()\n"
            + "if pid == 0:\n"
            + "    raise ValueError('raised in the child')\n"
            + "print('child exit code', os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))";
    Run run = harness.run(code);

    assertEquals("child exit code 1\n", run.stdout());
    assertTrue(run.stderr().contains("ValueError: raised in the child"), run.stderr());
    assertEquals(0, run.exitCode());
    assertEquals("next\n", harness.run("print('next')").stdout());
  }

  @Test
  void endlessBatchOutputIsInterrupted() {
    harness.client.send("exec", "yes");
    drainOutput(ENDLESS_OUTPUT_CHARS);
    harness.client.send("interrupt", "");
    assertEquals(130, harness.awaitEnd("finished").exitCode());
  }

  @Test
  void fiftyMegabyteWriteArrivesInBoundedRecords() {
    Run run = harness.run("import sys\nsys.stdout.write('x' * " + FIFTY_MB + ")");
    assertSingleCharacterOutput(run, 'x', FIFTY_MB);
    assertEquals(0, run.exitCode());
  }

  @Test
  void fiftyMegabyteFileDescriptorWriteArrives() {
    Run run = harness.run("import os\nos.write(1, b'y' * " + FIFTY_MB + ")");
    assertSingleCharacterOutput(run, 'y', FIFTY_MB);
  }

  @Test
  void fiftyMegabyteBatchWriteArrives() {
    Run run =
        harness.request("exec", "head -c " + FIFTY_MB + " /dev/zero | tr '\\0' z", "finished");
    assertSingleCharacterOutput(run, 'z', FIFTY_MB);
    assertEquals(0, run.exitCode());
  }

  // Bytes that are not valid text.

  @Test
  void invalidUtf8IsReplaced() {
    Run run =
        harness.run("import sys\nsys.stdout.buffer.write(b'a\\xc3(b\\n')\nsys.stdout.flush()");
    assertEquals("a\uFFFD(b\n", run.stdout());

    Run batch = harness.request("exec", "printf 'c\\377d\\n'", "finished");
    assertEquals("c\uFFFDd\n", batch.stdout());
  }

  @Test
  void nulBytesPassThrough() {
    Run run = harness.run("import os\nprint('a\\x00b')\nos.write(1, b'c\\x00d\\n')");
    assertEquals("a\u0000b\nc\u0000d\n", run.stdout());

    Run batch = harness.request("exec", "printf 'e\\0f\\n'", "finished");
    assertEquals("e\u0000f\n", batch.stdout());
  }

  @Test
  void loneSurrogatesAreReplaced() {
    Run run = harness.run("import sys\nprint('\\udce9')\nprint('x\\ud800y', file=sys.stderr)");
    assertEquals("\uFFFD\n", run.stdout());
    assertEquals("x\uFFFDy\n", run.stderr());
  }

  @Test
  void emojiSplitAcrossReadsIsJoined() {
    Run run =
        harness.run(
            "import os, sys, time\n"
                + "os.write(1, b'\\xf0\\x9f')\ntime.sleep(0.2)\nos.write(1, b'\\x98\\x80\\n')\n"
                + "sys.stdout.buffer.write(b'\\xf0\\x9f\\x98')\nsys.stdout.flush()\ntime.sleep(0.2)\n"
                + "sys.stdout.buffer.write(b'\\x81\\n')");
    assertEquals("\uD83D\uDE00\n\uD83D\uDE01\n", run.stdout());

    Run batch =
        harness.request(
            "exec", "printf '\\360\\237'; sleep 0.2; printf '\\230\\200\\n'", "finished");
    assertEquals("\uD83D\uDE00\n", batch.stdout());
  }

  // Output at the end of a run.

  @Test
  void outputWithoutNewlineOrFlushArrivesBeforeFinished() {
    Run run =
        harness.run(
            "import ctypes, os, sys\n"
                + "sys.stdout.write('python ')\n"
                + "ctypes.CDLL(None).printf(b'c-stdio ')\n"
                + "os.system('printf child')");
    assertEquals(
        List.of(new Record("stdout", "python c-stdio child"), Record.finished("finished", 0)),
        RunnerHarness.mergeAdjacent(run.records()));

    Run batch = harness.request("exec", "printf tail", "finished");
    assertEquals(
        List.of(new Record("stdout", "tail"), Record.finished("finished", 0)), batch.records());
  }

  @Test
  void truncatedCharacterAtRunEndIsReplaced() {
    Run run = harness.run("import os\nos.write(1, b'end\\xe2\\x82')");
    assertEquals("end\uFFFD", run.stdout());
    assertEquals("next\n", harness.run("print('next')").stdout());

    Run batch = harness.request("exec", "printf 'end\\342\\202'", "finished");
    assertEquals("end\uFFFD", batch.stdout());
  }

  // Programs that close their output.

  @Test
  void closedSysStdoutIsReopened() {
    Run run = harness.run("import sys\nprint('before')\nsys.stdout.close()\nprint('after')");
    assertEquals("before\n", run.stdout());
    assertTrue(run.stderr().contains("ValueError: I/O operation on closed file."), run.stderr());
    assertEquals(1, run.exitCode());

    assertEquals("again\n", harness.run("print('again')").stdout());
  }

  @Test
  void closedSysStderrStillShowsTraceback() {
    Run run = harness.run("import sys\nsys.stderr.close()\nraise RuntimeError('boom')");
    assertTrue(run.stderr().contains("RuntimeError: boom"), run.stderr());
    assertEquals(1, run.exitCode());
  }

  @Test
  void closedFileDescriptorOneIsRestored() {
    Run run =
        harness.run(
            "import os\nos.close(1)\nprint('print still works')\n"
                + "status = os.system('echo lost')\nprint('child failed:', status != 0)");
    assertEquals("print still works\nchild failed: True\n", run.stdout());
    assertEquals(0, run.exitCode());

    Run next = harness.run("import os\nos.system('echo back')\nos.write(2, b'err back\\n')");
    assertEquals("back\n", next.stdout());
    assertEquals("err back\n", next.stderr());
  }

  @Test
  void closedStandardDescriptorsAreRestored() {
    Run run = harness.run("import os\nos.close(0)\nos.close(1)\nos.close(2)\nprint('alive')");
    assertEquals("alive\n", run.stdout());

    Run next = harness.run("import os\nos.system('echo out; echo err >&2')");
    assertEquals(
        List.of(new Record("stdout", "out\n"), new Record("stderr", "err\n")), next.output());
  }

  @Test
  void batchCommandClosingStdoutStillFinishes() {
    Run run = harness.request("exec", "exec 1>&-; echo gone; echo err >&2", "finished");
    assertEquals("", run.stdout());
    assertTrue(run.stderr().endsWith("err\n"), run.stderr());
    assertEquals(0, run.exitCode());
  }

  // Programs that exit in the middle of a line.

  @Test
  void osExitAfterPartialWriteKeepsOutput() {
    harness.run("lost = 1");
    Run run =
        harness.run(
            "import os, sys\nsys.stdout.write('partial')\nos.write(1, b' fd')\nos._exit(3)");
    assertEquals("partial fd", run.stdout());
    assertTrue(run.stderr().contains("exited with code 3"), run.stderr());
    assertEquals(3, run.exitCode());

    harness.awaitReady();
    assertEquals("False\n", harness.run("print('lost' in globals())").stdout());
  }

  @Test
  void batchExitAfterPartialLine() {
    Run run = harness.request("exec", "printf partial; exit 3", "finished");
    assertEquals(
        List.of(new Record("stdout", "partial"), Record.finished("finished", 3)), run.records());
  }

  /**
   * Receives output records until at least minChars characters arrived, failing at the deadline.
   */
  private void drainOutput(long minChars) {
    long received = 0;
    int maxRecordChars = 0;
    Instant deadline = Instant.now().plus(RunnerHarness.TIMEOUT.multipliedBy(2));
    while (received < minChars) {
      Duration remaining = Duration.between(Instant.now(), deadline);
      assertTrue(
          !remaining.isNegative() && !remaining.isZero(),
          "only " + received + " characters of output arrived");
      Record record = harness.poll(remaining).orElseThrow();
      assertEquals("stdout", record.type(), "unexpected record " + record.type());
      received += record.payload().length();
      maxRecordChars = Math.max(maxRecordChars, record.payload().length());
    }
    assertTrue(maxRecordChars <= 65536, "a record had " + maxRecordChars + " characters");
  }

  private static void assertSingleCharacterOutput(Run run, char expected, int length) {
    long total = 0;
    for (Record record : run.ofType("stdout")) {
      String text = record.payload();
      assertTrue(text.length() <= 65536, "a record had " + text.length() + " characters");
      assertTrue(text.chars().allMatch(c -> c == expected), "unexpected characters in a record");
      total += text.length();
    }
    assertEquals(length, total);
    assertEquals("", run.stderr());
  }
}
