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
 * Batch programs that read stdin, in real kernels of the C, Python, Go, Rust and Java images: the
 * runner finds the wait in /proc and the run returns {@code waiting-input}, with the prompt before
 * it.
 */
@Tag("docker")
class BatchInputDockerTest {

  private static final String AGENT_ID = "agent-batch-input-test";
  private static final String C_IMAGE = "backendai/c:12-debian12";
  private static final String GO_IMAGE = "backendai/go:1.19-debian12";
  private static final String RUST_IMAGE = "backendai/rust:1-debian12";
  private static final String JAVA_IMAGE = "backendai/java:17-debian12";
  private static final Duration EVENT_WAIT = Duration.ofSeconds(90);

  /** Prompts without a newline and reads a number with scanf, as a C exercise does. */
  private static final String DOUBLING_C =
      "#include <stdio.h>\n"
          + "int main(void) {\n"
          + "  int n;\n"
          + "  printf(\"Number: \");\n"
          + "  if (scanf(\"%d\", &n) != 1) return 2;\n"
          + "  printf(\"%d\\n\", n * 2);\n"
          + "  return 0;\n"
          + "}\n";

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

  private static String startKernel(String image) throws Exception {
    AgentHarness.CommandResult inspect =
        AgentHarness.docker("image", "inspect", "--format", "{{.Id}}", image);
    Assumptions.assumeTrue(inspect.exitCode() == 0, "image " + image + " missing");
    String kernelId = AgentHarness.newKernelId();
    harness.send(AgentHarness.createCommand(kernelId, image));
    harness.awaitKernelEvent(AgentEvent.KernelStarted.class, kernelId, EVENT_WAIT);
    return kernelId;
  }

  private static void upload(String kernelId, String path, String content) throws Exception {
    AgentReply uploaded =
        harness.request(
            new AgentCommand.UploadFiles(
                "s-" + kernelId,
                kernelId,
                List.of(
                    new AgentCommand.FileData(
                        path,
                        Base64.getEncoder()
                            .encodeToString(content.getBytes(StandardCharsets.UTF_8))))));
    assertInstanceOf(AgentReply.Done.class, uploaded);
  }

  private static AgentCommand.Execute execute(
      String kernelId, String mode, String code, Map<String, Object> options) {
    return new AgentCommand.Execute("s-" + kernelId, kernelId, "run-1", mode, code, options, 1_000);
  }

  /** Starts a batch run with the image's default build and the given exec command. */
  private static AgentReply.ExecuteResult startBatch(String kernelId, String exec)
      throws Exception {
    AgentReply.ExecuteResult build =
        harness.runToEnd(execute(kernelId, "batch", "", Map.of("build", "*", "exec", exec)));
    assertEquals("build-finished", build.status(), build.console().toString());
    assertEquals(0, build.exitCode(), build.console().toString());
    return harness.runToEnd(execute(kernelId, "continue", "", Map.of()));
  }

  private static AgentReply.ExecuteResult sendInput(String kernelId, String line) throws Exception {
    return harness.runToEnd(execute(kernelId, "input", line, Map.of()));
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
  void cScanfWaitsForInputAndFinishes() throws Exception {
    String kernelId = startKernel(C_IMAGE);
    upload(kernelId, "main.c", DOUBLING_C);

    AgentReply.ExecuteResult waiting = startBatch(kernelId, "*");

    assertEquals("waiting-input", waiting.status(), waiting.console().toString());
    assertEquals(Map.of("isPassword", false), waiting.options());
    assertEquals("Number: ", text(waiting, "stdout"), "the prompt comes with waiting-input");
    AgentReply.ExecuteResult done = sendInput(kernelId, "21");
    assertEquals("finished", done.status(), done.console().toString());
    assertEquals("42\n", text(done, "stdout"));
    assertEquals(0, done.exitCode());
  }

  @Test
  void cProgramReadingTwiceWaitsTwice() throws Exception {
    String kernelId = startKernel(C_IMAGE);
    upload(
        kernelId,
        "main.c",
        "#include <stdio.h>\n"
            + "int main(void) {\n"
            + "  int a, b;\n"
            + "  printf(\"a: \");\n"
            + "  if (scanf(\"%d\", &a) != 1) return 2;\n"
            + "  printf(\"b: \");\n"
            + "  if (scanf(\"%d\", &b) != 1) return 2;\n"
            + "  printf(\"sum %d\\n\", a + b);\n"
            + "  return 0;\n"
            + "}\n");

    AgentReply.ExecuteResult first = startBatch(kernelId, "*");
    assertEquals("waiting-input", first.status(), first.console().toString());
    assertEquals("a: ", text(first, "stdout"));
    AgentReply.ExecuteResult second = sendInput(kernelId, "20");
    assertEquals("waiting-input", second.status(), second.console().toString());
    assertEquals("b: ", text(second, "stdout"));
    AgentReply.ExecuteResult done = sendInput(kernelId, "22");

    assertEquals("finished", done.status(), done.console().toString());
    assertEquals("sum 42\n", text(done, "stdout"));
    assertEquals(0, done.exitCode());
  }

  @Test
  void cProgramWithoutReadNeverWaits() throws Exception {
    String kernelId = startKernel(C_IMAGE);
    upload(
        kernelId,
        "main.c",
        "#include <stdio.h>\n"
            + "#include <unistd.h>\n"
            + "int main(void) {\n"
            + "  printf(\"working\\n\");\n"
            + "  sleep(2);\n"
            + "  printf(\"done\\n\");\n"
            + "  return 0;\n"
            + "}\n");

    AgentReply.ExecuteResult done = startBatch(kernelId, "*");

    assertEquals("finished", done.status(), done.console().toString());
    assertEquals("working\ndone\n", text(done, "stdout"));
    assertEquals(0, done.exitCode());
  }

  @Test
  void execTimeoutEndsRunWaitingForInput() throws Exception {
    String kernelId = startKernel(C_IMAGE);
    upload(kernelId, "main.c", DOUBLING_C);
    AgentReply.ExecuteResult build =
        harness.runToEnd(
            execute(kernelId, "batch", "", Map.of("build", "*", "exec", "*", "execTimeout", 3)));
    assertEquals("build-finished", build.status(), build.console().toString());
    AgentReply.ExecuteResult waiting =
        harness.runToEnd(execute(kernelId, "continue", "", Map.of()));
    assertEquals("waiting-input", waiting.status(), waiting.console().toString());

    // The agent returns waiting-input for each continue at once until the time limit passes.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    AgentReply.ExecuteResult end = waiting;
    while (end.status().equals("waiting-input") && System.nanoTime() - deadline < 0) {
      end = harness.runToEnd(execute(kernelId, "continue", "", Map.of()));
    }

    assertEquals("exec-timeout", end.status(), end.console().toString());
    assertEquals(130, end.exitCode());
  }

  @Test
  void pythonInputInBatchWaitsForInput() throws Exception {
    String kernelId = startKernel(AgentHarness.IMAGE);
    upload(kernelId, "main.py", "n = int(input('Number: '))\nprint(n * 2)\n");

    AgentReply.ExecuteResult waiting = startBatch(kernelId, "*");

    assertEquals("waiting-input", waiting.status(), waiting.console().toString());
    assertEquals("Number: ", text(waiting, "stdout"));
    AgentReply.ExecuteResult done = sendInput(kernelId, "21");
    assertEquals("finished", done.status(), done.console().toString());
    assertEquals("42\n", text(done, "stdout"));
    assertEquals(0, done.exitCode());
  }

  @Test
  void goScanWaitsForInput() throws Exception {
    String kernelId = startKernel(GO_IMAGE);
    upload(
        kernelId,
        "main.go",
        "package main\n\n"
            + "import \"fmt\"\n\n"
            + "func main() {\n"
            + "\tvar n int\n"
            + "\tfmt.Print(\"Number: \")\n"
            + "\tif _, err := fmt.Scan(&n); err != nil {\n"
            + "\t\tpanic(err)\n"
            + "\t}\n"
            + "\tfmt.Println(n * 2)\n"
            + "}\n");

    AgentReply.ExecuteResult waiting = startBatch(kernelId, "*");

    assertEquals("waiting-input", waiting.status(), waiting.console().toString());
    assertEquals("Number: ", text(waiting, "stdout"));
    AgentReply.ExecuteResult done = sendInput(kernelId, "21");
    assertEquals("42\n", text(done, "stdout"), done.console().toString());
    assertEquals(0, done.exitCode());
  }

  @Test
  void rustReadLineWaitsForInput() throws Exception {
    String kernelId = startKernel(RUST_IMAGE);
    // Rust's stdout is line-buffered whatever it is connected to, so a prompt needs a flush.
    upload(
        kernelId,
        "main.rs",
        "use std::io::{self, Write};\n\n"
            + "fn main() {\n"
            + "    print!(\"Number: \");\n"
            + "    io::stdout().flush().unwrap();\n"
            + "    let mut line = String::new();\n"
            + "    io::stdin().read_line(&mut line).unwrap();\n"
            + "    let n: i32 = line.trim().parse().unwrap();\n"
            + "    println!(\"{}\", n * 2);\n"
            + "}\n");

    AgentReply.ExecuteResult waiting = startBatch(kernelId, "*");

    assertEquals("waiting-input", waiting.status(), waiting.console().toString());
    assertEquals("Number: ", text(waiting, "stdout"));
    AgentReply.ExecuteResult done = sendInput(kernelId, "21");
    assertEquals("42\n", text(done, "stdout"), done.console().toString());
    assertEquals(0, done.exitCode());
  }

  @Test
  void javaScannerWaitsForInput() throws Exception {
    String kernelId = startKernel(JAVA_IMAGE);
    // The java launcher runs main() on a thread of its own, not on the process's first thread.
    upload(
        kernelId,
        "Main.java",
        "import java.util.Scanner;\n\n"
            + "public class Main {\n"
            + "  public static void main(String[] args) {\n"
            + "    System.out.print(\"Number: \");\n"
            + "    int n = new Scanner(System.in).nextInt();\n"
            + "    System.out.println(n * 2);\n"
            + "  }\n"
            + "}\n");

    AgentReply.ExecuteResult waiting = startBatch(kernelId, "*");

    assertEquals("waiting-input", waiting.status(), waiting.console().toString());
    assertEquals("Number: ", text(waiting, "stdout"));
    AgentReply.ExecuteResult done = sendInput(kernelId, "21");
    assertEquals("42\n", text(done, "stdout"), done.console().toString());
    assertEquals(0, done.exitCode());
  }

  @Test
  void executeOnlyProgramIsRejected() throws Exception {
    String kernelId = startKernel(C_IMAGE);
    upload(kernelId, "main.c", DOUBLING_C);
    // An execute-only program would run not dumpable: the jail could not read its memory.
    String exec = "cp main hidden && chmod 111 hidden && ./hidden";

    AgentReply.ExecuteResult build =
        harness.runToEnd(execute(kernelId, "batch", "", Map.of("build", "*", "exec", exec)));
    assertEquals(0, build.exitCode(), build.console().toString());
    AgentReply.ExecuteResult done = harness.runToEnd(execute(kernelId, "continue", "", Map.of()));

    assertEquals("finished", done.status(), done.console().toString());
    assertEquals(126, done.exitCode(), done.console().toString());
    assertTrue(
        text(done, "stderr").contains("which its user can run but not read"),
        done.console().toString());
  }
}
