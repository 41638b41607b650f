package ai.backend.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentEvent;
import ai.backend.common.protocol.AgentReply;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * File commands against one real kernel: uploads, downloads and listings, with paths that try to
 * leave {@code /home/work} directly or through symbolic links that the user's code made.
 */
@Tag("docker")
class KernelFilesDockerTest {

  private static final String AGENT_ID = "agent-files-test";
  private static final Duration EVENT_WAIT = Duration.ofSeconds(90);
  private static final long TRANSFER_LIMIT = 8L << 20;

  private static AgentHarness harness;
  private static String kernelId;

  @BeforeAll
  static void startKernel() throws Exception {
    String missing = AgentHarness.missingPrerequisite();
    Assumptions.assumeTrue(missing == null, missing);
    harness = new AgentHarness(AGENT_ID);
    harness.removeContainers();
    harness.startAgent(TRANSFER_LIMIT, TRANSFER_LIMIT);
    kernelId = AgentHarness.newKernelId();
    harness.send(AgentHarness.createCommand(kernelId, AgentHarness.IMAGE));
    harness.awaitKernelEvent(AgentEvent.KernelStarted.class, kernelId, EVENT_WAIT);
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

  private static AgentReply upload(Map<String, byte[]> files) throws Exception {
    List<AgentCommand.FileData> data = new ArrayList<>();
    files.forEach(
        (path, content) ->
            data.add(new AgentCommand.FileData(path, Base64.getEncoder().encodeToString(content))));
    return harness.request(new AgentCommand.UploadFiles("s-" + kernelId, kernelId, data));
  }

  private static AgentReply download(String... paths) throws Exception {
    return harness.request(
        new AgentCommand.DownloadFiles("s-" + kernelId, kernelId, List.of(paths)));
  }

  private static AgentReply list(String path) throws Exception {
    return harness.request(new AgentCommand.ListFiles("s-" + kernelId, kernelId, path));
  }

  private static void run(String code) throws Exception {
    AgentReply reply =
        harness.execute(AgentHarness.query(kernelId, "run-" + code.hashCode(), code));
    AgentReply.ExecuteResult result = assertInstanceOf(AgentReply.ExecuteResult.class, reply);
    assertEquals(0, result.exitCode(), result.console().toString());
  }

  private static boolean existsInKernel(String absolutePath) throws Exception {
    return AgentHarness.inKernel(
                kernelId, "test -e '" + absolutePath + "' || test -L '" + absolutePath + "'")
            .exitCode()
        == 0;
  }

  /** One entry of a downloaded archive. */
  private record Entry(byte[] content, boolean symbolicLink, String linkName, boolean directory) {}

  private static Map<String, Entry> untar(AgentReply reply) throws IOException {
    AgentReply.FilesArchive archive = assertInstanceOf(AgentReply.FilesArchive.class, reply);
    byte[] bytes = Base64.getDecoder().decode(archive.tarBase64());
    assertEquals(bytes.length, archive.sizeBytes());
    Map<String, Entry> entries = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(bytes))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        entries.put(
            entry.getName(),
            new Entry(
                tar.readAllBytes(),
                entry.isSymbolicLink(),
                entry.getLinkName(),
                entry.isDirectory()));
      }
    }
    return entries;
  }

  private static AgentReply.CommandFailed failed(AgentReply reply, String code) {
    AgentReply.CommandFailed failed = assertInstanceOf(AgentReply.CommandFailed.class, reply);
    assertEquals(code, failed.code(), failed.message());
    return failed;
  }

  @Test
  void uploadAndDownloadKeepEveryByte() throws Exception {
    byte[] allBytes = new byte[256];
    for (int i = 0; i < 256; i++) {
      allBytes[i] = (byte) i;
    }
    byte[] fiveMegabytes = new byte[5 * 1024 * 1024];
    new Random(42).nextBytes(fiveMegabytes);
    String unicodeName = "round/deep/ünïcödé name ☃.txt";
    String longName = "round/" + "n".repeat(150);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("round/bytes.bin", allBytes);
    files.put("round/five-mb.bin", fiveMegabytes);
    files.put(unicodeName, "snow\n".getBytes(StandardCharsets.UTF_8));
    files.put(longName, new byte[0]);

    AgentReply uploaded = upload(files);
    assertInstanceOf(AgentReply.Done.class, uploaded, uploaded.toString());
    Map<String, Entry> entries = untar(download("round"));

    assertTrue(entries.get("round/").directory(), entries.keySet().toString());
    assertArrayEquals(allBytes, entries.get("round/bytes.bin").content());
    assertArrayEquals(fiveMegabytes, entries.get("round/five-mb.bin").content());
    assertArrayEquals(files.get(unicodeName), entries.get(unicodeName).content());
    assertArrayEquals(new byte[0], entries.get(longName).content());
    AgentHarness.CommandResult owners =
        AgentHarness.inKernel(kernelId, "find /home/work/round ! -user 1000 -o ! -group 1000");
    assertEquals(0, owners.exitCode(), owners.output());
    assertEquals("", owners.output(), "files not owned by uid and gid 1000");
  }

  @Test
  void uploadReplacesFileAndDownloadsSingleFile() throws Exception {
    assertInstanceOf(
        AgentReply.Done.class,
        upload(Map.of("replace.txt", "old".getBytes(StandardCharsets.UTF_8))));
    assertInstanceOf(
        AgentReply.Done.class,
        upload(Map.of("replace.txt", "new".getBytes(StandardCharsets.UTF_8))));

    Map<String, Entry> entries = untar(download("replace.txt"));

    assertEquals(List.of("replace.txt"), List.copyOf(entries.keySet()));
    assertEquals("new", new String(entries.get("replace.txt").content(), StandardCharsets.UTF_8));
  }

  @Test
  void pathsOutsideWorkFolderAreRejected() throws Exception {
    List<String> invalid =
        List.of(
            "../x",
            "/etc/passwd",
            "a/../../x",
            "./x",
            "a/./x",
            "a//x",
            "a/",
            "",
            ".",
            "..",
            "x\u0000y",
            "x\ny",
            "x\u007fy");
    for (String path : invalid) {
      Map<String, byte[]> files = new LinkedHashMap<>();
      files.put("valid-neighbour.txt", new byte[] {1});
      files.put(path, new byte[] {2});

      AgentReply.CommandFailed failed = failed(upload(files), "invalid-path");

      assertTrue(failed.message().startsWith("invalid path '"), failed.message());
      failed(download(path), "invalid-path");
    }
    assertTrue(!existsInKernel("/home/x"), "/home/x was written");
    assertTrue(!existsInKernel("/home/work/valid-neighbour.txt"), "a rejected upload wrote files");
    AgentHarness.CommandResult passwd = AgentHarness.inKernel(kernelId, "head -c 5 /etc/passwd");
    assertEquals("root:", passwd.output());
  }

  @Test
  void pathLimitsAreNamedInTheMessage() throws Exception {
    AgentReply.CommandFailed longName =
        failed(upload(Map.of("n".repeat(256), new byte[0])), "invalid-path");
    assertTrue(longName.message().contains("255"), longName.message());

    AgentReply.CommandFailed longPath =
        failed(upload(Map.of("a/".repeat(2048) + "b", new byte[0])), "invalid-path");
    assertTrue(longPath.message().contains("4096"), longPath.message());

    Map<String, byte[]> tooMany = new LinkedHashMap<>();
    for (int i = 0; i <= 1000; i++) {
      tooMany.put("many/" + i, new byte[0]);
    }
    AgentReply.CommandFailed count = failed(upload(tooMany), "too-large");
    assertTrue(count.message().contains("1000"), count.message());

    AgentReply.CommandFailed size =
        failed(upload(Map.of("big.bin", new byte[(int) TRANSFER_LIMIT + 1])), "too-large");
    assertTrue(size.message().contains(String.valueOf(TRANSFER_LIMIT)), size.message());

    assertTrue(!existsInKernel("/home/work/many"), "a rejected upload wrote files");
    assertTrue(!existsInKernel("/home/work/big.bin"), "a rejected upload wrote files");
  }

  @Test
  void uploadNamingOnePathTwiceIsRejected() throws Exception {
    List<AgentCommand.FileData> twice =
        List.of(
            new AgentCommand.FileData("twice.txt", "YQ=="),
            new AgentCommand.FileData("twice.txt", "Yg=="));

    AgentReply reply =
        harness.request(new AgentCommand.UploadFiles("s-" + kernelId, kernelId, twice));

    AgentReply.CommandFailed failed = failed(reply, "invalid-path");
    assertTrue(failed.message().contains("twice.txt"), failed.message());
  }

  @Test
  void invalidBase64IsRejected() throws Exception {
    List<AgentCommand.FileData> files =
        List.of(new AgentCommand.FileData("b64.txt", "not base64!"));

    AgentReply reply =
        harness.request(new AgentCommand.UploadFiles("s-" + kernelId, kernelId, files));

    failed(reply, "invalid-command");
    assertTrue(!existsInKernel("/home/work/b64.txt"), "a rejected upload wrote files");
  }

  @Test
  void symbolicLinksFromUserCodeAreNotFollowed() throws Exception {
    run(
        "import os\n"
            + "os.symlink('/etc', 'etclink')\n"
            + "os.symlink('/tmp', 'tmplink')\n"
            + "os.makedirs('real')\n"
            + "os.symlink('/tmp', 'real/inner')\n");

    Map<String, byte[]> throughLink = new LinkedHashMap<>();
    throughLink.put("fine.txt", new byte[] {1});
    throughLink.put("tmplink/evil.txt", new byte[] {2});
    AgentReply.CommandFailed viaTmp = failed(upload(throughLink), "invalid-path");
    assertTrue(viaTmp.message().contains("symbolic link 'tmplink'"), viaTmp.message());
    failed(upload(Map.of("etclink/passwd", new byte[] {3})), "invalid-path");
    AgentReply.CommandFailed nested =
        failed(upload(Map.of("real/inner/evil.txt", new byte[] {4})), "invalid-path");
    assertTrue(nested.message().contains("'real/inner'"), nested.message());
    failed(upload(Map.of("tmplink", new byte[] {5})), "invalid-path");

    assertTrue(!existsInKernel("/tmp/evil.txt"), "the upload followed a link to /tmp");
    assertTrue(!existsInKernel("/home/work/fine.txt"), "a rejected upload wrote files");
    assertEquals("/tmp", AgentHarness.inKernel(kernelId, "readlink /home/work/tmplink").output());
    assertEquals("root:", AgentHarness.inKernel(kernelId, "head -c 5 /etc/passwd").output());

    failed(download("etclink/passwd"), "invalid-path");
    failed(download("real/inner/x"), "invalid-path");
    Map<String, Entry> linkOnly = untar(download("etclink"));
    assertEquals(List.of("etclink"), List.copyOf(linkOnly.keySet()));
    assertTrue(linkOnly.get("etclink").symbolicLink());
    assertEquals("/etc", linkOnly.get("etclink").linkName());

    failed(list("etclink"), "invalid-path");
    failed(list("real/inner"), "invalid-path");
  }

  @Test
  void listingShowsEntriesOfOneFolder() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("listing/a.txt", "abc".getBytes(StandardCharsets.UTF_8));
    files.put("listing/sub/b.txt", new byte[10]);
    assertInstanceOf(AgentReply.Done.class, upload(files));
    run(
        "import os\n"
            + "os.symlink('a.txt', 'listing/link')\n"
            + "os.chmod('listing/a.txt', 0o600)\n");

    AgentReply.FileList listing = assertInstanceOf(AgentReply.FileList.class, list("listing"));

    assertEquals("/home/work/listing", listing.absPath());
    assertEquals(
        List.of("a.txt", "link", "sub"),
        listing.files().stream().map(AgentReply.FileEntry::filename).toList());
    AgentReply.FileEntry file = listing.files().get(0);
    assertEquals("file", file.type());
    assertEquals(3, file.size());
    assertEquals("600", file.mode());
    Instant mtime = Instant.parse(file.mtime());
    assertTrue(
        Duration.between(mtime, Instant.now()).abs().toMinutes() < 10, "mtime " + file.mtime());
    assertEquals("link", listing.files().get(1).type());
    assertEquals("dir", listing.files().get(2).type());

    AgentReply.FileList home = assertInstanceOf(AgentReply.FileList.class, list("."));
    assertEquals("/home/work", home.absPath());
    assertTrue(
        home.files().stream()
            .anyMatch(e -> e.filename().equals("listing") && e.type().equals("dir")),
        home.files().toString());
    AgentReply.FileList byDefault = assertInstanceOf(AgentReply.FileList.class, list(null));
    assertEquals("/home/work", byDefault.absPath());

    failed(list("missing-folder"), "file-not-found");
    failed(list("listing/a.txt"), "invalid-path");
    failed(list("../.."), "invalid-path");
  }

  @Test
  void downloadLimitsApply() throws Exception {
    failed(download("no-such-file"), "file-not-found");
    run("open('large.bin', 'wb').write(b'x' * " + (TRANSFER_LIMIT + 1) + ")\n");

    AgentReply.CommandFailed failed = failed(download("large.bin"), "too-large");

    assertTrue(failed.message().contains(String.valueOf(TRANSFER_LIMIT)), failed.message());
  }

  @Test
  void logsContainRunnerOutput() throws Exception {
    AgentReply reply = harness.request(new AgentCommand.GetLogs("s-" + kernelId, kernelId));

    AgentReply.Logs logs = assertInstanceOf(AgentReply.Logs.class, reply);
    assertNotNull(logs.text());
    assertTrue(logs.text().contains("Kernel runner started"), logs.text());
  }

  @Test
  void fileCommandsOnUnknownKernelFail() throws Exception {
    AgentReply reply = harness.request(new AgentCommand.ListFiles("s-none", "k-unknown", "."));

    failed(reply, "kernel-not-found");
  }
}
