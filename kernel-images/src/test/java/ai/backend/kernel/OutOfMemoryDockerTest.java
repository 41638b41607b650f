package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.backend.kernel.RunnerHarness.Run;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Memory bombs in a kernel container with a 256 MiB limit and no swap, under the jail, so that the
 * kernel's OOM killer stops them. Skipped without Docker, the Python image or the built jail.
 */
class OutOfMemoryDockerTest {

  /** Allocates 1 MiB blocks until the OOM killer stops it. b'x' * n writes every page it uses. */
  private static final String BOMB = "x = []\nwhile True:\n    x.append(b'x' * 2**20)\n";

  private static final String PROGRAM_STOPPED =
      "The program was stopped because the session ran out of memory (limit 256 MiB).";
  private static final String PROCESS_STOPPED =
      "A process of this session was stopped because the session ran out of memory (limit 256"
          + " MiB).";
  private static final String ADVICE =
      "Use less memory or start a session with more (for example -r mem=1g).\n";
  private static final String RESTARTED =
      "The python interpreter was restarted, so its variables are lost.";

  private static KernelContainer container;
  private String runnerBefore;

  @BeforeAll
  static void startContainer() throws IOException {
    Optional<String> reason = KernelContainer.unavailableReason(KernelContainer.PYTHON_IMAGE);
    assumeTrue(reason.isEmpty(), () -> "Skipped: " + reason.orElse(""));
    container = KernelContainer.startPython(KernelContainer.PYTHON_IMAGE, "256m");
  }

  @AfterAll
  static void removeContainer() throws IOException {
    if (container != null) {
      container.close();
    }
  }

  @BeforeEach
  void recordRunner() throws IOException {
    Run warmUp = container.request("code", "print('ready')");
    assertEquals("ready\n", warmUp.stdout(), warmUp.stderr());
    runnerBefore = container.runnerIdentity();
    assertFalse(runnerBefore.isEmpty(), "no runner process in the container");
  }

  @Test
  void queryModeBombIsReported() throws IOException {
    Run bomb = container.request("code", "y = 1\n" + BOMB);
    Run next = container.request("code", "print(6 * 7)");
    Run lost = container.request("code", "print('y' in globals())");

    assertEquals(OomKills.SIGKILL_EXIT_CODE, bomb.exitCode(), bomb.stderr());
    assertTrue(bomb.stderr().contains(PROGRAM_STOPPED), bomb.stderr());
    assertTrue(bomb.stderr().contains(RESTARTED), bomb.stderr());
    assertTrue(bomb.stderr().endsWith(ADVICE), bomb.stderr());
    assertEquals("42\n", next.stdout(), next.stderr());
    assertEquals("False\n", lost.stdout(), lost.stderr());
    assertEquals(runnerBefore, container.runnerIdentity(), "the runner was restarted");
  }

  @Test
  void batchModeBombIsReported() throws IOException {
    Run bomb = container.request("exec", "python3 -c \"" + BOMB + "\"");
    Run next = container.request("exec", "python3 -c 'print(6 * 7)'");

    assertEquals(OomKills.SIGKILL_EXIT_CODE, bomb.exitCode(), bomb.stderr());
    assertTrue(bomb.stderr().contains(PROGRAM_STOPPED), bomb.stderr());
    assertTrue(bomb.stderr().endsWith(ADVICE), bomb.stderr());
    assertFalse(bomb.stderr().contains("interpreter"), bomb.stderr());
    assertEquals("42\n", next.stdout(), next.stderr());
    assertEquals(runnerBefore, container.runnerIdentity(), "the runner was restarted");
  }

  @Test
  void childProcessBombIsReported() throws IOException {
    Run run =
        container.request(
            "code",
            "import subprocess, sys\n"
                + "y = 1\n"
                + "child = subprocess.run([sys.executable, '-c', "
                + pythonString(BOMB)
                + "])\n"
                + "print('child exit', child.returncode)");
    Run next = container.request("code", "print(y * 42)");

    assertEquals(0, run.exitCode(), run.stderr());
    assertEquals("child exit -9\n", run.stdout());
    assertTrue(run.stderr().contains(PROCESS_STOPPED), run.stderr());
    assertTrue(run.stderr().endsWith(ADVICE), run.stderr());
    assertEquals("42\n", next.stdout(), next.stderr());
    assertEquals(runnerBefore, container.runnerIdentity(), "the runner was restarted");
  }

  @Test
  void userCodeHasRaisedOomScore() throws IOException {
    Run query = container.request("code", "print(open('/proc/self/oom_score_adj').read())");
    Run batch = container.request("exec", "cat /proc/self/oom_score_adj");

    assertEquals("1000\n\n", query.stdout(), query.stderr());
    assertEquals("1000\n", batch.stdout(), batch.stderr());
    assertFalse(container.log().contains("oom_score_adj"), container.log());
  }

  private static String pythonString(String text) {
    return "'" + text.replace("\\", "\\\\").replace("\n", "\\n").replace("'", "\\'") + "'";
  }
}
