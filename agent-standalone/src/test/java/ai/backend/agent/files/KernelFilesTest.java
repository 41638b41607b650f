package ai.backend.agent.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.protocol.AgentCommand.FileData;
import ai.backend.common.protocol.AgentReply.FileEntry;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/** The parts of {@link KernelFiles} that run before or after the kernel: checks and parsing. */
class KernelFilesTest {

  /** Without a Docker engine, so any call that got past the checks would fail. */
  private final KernelFiles files = new KernelFiles(null, "1000:1000", 100, 100);

  private static FileData file(String path, byte[] content) {
    return new FileData(path, Base64.getEncoder().encodeToString(content));
  }

  @Test
  void uploadOverSizeLimitIsRejectedBeforeDocker() {
    FileCommandException error =
        assertThrows(
            FileCommandException.class,
            () ->
                files.upload(
                    "container", List.of(file("a", new byte[60]), file("b", new byte[41]))));

    assertEquals(FileCommandException.TOO_LARGE, error.code());
    assertTrue(error.getMessage().contains("101 bytes"), error.getMessage());
    assertTrue(error.getMessage().contains("limit of 100 bytes"), error.getMessage());
  }

  @Test
  void uploadNamingFileAsFolderIsRejected() {
    FileCommandException error =
        assertThrows(
            FileCommandException.class,
            () ->
                files.upload(
                    "container", List.of(file("a", new byte[1]), file("a/b", new byte[1]))));

    assertEquals(FileCommandException.INVALID_PATH, error.code());
    assertTrue(error.getMessage().contains("'a/b'"), error.getMessage());
  }

  @Test
  void invalidPathStopsWholeUpload() {
    FileCommandException error =
        assertThrows(
            FileCommandException.class,
            () ->
                files.upload(
                    "container", List.of(file("ok.txt", new byte[1]), file("../x", new byte[1]))));

    assertEquals(FileCommandException.INVALID_PATH, error.code());
    assertTrue(error.getMessage().contains("'../x'"), error.getMessage());
  }

  @Test
  void tarArchiveKeepsNamesAndBytes() throws Exception {
    String longName = "dir/" + "n".repeat(150);
    byte[] content = {0, 1, 2, (byte) 255};

    byte[] archive =
        KernelFiles.tarArchive(
            List.of("ünï.txt", longName), List.of("x".getBytes(StandardCharsets.UTF_8), content));

    try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(archive))) {
      TarArchiveEntry first = tar.getNextEntry();
      assertEquals("ünï.txt", first.getName());
      assertEquals(0644, first.getMode() & 07777);
      assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), tar.readAllBytes());
      TarArchiveEntry second = tar.getNextEntry();
      assertEquals(longName, second.getName());
      assertArrayEquals(content, tar.readAllBytes());
      assertEquals(null, tar.getNextEntry());
    }
  }

  @Test
  void listingOutputIsParsed() {
    // Each field ends in a NUL byte; the last entry is cut short, as when output stops early.
    String output =
        String.join(
            "\u0000",
            "b.txt",
            "f",
            "3",
            "644",
            "1733328000.5000000000",
            "a dir",
            "d",
            "4096",
            "755",
            "1733328000",
            "link",
            "l",
            "5",
            "777",
            "1733328000.25",
            "pipe",
            "p",
            "0",
            "644",
            "1733328000",
            "cut",
            "f");

    List<FileEntry> entries = KernelFiles.parseListing(output.getBytes(StandardCharsets.UTF_8));

    assertEquals(
        List.of(
            new FileEntry("b.txt", "file", 3, "644", "2024-12-04T16:00:00.500Z"),
            new FileEntry("a dir", "dir", 4096, "755", "2024-12-04T16:00:00Z"),
            new FileEntry("link", "link", 5, "777", "2024-12-04T16:00:00.250Z"),
            new FileEntry("pipe", "other", 0, "644", "2024-12-04T16:00:00Z")),
        entries);
  }
}
