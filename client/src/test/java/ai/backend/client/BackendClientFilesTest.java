package ai.backend.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.backend.client.FakeManagerServer.Part;
import ai.backend.client.FakeManagerServer.RecordedRequest;
import ai.backend.client.FakeManagerServer.Response;
import ai.backend.common.auth.RequestSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendClientFilesTest {

  private static final String ACCESS_KEY = "AKIAFILESTEST0000001";
  private static final String SECRET_KEY = "files-test-secret";

  @TempDir Path temp;

  private FakeManagerServer server;
  private BackendClient client;
  private String sessionId;
  private Path local;
  private Path target;

  @BeforeEach
  void startServer() throws IOException {
    server = FakeManagerServer.start(ACCESS_KEY, SECRET_KEY);
    client = new BackendClient(BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY));
    sessionId = client.createSession(SessionSpec.of("c")).sessionId();
    local = Files.createDirectory(temp.resolve("local"));
    target = temp.resolve("target");
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private Path localFile(String name, byte[] content) throws IOException {
    Path file = local.resolve(name);
    Files.createDirectories(file.getParent());
    return Files.write(file, content);
  }

  private static byte[] allByteValues() {
    byte[] bytes = new byte[256];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    return bytes;
  }

  private RecordedRequest onlyRequest(String method, String pathPrefix) {
    List<RecordedRequest> matching = server.requests(method, pathPrefix);
    assertEquals(1, matching.size(), matching.toString());
    return matching.get(0);
  }

  @Test
  void uploadSendsOnePartPerFile() throws IOException {
    Map<String, Path> files = new LinkedHashMap<>();
    files.put("main.c", localFile("main.c", "int main(void) { return 0; }\n".getBytes()));
    files.put("src/util.c", localFile("src/util.c", allByteValues()));

    client.upload(sessionId, files);

    RecordedRequest request = onlyRequest("POST", "/session/");
    assertEquals("/session/" + sessionId + "/upload", request.path());
    assertTrue(request.signatureValid());
    String contentType = request.header("Content-Type");
    assertTrue(
        contentType.matches("multipart/form-data; boundary=BackendAIFormBoundary[0-9a-f]{32}"),
        contentType);
    List<Part> parts = FakeManagerServer.parseMultipart(contentType, request.body());
    assertEquals(2, parts.size());
    assertEquals("src", parts.get(0).name());
    assertEquals("main.c", parts.get(0).filename());
    assertEquals("application/octet-stream", parts.get(0).contentType());
    assertEquals("src", parts.get(1).name());
    assertEquals("src/util.c", parts.get(1).filename());
    assertArrayEquals(allByteValues(), parts.get(1).content());
    assertArrayEquals(allByteValues(), server.files(sessionId).get("src/util.c"));
  }

  @Test
  void uploadBodyHasMultipartLayout() throws IOException {
    client.upload(sessionId, Map.of("a.txt", localFile("a.txt", "hello".getBytes())));

    RecordedRequest request = onlyRequest("POST", "/session/");
    String boundary =
        request.header("Content-Type").substring("multipart/form-data; boundary=".length());
    String expected =
        "--"
            + boundary
            + "\r\n"
            + "Content-Disposition: form-data; name=\"src\"; filename=\"a.txt\"\r\n"
            + "Content-Type: application/octet-stream\r\n"
            + "\r\n"
            + "hello\r\n"
            + "--"
            + boundary
            + "--\r\n";
    assertEquals(expected, request.bodyText());
  }

  @Test
  void uploadSignatureCoversBodyAndBoundary() throws IOException {
    client.upload(sessionId, Map.of("a.txt", localFile("a.txt", "signed".getBytes())));

    RecordedRequest request = onlyRequest("POST", "/session/");
    String signature =
        RequestSignature.parseAuthorization(request.header("Authorization")).signature();
    String withBody = signatureFor(request, request.header("Content-Type"), request.body());
    String withoutBody = signatureFor(request, request.header("Content-Type"), new byte[0]);
    String withoutBoundary = signatureFor(request, "multipart/form-data", request.body());
    assertEquals(withBody, signature);
    assertNotEquals(withoutBody, signature);
    assertNotEquals(withoutBoundary, signature);
  }

  private String signatureFor(RecordedRequest request, String contentType, byte[] body) {
    return RequestSignature.sign(
        SECRET_KEY,
        new RequestSignature.SignedRequest(
            request.method(),
            request.pathAndQuery(),
            request.header("X-BackendAI-Date"),
            request.header("Host"),
            contentType,
            RequestSignature.API_VERSION,
            RequestSignature.sha256Hex(body)));
  }

  @Test
  void uploadRejectsInvalidPathsBeforeSending() throws IOException {
    Path file = localFile("a.txt", "x".getBytes());
    for (String path : List.of("../evil", "/etc/passwd", "a//b", "./a", "a/..", "", "a\\b")) {
      IllegalArgumentException error =
          assertThrows(
              IllegalArgumentException.class,
              () -> client.upload(sessionId, Map.of(path, file)),
              path);
      assertTrue(error.getMessage().contains("file path"), error.getMessage());
    }
    assertTrue(server.requests("POST", "/session/").isEmpty());
  }

  @Test
  void uploadRejectsMissingAndFolderFiles() {
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> client.upload(sessionId, Map.of("a.txt", local.resolve("missing.txt"))));
    IllegalArgumentException folder =
        assertThrows(
            IllegalArgumentException.class, () -> client.upload(sessionId, Map.of("d", local)));

    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    assertTrue(folder.getMessage().contains("not a regular file"), folder.getMessage());
    assertTrue(server.requests("POST", "/session/").isEmpty());
  }

  @Test
  void uploadOverLimitIsRejectedBeforeReading() throws IOException {
    Path big = local.resolve("big.bin");
    // A sparse file, so the test writes almost nothing to disk.
    try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
      file.setLength(BackendClient.MAX_UPLOAD_BYTES);
    }
    Path small = localFile("small.txt", "x".getBytes());

    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> client.upload(sessionId, Map.of("big.bin", big, "small.txt", small)));

    assertTrue(error.getMessage().contains("67108865 bytes"), error.getMessage());
    assertTrue(error.getMessage().contains("67108864"), error.getMessage());
    assertTrue(server.requests("POST", "/session/").isEmpty());
  }

  @Test
  void uploadLimitOfManagerIsApiError() throws IOException {
    server.setMaxUploadBytes(3);

    BackendApiException error =
        assertThrows(
            BackendApiException.class,
            () -> client.upload(sessionId, Map.of("a.txt", localFile("a.txt", "four".getBytes()))));

    assertEquals(413, error.status());
    assertEquals("request-too-large", error.kind());
  }

  @Test
  void downloadSingleFileWritesItAsIs() throws IOException {
    server.putFile(sessionId, "out/b.bin", allByteValues());

    DownloadResult result = client.download(sessionId, List.of("out/b.bin"), target);

    assertEquals(List.of(target.resolve("b.bin").toAbsolutePath()), result.files());
    assertTrue(result.skipped().isEmpty());
    assertArrayEquals(allByteValues(), Files.readAllBytes(target.resolve("b.bin")));
    RecordedRequest request = onlyRequest("GET", "/session/");
    assertEquals("/session/" + sessionId + "/download", request.path());
    assertEquals("file=out%2Fb.bin", request.query());
    assertEquals("*/*", request.header("Accept"));
    assertTrue(request.signatureValid());
  }

  @Test
  void downloadSeveralFilesExtractsArchive() throws IOException {
    server.putFile(sessionId, "a.txt", "alpha".getBytes());
    server.putFile(sessionId, "out/b.bin", allByteValues());

    DownloadResult result = client.download(sessionId, List.of("a.txt", "out/b.bin"), target);

    assertEquals(
        List.of(
            target.resolve("a.txt").toAbsolutePath(), target.resolve("out/b.bin").toAbsolutePath()),
        result.files());
    assertEquals("alpha", Files.readString(target.resolve("a.txt")));
    assertArrayEquals(allByteValues(), Files.readAllBytes(target.resolve("out/b.bin")));
    assertEquals("file=a.txt&file=out%2Fb.bin", onlyRequest("GET", "/session/").query());
  }

  @Test
  void downloadReadsLongNamesAndSkipsTopFolder() throws IOException {
    String longName = "data/" + "n".repeat(120) + ".txt";
    enqueueArchive(
        new Entry(new TarArchiveEntry("./"), null),
        new Entry(new TarArchiveEntry("data/"), null),
        regularEntry(longName, "long"));

    DownloadResult result = client.download(sessionId, List.of("a", "b"), target);

    Path expected = target.resolve(longName).toAbsolutePath();
    assertEquals(List.of(expected), result.files());
    assertEquals("long", Files.readString(expected));
  }

  @Test
  void downloadReadsUtf8Names() throws IOException {
    // Java 17 maps file names through the locale's charset, so a C locale cannot create this file.
    assumeTrue(
        "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")),
        "file names are not UTF-8 in this JVM");
    enqueueArchive(regularEntry("größe.txt", "umlaut"));

    DownloadResult result = client.download(sessionId, List.of("a", "b"), target);

    assertEquals(List.of(target.resolve("größe.txt").toAbsolutePath()), result.files());
  }

  @Test
  void downloadRejectsParentEntry() throws IOException {
    enqueueArchive(regularEntry("good.txt", "fine"), regularEntry("../evil", "escaped"));

    BackendClientException error =
        assertThrows(
            BackendClientException.class,
            () -> client.download(sessionId, List.of("good.txt", "x"), target));

    assertTrue(error.getMessage().contains("'../evil'"), error.getMessage());
    assertTrue(error.getMessage().contains("no file was written"), error.getMessage());
    assertFalse(Files.exists(temp.resolve("evil")));
    assertFalse(Files.exists(target.resolve("good.txt")));
  }

  @Test
  void downloadRejectsNestedParentEntry() throws IOException {
    enqueueArchive(regularEntry("out/../../evil", "escaped"));

    assertThrows(
        BackendClientException.class, () -> client.download(sessionId, List.of("a", "b"), target));

    assertFalse(Files.exists(temp.resolve("evil")));
  }

  @Test
  void downloadRejectsAbsoluteEntry() throws IOException {
    Path outside = temp.resolve("absolute-evil");
    TarArchiveEntry absolute = new TarArchiveEntry(outside.toString(), true);
    enqueueArchive(withContent(absolute, "escaped"));

    BackendClientException error =
        assertThrows(
            BackendClientException.class,
            () -> client.download(sessionId, List.of("a", "b"), target));

    assertTrue(error.getMessage().contains("absolute path"), error.getMessage());
    assertFalse(Files.exists(outside));
  }

  @Test
  void downloadSkipsLinkEntries() throws IOException {
    Path outside = Files.createDirectory(temp.resolve("outside"));
    TarArchiveEntry link = new TarArchiveEntry("escape", TarConstants.LF_SYMLINK);
    link.setLinkName(outside.toString());
    enqueueArchive(new Entry(link, null), regularEntry("escape/pwned.txt", "inside"));

    DownloadResult result = client.download(sessionId, List.of("a", "b"), target);

    assertEquals(List.of("escape (link to " + outside + ")"), result.skipped());
    assertTrue(Files.isDirectory(target.resolve("escape"), LinkOption.NOFOLLOW_LINKS));
    assertEquals("inside", Files.readString(target.resolve("escape/pwned.txt")));
    assertFalse(Files.exists(outside.resolve("pwned.txt")));
  }

  @Test
  void downloadNeverWritesThroughLocalLinkedFile() throws IOException {
    Path outside = Files.writeString(temp.resolve("outside.txt"), "original");
    Files.createDirectories(target);
    Files.createSymbolicLink(target.resolve("b.bin"), outside);
    server.putFile(sessionId, "b.bin", "replaced".getBytes());

    BackendClientException error =
        assertThrows(
            BackendClientException.class,
            () -> client.download(sessionId, List.of("b.bin"), target));

    assertTrue(error.getMessage().contains("symbolic link"), error.getMessage());
    assertEquals("original", Files.readString(outside));
  }

  @Test
  void downloadNeverWritesThroughLocalLinkedFolder() throws IOException {
    Path outside = Files.createDirectory(temp.resolve("outside"));
    Files.createDirectories(target);
    Files.createSymbolicLink(target.resolve("out"), outside);
    server.putFile(sessionId, "a.txt", "alpha".getBytes());
    server.putFile(sessionId, "out/b.bin", "beta".getBytes());

    BackendClientException error =
        assertThrows(
            BackendClientException.class,
            () -> client.download(sessionId, List.of("a.txt", "out/b.bin"), target));

    assertTrue(error.getMessage().contains("symbolic link"), error.getMessage());
    try (var listing = Files.list(outside)) {
      assertEquals(0, listing.count());
    }
  }

  @Test
  void downloadKeepsExecutableBit() throws IOException {
    TarArchiveEntry program = new TarArchiveEntry("main");
    program.setMode(0100777);
    enqueueArchive(withContent(program, "\u007fELF"));

    client.download(sessionId, List.of("main", "other"), target);

    assertEquals(
        "rwxr-xr-x",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("main"))));
  }

  @Test
  void downloadRejectsUnsafeAttachmentName() {
    server.enqueue(
        "GET",
        "/session/*",
        Response.bytes(
            "application/octet-stream",
            "x".getBytes(),
            Map.of("Content-Disposition", "attachment; filename=\"../evil\"")));

    BackendClientException error =
        assertThrows(
            BackendClientException.class,
            () -> client.download(sessionId, List.of("evil"), target));

    assertTrue(error.getMessage().contains("invalid file name"), error.getMessage());
    assertFalse(Files.exists(temp.resolve("evil")));
  }

  @Test
  void downloadOfMissingFileIsApiError() {
    BackendApiException error =
        assertThrows(
            BackendApiException.class,
            () -> client.download(sessionId, List.of("missing.txt"), target));

    assertEquals(404, error.status());
    assertFalse(Files.exists(target.resolve("missing.txt")));
  }

  @Test
  void attachmentNameParsesBothForms() {
    assertEquals("b.bin", ContentDisposition.fileName("attachment; filename=\"b.bin\""));
    assertEquals("plain.txt", ContentDisposition.fileName("attachment; filename=plain.txt"));
    assertEquals(
        "a;b\"c.txt", ContentDisposition.fileName("attachment; filename=\"a;b\\\"c.txt\""));
    assertEquals(
        "résumé.pdf",
        ContentDisposition.fileName(
            "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"));
    assertEquals(null, ContentDisposition.fileName("attachment"));
  }

  @Test
  void sessionPathsMatchManagerRules() {
    assertEquals("src/util.c", SessionPaths.requireRelative("src/util.c"));
    assertEquals("ü.txt", SessionPaths.requireRelative("ü.txt"));
    for (String invalid :
        List.of("", "/abs", "../x", "a/../b", "a//b", "a/", "./a", "a\nb", "a\"b", "a\\b")) {
      assertThrows(
          IllegalArgumentException.class, () -> SessionPaths.requireRelative(invalid), invalid);
    }
    assertThrows(
        IllegalArgumentException.class, () -> SessionPaths.requireRelative("n".repeat(256)));
  }

  @Test
  void boundaryIsSearchedInContent() {
    byte[] haystack = "abc--BOUNDARYdef".getBytes(StandardCharsets.US_ASCII);

    assertEquals(
        3, MultipartFormData.indexOf(haystack, "--BOUNDARY".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(
        -1, MultipartFormData.indexOf(haystack, "--OTHER".getBytes(StandardCharsets.US_ASCII)));
  }

  /** A tar entry with its content, or with none for links and folders. */
  private record Entry(TarArchiveEntry header, byte[] content) {}

  private static Entry regularEntry(String name, String content) {
    // TarArchiveEntry(String) would drop a leading '/', but it keeps '..'.
    return withContent(new TarArchiveEntry(name), content);
  }

  private static Entry withContent(TarArchiveEntry header, String content) {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    header.setSize(bytes.length);
    return new Entry(header, bytes);
  }

  private void enqueueArchive(Entry... entries) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    // UTF-8 names and GNU long names, as the agent writes them.
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(buffer, StandardCharsets.UTF_8.name())) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      for (Entry entry : entries) {
        tar.putArchiveEntry(entry.header());
        if (entry.content() != null) {
          tar.write(entry.content());
        }
        tar.closeArchiveEntry();
      }
    }
    server.enqueue(
        "GET", "/session/*", Response.bytes("application/x-tar", buffer.toByteArray(), Map.of()));
  }
}
