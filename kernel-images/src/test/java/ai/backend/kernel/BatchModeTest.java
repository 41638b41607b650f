package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.kernel.RunnerHarness.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch mode: clean, build and exec requests run as shell commands in the working directory. */
class BatchModeTest {

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
  void execRunsShellCommandInWorkDir() throws IOException {
    Run run = harness.request("exec", "pwd; echo out; echo err >&2; exit 4", "finished");
    assertEquals(workDir.toRealPath() + "\nout\n", run.stdout());
    assertEquals("err\n", run.stderr());
    assertEquals(4, run.exitCode());
  }

  @Test
  void execDefaultRunsMainPy() throws IOException {
    Files.writeString(workDir.resolve("main.py"), "import sys\nprint('from main', sys.argv[0])\n");
    Run run = harness.request("exec", "*", "finished");
    assertEquals("from main main.py\n", run.stdout());
    assertEquals(0, run.exitCode());
  }

  @Test
  void execDefaultRunsOnlyPyFile() throws IOException {
    Files.writeString(workDir.resolve("job.py"), "import sys\nprint('from', sys.argv[0])\n");
    Run run = harness.request("exec", "*", "finished");
    assertEquals("from job.py\n", run.stdout());
    assertEquals(0, run.exitCode());
  }

  @Test
  void execDefaultFailsWithoutEntryFile() throws IOException {
    Files.writeString(workDir.resolve("a.py"), "print('a')\n");
    Files.writeString(workDir.resolve("b.py"), "print('b')\n");
    Run run = harness.request("exec", "*", "finished");
    assertEquals(2, run.exitCode());
    assertTrue(run.stderr().contains("name the program with --exec"), run.stderr());
  }

  @Test
  void cleanAndBuildDefaultsDoNothing() {
    Run clean = harness.request("clean", "*", "clean-finished");
    assertEquals(List.of(Record.finished("clean-finished", 0)), clean.records());

    Run build = harness.request("build", "*", "build-finished");
    assertEquals(List.of(Record.finished("build-finished", 0)), build.records());
  }

  @Test
  void stepsQueuedTogetherRunInOrder() {
    harness.client.send("clean", "rm -f built.txt; echo cleaned");
    harness.client.send("build", "echo artifact > built.txt; echo built");
    harness.client.send("exec", "cat built.txt");

    Run clean = harness.awaitEnd("clean-finished");
    assertEquals("cleaned\n", clean.stdout());
    assertEquals(0, clean.exitCode());
    Run build = harness.awaitEnd("build-finished");
    assertEquals("built\n", build.stdout());
    assertEquals(0, build.exitCode());
    Run exec = harness.awaitEnd("finished");
    assertEquals("artifact\n", exec.stdout());
    assertEquals(0, exec.exitCode());
  }

  @Test
  void failedBuildSkipsExec() {
    harness.client.send("build", "echo compile error >&2; exit 2");
    harness.client.send("exec", "echo never");

    Run build = harness.awaitEnd("build-finished");
    assertEquals("compile error\n", build.stderr());
    assertEquals(2, build.exitCode());
    Run exec = harness.awaitEnd("finished");
    assertEquals("", exec.stdout());
    assertTrue(exec.stderr().contains("build step failed with exit code 2"), exec.stderr());
    assertEquals(2, exec.exitCode());

    Run next = harness.request("exec", "echo runs again", "finished");
    assertEquals("runs again\n", next.stdout());
  }

  @Test
  void failedCleanSkipsBuildAndExec() {
    harness.client.send("clean", "exit 3");
    harness.client.send("build", "echo never");
    harness.client.send("exec", "echo never");

    assertEquals(3, harness.awaitEnd("clean-finished").exitCode());
    Run build = harness.awaitEnd("build-finished");
    assertEquals(3, build.exitCode());
    assertTrue(build.stderr().contains("clean step failed"), build.stderr());
    Run exec = harness.awaitEnd("finished");
    assertEquals(3, exec.exitCode());
    assertEquals("", exec.stdout());
  }

  @Test
  void emptyCommandFinishesAtOnce() {
    Run run = harness.request("exec", "", "finished");
    assertEquals(List.of(Record.finished("finished", 0)), run.records());
  }

  @Test
  void queryStateSurvivesBatchRuns() {
    harness.run("kept = 5");
    harness.client.send("exec", "echo batch");
    harness.client.send("code", "print(kept * 2)");
    assertEquals("batch\n", harness.awaitEnd("finished").stdout());
    assertEquals("10\n", harness.awaitEnd("finished").stdout());
  }

  @Test
  void inputGoesToStdinOfBatchProcess() {
    harness.client.send("exec", "echo ready; read first; read second; echo \"got $first+$second\"");
    harness.awaitRecord(r -> r.type().equals("stdout"));
    harness.client.send("input", "alpha");
    harness.client.send("input", "beta");
    Run run = harness.awaitEnd("finished");
    assertEquals("got alpha+beta\n", run.stdout());
    assertEquals(0, run.exitCode());
  }

  @Test
  void backgroundProcessDoesNotHoldRunOpen() {
    // The background sleep keeps stdout open after the shell exits.
    Run run = harness.request("exec", "sleep 5 & echo started", "finished");
    assertEquals("started\n", run.stdout());
    assertEquals(0, run.exitCode());

    assertEquals("next\n", harness.request("exec", "echo next", "finished").stdout());
  }

  @Test
  void batchOnlyRuntimeRejectsCode(@TempDir Path driversDir) throws IOException {
    harness.close();
    Files.createDirectories(driversDir.resolve("shell"));
    Files.writeString(driversDir.resolve("shell/batch.properties"), "exec=echo default exec\n");
    harness = RunnerHarness.start("shell", "/bin/sh", driversDir, workDir);
    harness.awaitReady();

    Run code = harness.run("print(1)");
    assertEquals(1, code.exitCode());
    assertTrue(code.stderr().contains("no query mode"), code.stderr());

    Run exec = harness.request("exec", "*", "finished");
    assertEquals("default exec\n", exec.stdout());

    Run completion = harness.request("complete", "{\"code\": \"pri\"}", "completion");
    assertEquals(List.of(RunScheduler.EMPTY_COMPLETION), completion.records());
  }

  @Test
  void missingExecDefaultFailsClearly(@TempDir Path driversDir) throws IOException {
    harness.close();
    Files.createDirectories(driversDir.resolve("shell"));
    Files.writeString(driversDir.resolve("shell/batch.properties"), "build=\n");
    harness = RunnerHarness.start("shell", "/bin/sh", driversDir, workDir);

    Run exec = harness.request("exec", "*", "finished");
    assertEquals(1, exec.exitCode());
    assertTrue(exec.stderr().contains("no default exec command"), exec.stderr());
  }
}
