package ai.backend.agent.files;

import ai.backend.agent.docker.DockerEngine;
import ai.backend.agent.docker.ExecResult;
import ai.backend.common.protocol.AgentCommand.FileData;
import ai.backend.common.protocol.AgentReply.FileEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads, downloads and lists files in a kernel's {@code /home/work}. Every step inside the kernel
 * runs as the kernel's user through {@code docker exec}, so it can read and write only what the
 * user's own code can.
 *
 * <p>Before it reads or writes, a shell script in the kernel checks every path: no folder on the
 * way may be a symbolic link, because {@code tar} would follow it out of {@code /home/work}, and a
 * file to upload may not replace a symbolic link or a folder. If any path fails, nothing is
 * written. NOTE: Code of the same user that runs at the same time can still swap a folder for a
 * link between the check and {@code tar}; it gains nothing by that, because it could write there
 * itself.
 */
public final class KernelFiles {

  private static final Logger log = LoggerFactory.getLogger(KernelFiles.class);

  /** Maximum number of entries that one listing returns. */
  public static final int MAX_LIST_ENTRIES = 10_000;

  /** Fields per entry in the output of the listing script. */
  private static final int LIST_FIELDS = 5;

  /** Maximum listing output that the agent reads, enough for one entry more than the limit. */
  private static final long MAX_LIST_OUTPUT_BYTES =
      (long) (MAX_LIST_ENTRIES + 1) * (WorkPaths.MAX_NAME_BYTES + 64);

  /** How long a command may run in the kernel before {@code timeout} kills it. */
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

  /** How long the agent waits for a command, longer than the kernel-side limit. */
  private static final Duration COMMAND_WAIT = COMMAND_TIMEOUT.plusSeconds(15);

  /** Exit codes of the scripts below, apart from the tools' own. */
  private static final int EXIT_INVALID_PATH = 3;

  private static final int EXIT_TOO_LARGE = 4;
  private static final int EXIT_NOT_FOUND = 5;
  private static final int EXIT_NOT_READABLE = 6;

  /** Exit codes of {@code timeout -s KILL} when the command ran out of time. */
  private static final Set<Integer> TIMED_OUT = Set.of(124, 137);

  /**
   * Shell functions for the scripts: {@code fail CODE MESSAGE}, and {@code check_paths MODE} that
   * checks the newline-separated paths in {@code $paths} for MODE {@code upload}, {@code download}
   * or {@code list}. The kernel images are Debian-based, where sh is dash, so the script is plain
   * POSIX sh.
   */
  private static final String CHECK_FUNCTIONS =
      """
      fail() {
        printf '%s\\n' "$2" >&2
        exit "$1"
      }
      [ -d /home/work ] && [ ! -L /home/work ] && cd /home/work \\
        || fail 3 "/home/work is missing or is not a folder"
      check_path() {
        rest=$2
        parent=.
        while :; do
          case $rest in
            */*) name=${rest%%/*}; rest=${rest#*/} ;;
            *) break ;;
          esac
          parent=$parent/$name
          [ ! -L "$parent" ] \\
            || fail 3 "invalid path '$2': it passes through the symbolic link '${parent#./}'"
          [ -e "$parent" ] || break
          [ -d "$parent" ] || fail 3 "invalid path '$2': '${parent#./}' is not a folder"
        done
        target=./$2
        case $1 in
          upload)
            [ ! -L "$target" ] \\
              || fail 3 "invalid path '$2': it is a symbolic link; remove it or choose another path"
            [ ! -d "$target" ] || fail 3 "invalid path '$2': it is a folder"
            ;;
          download)
            [ -e "$target" ] || [ -L "$target" ] || fail 5 "path '$2' not found in /home/work"
            ;;
          list)
            [ ! -L "$target" ] || fail 3 "invalid path '$2': it is a symbolic link, not a folder"
            [ -e "$target" ] || fail 5 "folder '$2' not found in /home/work"
            [ -d "$target" ] || fail 3 "invalid path '$2': it is not a folder"
            [ -r "$target" ] && [ -x "$target" ] \\
              || fail 6 "cannot list folder '$2': permission denied"
            ;;
        esac
      }
      check_paths() {
        printf '%s\\n' "$paths" | while IFS= read -r path; do check_path "$1" "$path"; done
      }
      """;

  /**
   * Reads {@code $1} bytes of paths and then {@code $2} bytes of tar archive from standard input,
   * and extracts the archive only if every path passes. The engine does not pass on the end of
   * standard input, so {@code head -c} reads exactly the announced bytes.
   */
  private static final String UPLOAD_SCRIPT =
      CHECK_FUNCTIONS
          + """
          paths=$(head -c "$1")
          check_paths upload || { status=$?; head -c "$2" > /dev/null; exit "$status"; }
          head -c "$2" | tar -x -f - --no-same-permissions --no-overwrite-dir
          """;

  /**
   * Reads {@code $1} bytes of paths from standard input and writes a tar archive of them to
   * standard output if every path passes and their files take at most {@code $2} bytes. Symbolic
   * links go into the archive as links.
   */
  /** Room for the end of a POSIX tar archive and its padding to a whole record. */
  private static final long TAR_OVERHEAD_BYTES = 64 << 10;

  /** Room for one file's header and pax extended header in the archive. */
  private static final long TAR_OVERHEAD_PER_FILE = 4 << 10;

  private static final String DOWNLOAD_SCRIPT =
      CHECK_FUNCTIONS
          + """
          paths=$(head -c "$1")
          check_paths download || exit $?
          total=$(printf '%s\\n' "$paths" | tr '\\n' '\\0' \\
            | du -s -b -c -P --files0-from=- 2>/dev/null | tail -n 1 | cut -f 1)
          [ "${total:-0}" -le "$2" ] \\
            || fail 4 "the files take $total bytes, more than the download limit of $2 bytes"
          printf '%s\\n' "$paths" | tar -c -f - --format=posix \\
            --pax-option=delete=atime,delete=ctime --verbatim-files-from -T -
          """;

  /**
   * Lists folder {@code $1}: name, type, size, permission bits in octal and modification time in
   * seconds since the epoch for each entry, each field ending in a NUL byte, at most {@code $2}
   * fields.
   */
  private static final String LIST_SCRIPT =
      CHECK_FUNCTIONS
          + """
          paths=$1
          check_paths list || exit $?
          find "./$1" -mindepth 1 -maxdepth 1 -printf '%f\\0%y\\0%s\\0%m\\0%T@\\0' | head -z -n "$2"
          """;

  private final List<String> jailPrefix;
  private final DockerEngine docker;
  private final String user;
  private final long maxUploadBytes;
  private final long maxDownloadBytes;

  /**
   * @param user the {@code UID:GID} of the kernel's user, which every command runs as
   */
  public KernelFiles(DockerEngine docker, String user, long maxUploadBytes, long maxDownloadBytes) {
    this(docker, user, maxUploadBytes, maxDownloadBytes, List.of());
  }

  /**
   * @param jailPrefix the command line that starts a command under the kernel's jail, ending with
   *     {@code --}, or empty to run the file commands without it
   */
  public KernelFiles(
      DockerEngine docker,
      String user,
      long maxUploadBytes,
      long maxDownloadBytes,
      List<String> jailPrefix) {
    this.docker = docker;
    this.user = user;
    this.maxUploadBytes = maxUploadBytes;
    this.maxDownloadBytes = maxDownloadBytes;
    this.jailPrefix = List.copyOf(jailPrefix);
  }

  /**
   * Writes files into {@code /home/work} of a container, creating missing folders and replacing
   * existing files.
   *
   * @return the number of bytes written
   * @throws FileCommandException if a path, the count or the size breaks a limit, or the write
   *     fails; then nothing was written, unless {@code tar} itself failed part way
   */
  public long upload(String containerId, List<FileData> files) throws FileCommandException {
    WorkPaths.checkCount(files, "upload");
    List<String> paths = new ArrayList<>();
    long announcedBytes = 0;
    for (FileData file : files) {
      if (file == null) {
        throw new FileCommandException(
            FileCommandException.INVALID_PATH, "the upload request has an empty file entry");
      }
      WorkPaths.check(file.path());
      paths.add(file.path());
      announcedBytes += decodedLength(file.contentBase64());
    }
    // Checked before decoding, so that an oversized upload takes no more memory.
    checkUploadSize(announcedBytes);
    checkDistinct(paths);

    List<byte[]> contents = new ArrayList<>();
    long totalBytes = 0;
    for (FileData file : files) {
      byte[] content = decode(file);
      contents.add(content);
      totalBytes += content.length;
    }
    checkUploadSize(totalBytes);

    byte[] pathList = String.join("\n", paths).getBytes(StandardCharsets.UTF_8);
    byte[] archive = tarArchive(paths, contents);
    InputStream stdin =
        new SequenceInputStream(
            new ByteArrayInputStream(pathList), new ByteArrayInputStream(archive));
    ExecResult result =
        run(
            containerId,
            UPLOAD_SCRIPT,
            List.of(String.valueOf(pathList.length), String.valueOf(archive.length)),
            stdin,
            0);
    failUnlessZero(result, "upload");
    return totalBytes;
  }

  /**
   * Returns a tar archive of files and folders in {@code /home/work} of a container, with paths
   * relative to it. Symbolic links are archived as links, and folders with all they contain.
   *
   * @throws FileCommandException if a path is invalid or missing, or the archive would exceed the
   *     download limit
   */
  public byte[] download(String containerId, List<String> paths) throws FileCommandException {
    WorkPaths.checkCount(paths, "download");
    for (String path : paths) {
      WorkPaths.check(path);
    }
    byte[] pathList = String.join("\n", paths).getBytes(StandardCharsets.UTF_8);
    ExecResult result =
        run(
            containerId,
            DOWNLOAD_SCRIPT,
            List.of(String.valueOf(pathList.length), String.valueOf(maxDownloadBytes)),
            new ByteArrayInputStream(pathList),
            // The script limits the files' sizes; the archive adds headers and padding to them.
            maxDownloadBytes + TAR_OVERHEAD_BYTES + TAR_OVERHEAD_PER_FILE * paths.size());
    if (result.stdoutTruncated()) {
      throw new FileCommandException(
          FileCommandException.TOO_LARGE,
          "the archive of "
              + describe(paths)
              + " exceeds the download limit of "
              + maxDownloadBytes
              + " bytes; download fewer files");
    }
    if (result.exitCode() == 1) {
      // GNU tar exits with 1 when a file changed while it read it; the archive is complete.
      log.warn(
          "A file changed while tar read it in container {}: {}",
          containerId,
          result.stderr().strip());
    } else {
      failUnlessZero(result, "download");
    }
    return result.stdout();
  }

  /**
   * Returns the entries of a folder in {@code /home/work} of a container, sorted by name.
   *
   * @param path the folder, relative to {@code /home/work}, or {@code .} for the folder itself
   * @throws FileCommandException if the path is invalid, missing or not a folder, or the folder has
   *     more than {@value #MAX_LIST_ENTRIES} entries
   */
  public List<FileEntry> list(String containerId, String path) throws FileCommandException {
    WorkPaths.checkFolder(path);
    int maxFields = (MAX_LIST_ENTRIES + 1) * LIST_FIELDS;
    ExecResult result =
        run(
            containerId,
            LIST_SCRIPT,
            List.of(path, String.valueOf(maxFields)),
            null,
            MAX_LIST_OUTPUT_BYTES);
    if (!result.stdoutTruncated()) {
      failUnlessZero(result, "list");
    }
    List<FileEntry> entries = parseListing(result.stdout());
    if (result.stdoutTruncated() || entries.size() > MAX_LIST_ENTRIES) {
      throw new FileCommandException(
          FileCommandException.TOO_LARGE,
          "folder '"
              + WorkPaths.shown(path)
              + "' has more than "
              + MAX_LIST_ENTRIES
              + " entries, the limit of one listing; list its subfolders instead");
    }
    entries.sort(Comparator.comparing(FileEntry::filename));
    return entries;
  }

  private ExecResult run(
      String containerId, String script, List<String> args, InputStream stdin, long stdoutLimit) {
    // Under the jail, because user code of the same uid could otherwise write into the memory of
    // these processes while they run.
    List<String> command = new ArrayList<>(jailPrefix);
    command.addAll(
        List.of(
            "timeout",
            "-s",
            "KILL",
            String.valueOf(COMMAND_TIMEOUT.toSeconds()),
            "sh",
            "-c",
            script,
            "sh"));
    command.addAll(args);
    return docker.exec(
        containerId, user, WorkPaths.WORK_DIR, command, stdin, stdoutLimit, COMMAND_WAIT);
  }

  /** Turns a failed script into the exception for its exit code. */
  private static void failUnlessZero(ExecResult result, String operation)
      throws FileCommandException {
    int exitCode = result.exitCode();
    if (exitCode == 0) {
      return;
    }
    String message = result.stderr().strip();
    if (TIMED_OUT.contains(exitCode)) {
      throw new FileCommandException(
          FileCommandException.FILE_OPERATION_FAILED,
          "the " + operation + " did not finish within " + COMMAND_TIMEOUT.toSeconds() + " s");
    }
    String scriptCode =
        switch (exitCode) {
          case EXIT_INVALID_PATH -> FileCommandException.INVALID_PATH;
          case EXIT_TOO_LARGE -> FileCommandException.TOO_LARGE;
          case EXIT_NOT_FOUND -> FileCommandException.FILE_NOT_FOUND;
          case EXIT_NOT_READABLE -> FileCommandException.FILE_OPERATION_FAILED;
          default -> null;
        };
    if (scriptCode != null) {
      throw new FileCommandException(scriptCode, message);
    }
    throw new FileCommandException(
        FileCommandException.FILE_OPERATION_FAILED,
        "the "
            + operation
            + " failed in the kernel with exit code "
            + exitCode
            + (message.isEmpty() ? "" : ": " + message));
  }

  private void checkUploadSize(long bytes) throws FileCommandException {
    if (bytes > maxUploadBytes) {
      throw new FileCommandException(
          FileCommandException.TOO_LARGE,
          "the upload has "
              + bytes
              + " bytes, more than the limit of "
              + maxUploadBytes
              + " bytes per call; upload fewer or smaller files");
    }
  }

  /** Rejects a path given twice, and a path that another one needs as a folder. */
  private static void checkDistinct(List<String> paths) throws FileCommandException {
    Set<String> files = new HashSet<>(paths);
    Set<String> seen = new HashSet<>();
    for (String path : paths) {
      if (!seen.add(path)) {
        throw new FileCommandException(
            FileCommandException.INVALID_PATH,
            "invalid path '" + WorkPaths.shown(path) + "': the upload names it twice");
      }
      for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
        String folder = path.substring(0, slash);
        if (files.contains(folder)) {
          throw new FileCommandException(
              FileCommandException.INVALID_PATH,
              "invalid path '"
                  + WorkPaths.shown(path)
                  + "': the upload also names '"
                  + WorkPaths.shown(folder)
                  + "' as a file");
        }
      }
    }
  }

  /** Returns the length that valid Base64 text decodes to. */
  static long decodedLength(String base64) {
    if (base64 == null || base64.isEmpty()) {
      return 0;
    }
    int padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
    return (long) base64.length() / 4 * 3 - padding;
  }

  private static byte[] decode(FileData file) throws FileCommandException {
    try {
      return Base64.getDecoder().decode(file.contentBase64() == null ? "" : file.contentBase64());
    } catch (IllegalArgumentException e) {
      throw new FileCommandException(
          FileCommandException.INVALID_COMMAND,
          "the content of '"
              + WorkPaths.shown(file.path())
              + "' is not valid Base64: "
              + e.getMessage());
    }
  }

  /**
   * Builds a tar archive of regular files with mode 644. Names longer than the 100 bytes of the
   * classic header go into GNU long-name entries, which carry the UTF-8 bytes as they are.
   */
  static byte[] tarArchive(List<String> paths, List<byte[]> contents) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    Date now = new Date();
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(buffer, StandardCharsets.UTF_8.name())) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      for (int i = 0; i < paths.size(); i++) {
        byte[] content = contents.get(i);
        TarArchiveEntry entry = new TarArchiveEntry(paths.get(i), true);
        entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE);
        entry.setSize(content.length);
        entry.setModTime(now);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
      }
      tar.finish();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build a tar archive in memory", e);
    }
    return buffer.toByteArray();
  }

  /** Parses the NUL-separated fields of the listing script; an incomplete last entry is dropped. */
  static List<FileEntry> parseListing(byte[] output) {
    List<String> fields = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < output.length; i++) {
      if (output[i] == 0) {
        fields.add(new String(output, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    List<FileEntry> entries = new ArrayList<>();
    for (int i = 0; i + LIST_FIELDS <= fields.size(); i += LIST_FIELDS) {
      entries.add(
          new FileEntry(
              fields.get(i),
              fileType(fields.get(i + 1)),
              parseLong(fields.get(i + 2)),
              fields.get(i + 3),
              isoTime(fields.get(i + 4))));
    }
    return entries;
  }

  private static String fileType(String findType) {
    return switch (findType) {
      case "f" -> "file";
      case "d" -> "dir";
      case "l" -> "link";
      default -> "other";
    };
  }

  private static long parseLong(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Turns {@code find}'s seconds since the epoch, such as {@code 1733328000.25}, into ISO-8601. */
  static String isoTime(String epochSeconds) {
    try {
      int dot = epochSeconds.indexOf('.');
      String whole = dot < 0 ? epochSeconds : epochSeconds.substring(0, dot);
      String fraction = dot < 0 ? "" : epochSeconds.substring(dot + 1);
      fraction = (fraction + "000000000").substring(0, 9);
      return Instant.ofEpochSecond(Long.parseLong(whole), Long.parseLong(fraction)).toString();
    } catch (NumberFormatException | java.time.DateTimeException e) {
      return "";
    }
  }

  private static String describe(List<String> paths) {
    return paths.size() == 1 ? "'" + WorkPaths.shown(paths.get(0)) + "'" : paths.size() + " paths";
  }
}
