package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.backend.kernel.RunnerHarness.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch commands that read stdin cause {@code waiting-input}, found through /proc, with the runner
 * and the batch commands on the host.
 */
class BatchInputWaitTest {

  private static final Record WAITING = RunScheduler.WAITING_FOR_LINE;

  /** A C program that prompts without a newline, as scanf programs do. */
  private static final String PROMPTING_C =
      "#include <stdio.h>\n"
          + "int main(void) {\n"
          + "  int n;\n"
          + "  printf(\"Number: \");\n"
          + "  if (scanf(\"%d\", &n) != 1) return 2;\n"
          + "  printf(\"%d\\n\", n * 2);\n"
          + "  return 0;\n"
          + "}\n";

  @TempDir Path workDir;
  private RunnerHarness harness;

  @BeforeEach
  void startRunner() throws IOException {
    assumeTrue(
        !StdinWaitDetector.readSyscalls(System.getProperty("os.arch")).isEmpty(),
        "no system call table for this architecture");
    harness = RunnerHarness.startPython(workDir);
  }

  @AfterEach
  void stopRunner() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void shellReadSendsPromptThenWaitingInput() {
    harness.client.send("exec", "printf 'Name: '; read name; echo \"hi $name\"");

    List<Record> before = harness.awaitRecord(r -> r.type().equals("waiting-input"));
    assertEquals(
        List.of(new Record("stdout", "Name: "), WAITING), RunnerHarness.mergeAdjacent(before));
    harness.client.send("input", "Ada");
    Run run = harness.awaitEnd("finished");
    assertEquals("hi Ada\n", run.stdout());
    assertEquals(List.of(), run.ofType("waiting-input"));
    assertEquals(0, run.exitCode());
  }

  @Test
  void twoReadsSendTwoWaitingInputs() {
    harness.client.send("exec", "read first; echo \"got $first\"; read second; echo \"$second\"");

    harness.awaitRecord(r -> r.type().equals("waiting-input"));
    harness.client.send("input", "one");
    List<Record> between = harness.awaitRecord(r -> r.type().equals("waiting-input"));
    assertEquals(
        List.of(new Record("stdout", "got one\n"), WAITING), RunnerHarness.mergeAdjacent(between));
    harness.client.send("input", "two");
    Run run = harness.awaitEnd("finished");
    assertEquals("two\n", run.stdout());
    assertEquals(0, run.exitCode());
  }

  @Test
  void childProcessReadIsDetected() {
    harness.client.send("exec", "/bin/sh -c 'read line; echo \"child $line\"'; echo end");

    harness.awaitRecord(r -> r.type().equals("waiting-input"));
    harness.client.send("input", "x");
    Run run = harness.awaitEnd("finished");
    assertEquals("child x\nend\n", run.stdout());
  }

  @Test
  void pythonInputInBatchIsDetected() throws IOException {
    Files.writeString(workDir.resolve("main.py"), "n = int(input('How many? '))\nprint(n * 2)\n");
    harness.client.send("exec", RunnerHarness.PYTHON + " main.py");

    List<Record> before = harness.awaitRecord(r -> r.type().equals("waiting-input"));
    assertEquals(
        List.of(new Record("stdout", "How many? "), WAITING), RunnerHarness.mergeAdjacent(before));
    harness.client.send("input", "21");
    Run run = harness.awaitEnd("finished");
    assertEquals("42\n", run.stdout());
    assertEquals(0, run.exitCode());
  }

  @Test
  void commandWithoutReadGetsNoWaitingInput() {
    Run run = harness.request("exec", "echo start; sleep 0.5; echo end", "finished");

    assertEquals("start\nend\n", run.stdout());
    assertEquals(List.of(), run.ofType("waiting-input"));
  }

  @Test
  void readFromOtherPipeGetsNoWaitingInput() {
    Run run = harness.request("exec", "sleep 0.5 | read line; echo end", "finished");

    assertEquals("end\n", run.stdout());
    assertEquals(List.of(), run.ofType("waiting-input"));
  }

  @Test
  void inputSentAheadAvoidsWaitingInput() {
    harness.client.send("exec", "echo ready; sleep 0.5; read line; echo \"got $line\"");
    harness.awaitRecord(r -> r.type().equals("stdout"));
    harness.client.send("input", "early");

    Run run = harness.awaitEnd("finished");
    assertEquals("got early\n", run.stdout());
    assertEquals(List.of(), run.ofType("waiting-input"));
  }

  @Test
  void interruptEndsWaitingCommand() {
    harness.client.send("exec", "read line");
    harness.awaitRecord(r -> r.type().equals("waiting-input"));

    harness.client.send("interrupt", "");

    Run run = harness.awaitEnd("finished");
    assertEquals(130, run.exitCode());
    assertEquals(List.of(), run.ofType("waiting-input"));
  }

  @Test
  void cPromptArrivesBeforeWaitingInput() throws Exception {
    assumeTrue(Files.isReadable(BatchSettings.LIBSTDBUF), "needs " + BatchSettings.LIBSTDBUF);
    compile(PROMPTING_C);
    harness.client.send("exec", "./main");

    List<Record> before = harness.awaitRecord(r -> r.type().equals("waiting-input"));
    assertEquals(
        List.of(new Record("stdout", "Number: "), WAITING), RunnerHarness.mergeAdjacent(before));
    harness.client.send("input", "21");
    Run run = harness.awaitEnd("finished");
    assertEquals("42\n", run.stdout());
    assertEquals(0, run.exitCode());
  }

  @Test
  void cPromptBufferedWithoutLineBuffering() throws Exception {
    harness.close();
    harness =
        RunnerHarness.start(
            "python",
            RunnerHarness.PYTHON,
            RunnerHarness.driversDir(),
            workDir,
            Map.of(RunnerConfig.BATCH_LINE_BUFFERED, "false"));
    harness.awaitReady();
    compile(PROMPTING_C);
    harness.client.send("exec", "./main");

    List<Record> before = harness.awaitRecord(r -> r.type().equals("waiting-input"));
    assertEquals(List.of(WAITING), before);
    harness.client.send("input", "21");
    Run run = harness.awaitEnd("finished");
    assertEquals("Number: 42\n", run.stdout());
  }

  @Test
  void cOutputArrivesLineByLine() throws Exception {
    assumeTrue(Files.isReadable(BatchSettings.LIBSTDBUF), "needs " + BatchSettings.LIBSTDBUF);
    compile(
        "#include <stdio.h>\n"
            + "#include <unistd.h>\n"
            + "int main(void) { printf(\"first\\n\"); sleep(30); return 0; }\n");
    harness.client.send("exec", "./main");

    List<Record> records = harness.awaitRecord(r -> r.type().equals("stdout"));
    assertEquals(List.of(new Record("stdout", "first\n")), records);
    harness.client.send("interrupt", "");
    assertEquals(130, harness.awaitEnd("finished").exitCode());
  }

  /** Compiles a C program to {@code main} in the working directory, or skips without gcc. */
  private void compile(String source) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "needs gcc");
    Files.writeString(workDir.resolve("main.c"), source);
    Process gcc =
        new ProcessBuilder("/usr/bin/gcc", "-O2", "-o", "main", "main.c")
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(gcc.getInputStream().readAllBytes());
    assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc did not finish in 60 s");
    assertEquals(0, gcc.exitValue(), output);
  }
}
