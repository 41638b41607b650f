package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.backend.kernel.RunnerHarness.Run;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The lablup package: display functions and the matplotlib backend send media records. */
class MediaTest {

  private static final JsonFactory JSON = new JsonFactory();

  /** Image for the matplotlib test when the host's Python has no matplotlib. */
  private static final String PYTHON_IMAGE =
      System.getenv().getOrDefault("BACKENDAI_TEST_PYTHON_IMAGE", "backendai/python:3.11-debian12");

  @TempDir Path workDir;
  private RunnerHarness harness;
  private String container;
  private Path dockerDrivers;

  @AfterEach
  void stopRunner() throws IOException, InterruptedException {
    if (harness != null) {
      harness.close();
    }
    if (container != null) {
      runQuietly("docker", "rm", "--force", container);
    }
    if (dockerDrivers != null) {
      try (Stream<Path> files = Files.walk(dockerDrivers)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(file);
        }
      }
    }
  }

  @Test
  void displayFunctionsSendMediaInOrder() throws IOException {
    harness = RunnerHarness.startPython(workDir);
    Run run =
        harness.run(
            """
            from lablup.display import display, display_html, display_png, display_svg
            print('before')
            display_svg('<svg xmlns="http://www.w3.org/2000/svg"/>')
            display_png(b'\\x89PNG\\r\\n\\x1a\\nrest')
            display_html('<b>bold</b>')
            class Rich:
                def _repr_html_(self):
                    return '<i>rich</i>'
            display(Rich())
            display(42)
            """);
    assertEquals(0, run.exitCode(), run.stderr());
    List<Record> records = run.records();
    assertEquals(new Record("stdout", "before\n"), records.get(0));
    assertEquals(
        List.of("image/svg+xml", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        media(records.get(1)));
    assertEquals(List.of("image/png", "iVBORw0KGgpyZXN0"), media(records.get(2)));
    assertEquals(List.of("text/html", "<b>bold</b>"), media(records.get(3)));
    assertEquals(List.of("text/html", "<i>rich</i>"), media(records.get(4)));
    assertEquals(new Record("stdout", "42\n"), records.get(5));
    assertEquals(Record.finished("finished", 0), records.get(6));
  }

  @Test
  void oversizedMediaRaisesValueError() throws IOException {
    harness = RunnerHarness.startPython(workDir);
    Run run = harness.run("from lablup.display import display_html\ndisplay_html('x' * 5_000_000)");
    assertEquals(1, run.exitCode());
    assertTrue(run.stderr().contains("ValueError"), run.stderr());
    assertTrue(run.ofType("media").isEmpty(), "records: " + run.ofType("media").size());
  }

  @Test
  void childProcessCannotSendMedia() throws IOException {
    harness = RunnerHarness.startPython(workDir);
    Run run =
        harness.run(
            """
            import subprocess, sys
            result = subprocess.run(
                [sys.executable, '-c', 'from lablup.display import display_html; display_html("x")'],
                capture_output=True, text=True)
            print(result.returncode, 'RuntimeError' in result.stderr)
            """);
    assertEquals("1 True\n", run.stdout());
  }

  @Test
  void matplotlibShowSendsSvg() throws Exception {
    if (hostHasMatplotlib()) {
      harness = RunnerHarness.startPython(workDir);
    } else {
      assumeTrue(
          dockerImageExists(PYTHON_IMAGE),
          "The host's Python has no matplotlib, and Docker or the image "
              + PYTHON_IMAGE
              + " that has it is not available.");
      harness = startInDocker();
    }
    Run run =
        harness.run(
            """
            import matplotlib
            print(matplotlib.get_backend())
            import matplotlib.pyplot as plt
            plt.plot([1, 2, 3], [4, 1, 9])
            plt.title('test plot')
            plt.show()
            print('open figures:', len(plt.get_fignums()))
            """);
    assertEquals(0, run.exitCode(), run.stderr());
    assertEquals("module://lablup.matplotlib_backend\nopen figures: 0\n", run.stdout());
    List<Record> media = run.ofType("media");
    assertEquals(1, media.size(), "media records: " + media.size());
    List<String> item = media(media.get(0));
    assertEquals("image/svg+xml", item.get(0));
    Document svg = parseXml(item.get(1));
    assertEquals("svg", svg.getDocumentElement().getLocalName());
    assertTrue(item.get(1).contains("test plot"), "the title is missing from the SVG");
  }

  /**
   * Starts a runner whose Python driver runs in the kernel image: the runtime path is a script that
   * runs python3 in a container, with the drivers mounted at the same path.
   */
  private RunnerHarness startInDocker() throws IOException {
    // uid 1000 in the container must read the drivers, and JUnit's temporary folders are private.
    dockerDrivers = Files.createTempDirectory("backendai-drivers-");
    copyTree(RunnerHarness.driversDir().resolve("python"), dockerDrivers.resolve("python"));
    container = "backendai-media-test-" + UUID.randomUUID();
    Path script = workDir.resolve("python-in-docker.sh");
    Files.writeString(
        script,
        "#!/bin/sh\nexec docker run --rm -i --name '"
            + container
            + "' --network none --user 1000:1000 --volume '"
            + dockerDrivers
            + ":"
            + dockerDrivers
            + ":ro' --workdir /home/work '"
            + PYTHON_IMAGE
            + "' /usr/bin/python3 \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    RunnerHarness started =
        RunnerHarness.start("python", script.toString(), dockerDrivers, workDir);
    started.awaitReady();
    return started;
  }

  private static void copyTree(Path source, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.toList()) {
        Path copy = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(copy);
          Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        } else if (!file.toString().contains("__pycache__")) {
          Files.copy(file, copy);
          Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        }
      }
    }
    Files.setPosixFilePermissions(target.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static boolean hostHasMatplotlib() throws IOException, InterruptedException {
    return runQuietly(RunnerHarness.PYTHON, "-c", "import matplotlib") == 0;
  }

  private static boolean dockerImageExists(String image) throws InterruptedException {
    try {
      return runQuietly("docker", "image", "inspect", image) == 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static int runQuietly(String... command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  /** Returns the [mimeType, data] pair of a media record. */
  private static List<String> media(Record record) throws IOException {
    assertEquals("media", record.type());
    List<String> items = new ArrayList<>();
    try (JsonParser parser = JSON.createParser(record.payload())) {
      assertEquals(JsonToken.START_ARRAY, parser.nextToken());
      while (parser.nextToken() == JsonToken.VALUE_STRING) {
        items.add(parser.getText());
      }
    }
    return items;
  }

  /** Parses XML without loading the external DTD that matplotlib's SVG declares. */
  private static Document parseXml(String xml) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    return factory
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }
}
