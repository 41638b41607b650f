package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.kernel.RunnerHarness.Run;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** input(), getpass() and sys.stdin in query mode, and completion requests. */
class InputAndCompletionTest {

  private static final JsonFactory JSON = new JsonFactory();

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
  void inputSendsPromptThenWaitingInput() {
    harness.client.send("code", "name = input('Name: ')\nprint('Hello, ' + name)");
    List<Record> before = harness.awaitRecord(r -> r.type().equals("waiting-input"));
    assertEquals(
        List.of(
            new Record("stdout", "Name: "), new Record("waiting-input", "{\"isPassword\":false}")),
        RunnerHarness.mergeAdjacent(before));

    harness.client.send("input", "Ada");
    Run run = harness.awaitEnd("finished");
    assertEquals("Hello, Ada\n", run.stdout());
    assertEquals(0, run.exitCode());
  }

  @Test
  void getpassRequestsPassword() {
    harness.client.send("code", "import getpass\nsecret = getpass.getpass()\nprint(len(secret))");
    List<Record> before = harness.awaitRecord(r -> r.type().equals("waiting-input"));
    assertEquals(new Record("stdout", "Password: "), before.get(0));
    assertEquals(
        new Record("waiting-input", "{\"isPassword\":true}"), before.get(before.size() - 1));

    harness.client.send("input", "hunter2");
    Run run = harness.awaitEnd("finished");
    assertEquals("7\n", run.stdout());
  }

  @Test
  void stdinReadlineWaitsForInput() {
    harness.client.send(
        "code",
        "import sys\nfirst = sys.stdin.readline()\nsecond = input()\nprint(repr(first), repr(second))");
    harness.awaitRecord(r -> r.type().equals("waiting-input"));
    harness.client.send("input", "one");
    harness.awaitRecord(r -> r.type().equals("waiting-input"));
    harness.client.send("input", "two");
    Run run = harness.awaitEnd("finished");
    assertEquals("'one\\n' 'two'\n", run.stdout());
  }

  @Test
  void interruptWhileWaitingForInput() {
    harness.client.send("code", "input('> ')");
    harness.awaitRecord(r -> r.type().equals("waiting-input"));
    harness.client.send("interrupt", "");
    Run run = harness.awaitEnd("finished");
    assertEquals(130, run.exitCode());
    assertTrue(run.stderr().endsWith("KeyboardInterrupt\n"), run.stderr());

    // An input line left from the interrupted run does not reach the next one.
    harness.client.send("input", "stale");
    harness.client.send("code", "print(input())");
    harness.awaitRecord(r -> r.type().equals("waiting-input"));
    harness.client.send("input", "fresh");
    assertEquals("fresh\n", harness.awaitEnd("finished").stdout());
  }

  @Test
  void inputOutsideRunIsDropped() {
    harness.client.send("input", "nobody waits");
    Run run = harness.run("print('ok')");
    assertEquals(
        List.of(new Record("stdout", "ok\n"), Record.finished("finished", 0)), run.records());
  }

  @Test
  void completionOfGlobalsAndAttributes() throws IOException {
    harness.run("import os\nmy_variable = 1\nmy_value = 2");

    List<String> names = complete("x = my_va");
    assertTrue(names.contains("my_variable"), names.toString());
    assertTrue(names.contains("my_value"), names.toString());

    List<String> attributes = complete("print(os.pa");
    assertTrue(attributes.contains("os.path"), attributes.toString());
    assertTrue(attributes.contains("os.pathsep"), attributes.toString());

    List<String> builtins = complete("pri");
    assertEquals(List.of("print("), builtins);

    assertEquals(List.of(), complete("x = 1 + "));
  }

  @Test
  void completionPayloadWithOptions() throws IOException {
    harness.run("abc_value = 3");
    Run run =
        harness.request(
            "complete",
            "{\"code\": \"abc_v\", \"options\": {\"row\": 0, \"col\": 5}}",
            "completion");
    assertEquals(List.of("abc_value"), parseList(run.last().payload()));
  }

  @Test
  void completionDuringRunIsEmpty() {
    harness.client.send("code", "import time\nprint('busy', flush=True)\ntime.sleep(60)");
    harness.awaitRecord(r -> r.type().equals("stdout"));
    harness.client.send("complete", "{\"code\": \"pri\", \"options\": {}}");
    List<Record> records = harness.awaitRecord(r -> r.type().equals("completion"));
    assertEquals(RunScheduler.EMPTY_COMPLETION, records.get(records.size() - 1));

    harness.client.send("interrupt", "");
    assertEquals(130, harness.awaitEnd("finished").exitCode());
  }

  @Test
  void hangingCompletionIsInterrupted() throws IOException {
    harness.run(
        """
        class Slow:
            def __dir__(self):
                import time
                time.sleep(600)
        slow = Slow()
        """);
    // rlcompleter calls dir(slow), which hangs until the runner's completion timeout interrupts it.
    harness.client.send("complete", "{\"code\": \"slow.\", \"options\": {}}");
    List<Record> records = harness.awaitRecord(r -> r.type().equals("completion"));
    assertEquals("completion", records.get(records.size() - 1).type());

    Run next = harness.run("print(type(slow).__name__)");
    assertEquals("Slow\n", next.stdout());
  }

  private List<String> complete(String code) throws IOException {
    String payload = "{\"code\": \"" + code.replace("\"", "\\\"") + "\", \"options\": {}}";
    Run run = harness.request("complete", payload, "completion");
    assertEquals(1, run.records().size(), "records: " + run.records());
    return parseList(run.last().payload());
  }

  private static List<String> parseList(String json) throws IOException {
    List<String> items = new ArrayList<>();
    try (JsonParser parser = JSON.createParser(json)) {
      assertEquals(JsonToken.START_ARRAY, parser.nextToken());
      while (parser.nextToken() == JsonToken.VALUE_STRING) {
        items.add(parser.getText());
      }
    }
    return items;
  }
}
