package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.kernel.RunnerHarness.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shell script in place of the Python interpreter acts as a driver that follows the basic
 * protocol only (no features) and misbehaves on purpose.
 */
class FakeDriverTest {

  /**
   * Sends ready without features. For each code request it writes an oversized line, an invalid
   * line, a record of an unknown type and an output record, then finishes with exit code 5; any
   * other request gets a stderr record and exit code 1.
   */
  private static final String FAKE_DRIVER =
      """
      #!/bin/sh
      # printf, not echo, because dash's echo turns the \\n in the JSON into a line break.
      printf '%s\\n' '["ready", null]'
      while IFS= read -r line; do
        case "$line" in
          '["code"'*)
            head -c 9000000 /dev/zero | tr '\\0' x; echo
            printf '%s\\n' 'not json'
            printf '%s\\n' '["bogus", 1]'
            printf '%s\\n' '["stdout", "after\\n"]'
            printf '%s\\n' '["finished", {"exitCode": 5}]'
            ;;
          *)
            printf '%s\\n' '["stderr", "unknown request\\n"]'
            printf '%s\\n' '["finished", {"exitCode": 1}]'
            ;;
        esac
      done
      """;

  @TempDir Path workDir;
  private RunnerHarness harness;

  @BeforeEach
  void startRunner() throws IOException {
    Path script = workDir.resolve("fake-driver.sh");
    Files.writeString(script, FAKE_DRIVER);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    harness = RunnerHarness.start("python", script.toString(), RunnerHarness.driversDir(), workDir);
    harness.awaitReady();
  }

  @AfterEach
  void stopRunner() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void oversizedAndInvalidLinesAreDropped() {
    Run run = harness.run("anything");
    assertEquals(5, run.exitCode());
    assertEquals("after\n", run.stdout());
    assertTrue(run.stderr().contains("dropped a record of 9000000 bytes"), run.stderr());
    assertEquals(
        List.of("stderr", "stdout", "finished"), run.records().stream().map(Record::type).toList());
  }

  @Test
  void driverWithoutFeaturesGetsNoInputOrCompletion() {
    Run completion = harness.request("complete", "{\"code\": \"pri\"}", "completion");
    assertEquals(List.of(RunScheduler.EMPTY_COMPLETION), completion.records());

    harness.client.send("input", "dropped");
    Run run = harness.run("anything");
    assertEquals(5, run.exitCode());
    assertEquals("after\n", run.stdout());
  }
}
