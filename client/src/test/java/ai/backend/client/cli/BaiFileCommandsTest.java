package ai.backend.client.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.client.FakeManagerServer;
import ai.backend.client.FakeManagerServer.Part;
import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.FakeManagerServer.Response;
import ai.backend.client.SessionSpec;
import ai.backend.client.cli.CliHarness.Invocation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session commands other than run and exec: files, logs, interrupt, restart, images. */
class BaiFileCommandsTest {

  @TempDir Path temp;

  private CliHarness cli;
  private String sessionId;

  @BeforeEach
  void start() throws IOException {
    cli = new CliHarness(temp);
    sessionId = cli.sdkClient().createSession(SessionSpec.of("python").withName("box")).sessionId();
  }

  @AfterEach
  void stop() {
    cli.close();
  }

  /** Returns the requests after the session's creation. */
  private List<RecordedRequest> commandRequests() {
    List<RecordedRequest> all = cli.server.requests();
    return all.subList(1, all.size());
  }

  private RecordedRequest onlyCommandRequest() {
    List<RecordedRequest> requests = commandRequests();
    assertEquals(1, requests.size(), requests.toString());
    RecordedRequest request = requests.get(0);
    assertTrue(request.signatureValid());
    return request;
  }

  @Test
  void uploadSendsMultipartWithRelativePaths() throws IOException {
    cli.workFile("main.py", "import util\n");
    cli.workFile("lib/util.py", "X = 1\n");

    Invocation result = cli.bai("upload", "box", "main.py", "./lib/util.py");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(
        "Uploaded main.py\nUploaded lib/util.py\nUploaded 2 files (18 bytes) to session box.\n",
        result.out());
    RecordedRequest request = onlyCommandRequest();
    assertEquals("POST", request.method());
    assertEquals("/session/box/upload", request.path());
    List<Part> parts =
        FakeManagerServer.parseMultipart(request.header("Content-Type"), request.body());
    assertEquals(List.of("src", "src"), parts.stream().map(Part::name).toList());
    assertEquals(List.of("main.py", "lib/util.py"), parts.stream().map(Part::filename).toList());
    assertEquals("X = 1\n", new String(cli.server.files("box").get("lib/util.py")));
  }

  @Test
  void uploadRejectsPathsOutsideWorkingFolder() throws IOException {
    Path outside = Files.writeString(cli.workingDirectory.resolveSibling("secret.txt"), "x");

    Invocation parent = cli.bai("upload", "box", "../secret.txt");
    Invocation absolute = cli.bai("upload", "box", outside.toString());
    Invocation dotted = cli.bai("upload", "box", "a/../secret.txt");

    assertEquals(2, parent.exitCode());
    assertTrue(parent.err().contains("has a '..' segment"), parent.err());
    assertEquals(2, absolute.exitCode());
    assertTrue(absolute.err().contains("is not a relative path"), absolute.err());
    assertEquals(2, dotted.exitCode());
    assertTrue(commandRequests().isEmpty());
  }

  @Test
  void uploadErrorOfManagerNamesPath() throws IOException {
    cli.workFile("a.txt", "x");
    cli.server.enqueue(
        "POST",
        "/session/box/upload",
        Response.problem(
            400, "invalid-api-params", "Invalid API parameters", "file path 'a.txt' is reserved"));

    Invocation result = cli.bai("upload", "box", "a.txt");

    assertEquals(1, result.exitCode());
    assertEquals(
        "bai: Invalid API parameters: file path 'a.txt' is reserved (HTTP 400,"
            + " invalid-api-params)\n",
        result.err());
  }

  @Test
  void downloadWritesSingleFileIntoDest() {
    cli.server.putFile("box", "out/result.bin", new byte[] {0, 1, 2, (byte) 255});

    Invocation result = cli.bai("download", "box", "out/result.bin", "--dest", "results");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("results/result.bin\n", result.out());
    assertArrayEquals(
        new byte[] {0, 1, 2, (byte) 255},
        readBytes(cli.workingDirectory.resolve("results/result.bin")));
    RecordedRequest request = onlyCommandRequest();
    assertEquals("GET", request.method());
    assertEquals("/session/box/download?file=out%2Fresult.bin", request.pathAndQuery());
  }

  @Test
  void downloadExtractsSeveralFiles() {
    cli.server.putFile("box", "a.txt", "alpha".getBytes(StandardCharsets.UTF_8));
    cli.server.putFile("box", "out/b.txt", "beta".getBytes(StandardCharsets.UTF_8));

    Invocation result = cli.bai("download", "box", "a.txt", "out/b.txt");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("a.txt\nout/b.txt\n", result.out());
    assertEquals("beta", readString(cli.workingDirectory.resolve("out/b.txt")));
  }

  @Test
  void downloadRejectsArchiveLeavingDest() throws IOException {
    for (String evil : List.of("../evil.txt", temp.resolve("absolute-evil.txt").toString())) {
      Map<String, String> entries = new LinkedHashMap<>();
      entries.put("fine.txt", "fine");
      entries.put(evil, "escaped");
      cli.server.enqueue(
          "GET",
          "/session/box/download",
          Response.bytes("application/x-tar", tar(entries), Map.of()));

      Invocation result = cli.bai("download", "box", "fine.txt", "other.txt", "--dest", "d");

      assertEquals(1, result.exitCode(), evil);
      assertTrue(result.err().contains("rejected the archive"), result.err());
      assertTrue(result.err().contains("no file was written"), result.err());
      assertEquals("", result.out());
      assertFalse(Files.exists(cli.workingDirectory.resolve("d/fine.txt")));
    }
    assertFalse(Files.exists(cli.workingDirectory.resolve("evil.txt")));
    assertFalse(Files.exists(temp.resolve("absolute-evil.txt")));
  }

  @Test
  void lsPrintsSortedTable() {
    cli.server.putFile("box", "main.c", "int x;\n".getBytes(StandardCharsets.UTF_8));
    cli.server.putFile("box", "src/util.c", new byte[0]);
    cli.server.putFile("box", "a.out", new byte[1234]);

    Invocation result = cli.bai("ls", "box");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(
        "NAME    TYPE  SIZE  MODE  MODIFIED\n"
            + "a.out   file  1234  644   2026-12-04T15:27:01Z\n"
            + "main.c  file  7     644   2026-12-04T15:27:01Z\n"
            + "src     dir   4096  755   2026-12-04T15:27:01Z\n",
        result.out());
    assertEquals("/session/box/files?path=.", onlyCommandRequest().pathAndQuery());
  }

  @Test
  void lsOfSubfolderSendsPath() {
    cli.server.putFile("box", "src/util.c", new byte[3]);

    Invocation result = cli.bai("ls", "box", "src");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("util.c  file  3"), result.out());
    assertEquals("/session/box/files?path=src", onlyCommandRequest().pathAndQuery());
  }

  @Test
  void lsOfEmptyFolderSaysSo() {
    Invocation result = cli.bai("ls", "box");

    assertEquals("No files in /home/work.\n", result.out());
  }

  @Test
  void logsPrintsKernelLog() {
    cli.server.setLogs("box", "runner started\nready");

    Invocation result = cli.bai("logs", "box");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("runner started\nready\n", result.out());
    RecordedRequest request = onlyCommandRequest();
    assertEquals("GET /session/box/logs", request.method() + " " + request.pathAndQuery());
  }

  @Test
  void interruptSendsPost() {
    Invocation result = cli.bai("interrupt", "box");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("Sent an interrupt to session box.\n", result.out());
    RecordedRequest request = onlyCommandRequest();
    assertEquals("POST /session/box/interrupt", request.method() + " " + request.path());
    assertEquals(0, request.body().length);
  }

  @Test
  void restartSendsPatch() {
    Invocation result = cli.bai("restart", "box");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("Restarted the kernel of session box.\n", result.out());
    RecordedRequest request = onlyCommandRequest();
    assertEquals("PATCH /session/box", request.method() + " " + request.path());
  }

  @Test
  void commandsOnUnknownSessionFail() {
    for (String command : List.of("ls", "logs", "interrupt", "restart")) {
      Invocation result = cli.bai(command, "ghost");

      assertEquals(1, result.exitCode(), command);
      assertTrue(result.err().contains("HTTP 404, session-not-found"), result.err());
    }
  }

  @Test
  void imagesPrintsTable() {
    Invocation result = cli.bai("images");

    assertEquals(0, result.exitCode(), result.err());
    String[] lines = result.out().split("\n");
    assertEquals(3, lines.length, result.out());
    assertEquals(
        "NAME                            ALIASES                                    RUNTIME"
            + "  MIN RESOURCES",
        lines[0]);
    assertEquals(
        "backendai/python:3.11-debian12  python:3.11-debian12, python:3.11, python  python "
            + "  cpu=1, mem=256m",
        lines[1]);
    assertEquals(
        "backendai/c:12-debian12         c                                          c      "
            + "  cpu=1, mem=128m",
        lines[2]);
    RecordedRequest request = onlyCommandRequest();
    assertEquals("GET /images", request.method() + " " + request.pathAndQuery());
  }

  @Test
  void memoryIsFormattedForResourceOptions() {
    assertEquals("256m", ImagesCommand.formatBytes("268435456"));
    assertEquals("2g", ImagesCommand.formatBytes("2147483648"));
    assertEquals("3k", ImagesCommand.formatBytes("3072"));
    assertEquals("1000", ImagesCommand.formatBytes("1000"));
    assertEquals("0", ImagesCommand.formatBytes("0"));
    assertEquals("lots", ImagesCommand.formatBytes("lots"));
  }

  private static byte[] tar(Map<String, String> entries) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(buffer)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, String> entry : entries.entrySet()) {
        byte[] content = entry.getValue().getBytes(StandardCharsets.UTF_8);
        // The second argument keeps a leading '/', which the default constructor drops.
        TarArchiveEntry header = new TarArchiveEntry(entry.getKey(), true);
        header.setSize(content.length);
        tar.putArchiveEntry(header);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return buffer.toByteArray();
  }

  private static byte[] readBytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  private static String readString(Path file) {
    return new String(readBytes(file), StandardCharsets.UTF_8);
  }
}
