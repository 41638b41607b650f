package ai.backend.client;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes files that the manager sent below a local target folder without leaving it.
 *
 * <p>Every path comes from the manager and is checked first: relative, no empty, {@code .} or
 * {@code ..} segment, no backslash or NUL. Each folder on the way is inspected without following
 * links: a symbolic link there is rejected, a missing folder is created. The file itself is opened
 * with {@link LinkOption#NOFOLLOW_LINKS}, so the operating system rejects a symbolic link in its
 * place. An existing regular file is overwritten.
 *
 * <p>NOTE: the checks and the writes are separate steps, so another local process that swaps a
 * folder for a link between them is not stopped. The target folder itself may be a link, because
 * the caller chose it.
 */
final class SafeFileWriter {

  private final Path root;

  /**
   * Creates a writer below a folder, which is created when it is missing.
   *
   * @throws BackendClientException if the folder cannot be created or is not a folder
   */
  SafeFileWriter(Path root) {
    this.root = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new BackendClientException(
          "cannot create the target folder " + this.root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Checks a path that the manager sent and returns it with {@code ./} prefixes, empty and {@code
   * .} segments and a trailing {@code /} removed.
   *
   * @throws IllegalArgumentException if the path is empty, absolute, or has a {@code ..} segment, a
   *     backslash or a NUL character
   */
  static String checkRelative(String path) {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("an empty path");
    }
    if (path.startsWith("/")) {
      throw new IllegalArgumentException(
          "the absolute path '" + SessionPaths.printable(path) + "'");
    }
    if (path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "the path '" + SessionPaths.printable(path) + "' with a backslash or NUL character");
    }
    StringBuilder cleaned = new StringBuilder();
    for (String segment : path.split("/")) {
      if (segment.equals("..")) {
        throw new IllegalArgumentException(
            "the path '" + SessionPaths.printable(path) + "' that leaves the target folder");
      }
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (cleaned.length() > 0) {
        cleaned.append('/');
      }
      cleaned.append(segment);
    }
    if (cleaned.length() == 0) {
      throw new IllegalArgumentException("the path '" + path + "' that names no file");
    }
    return cleaned.toString();
  }

  /** Creates a folder and its missing parents below the root, rejecting links on the way. */
  Path createDirectories(String relativePath) throws IOException {
    Path current = root;
    for (String segment : checkRelative(relativePath).split("/")) {
      current = enterDirectory(current, segment, relativePath);
    }
    return current;
  }

  /**
   * Writes a file below the root, creating its parent folders.
   *
   * @param mode the permission bits to apply, such as {@code 0755}, or -1 to keep the default. The
   *     bits are masked with {@code 0755}, and the owner always gets read and write access.
   */
  Path write(String relativePath, byte[] content, int mode) throws IOException {
    String checked = checkRelative(relativePath);
    int slash = checked.lastIndexOf('/');
    Path parent = slash < 0 ? root : createDirectories(checked.substring(0, slash));
    Path file = parent.resolve(checked.substring(slash + 1));
    requireInsideRoot(file, relativePath);
    if (Files.isSymbolicLink(file)) {
      throw new IOException(
          "refusing to write " + relativePath + " because " + file + " is a symbolic link");
    }
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("cannot write " + relativePath + " because " + file + " is a folder");
    }
    try (OutputStream out =
        Files.newOutputStream(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
      out.write(content);
    }
    if (mode >= 0) {
      applyMode(file, mode);
    }
    return file;
  }

  private Path enterDirectory(Path parent, String segment, String relativePath) throws IOException {
    Path next = parent.resolve(segment);
    requireInsideRoot(next, relativePath);
    if (Files.isSymbolicLink(next)) {
      throw new IOException(
          "refusing to write " + relativePath + " because " + next + " is a symbolic link");
    }
    if (!Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectory(next);
    } else if (!Files.isDirectory(next, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(
          "cannot write " + relativePath + " because " + next + " is not a folder");
    }
    return next;
  }

  /** Guards against platform path rules, such as drive letters, that the segment check misses. */
  private void requireInsideRoot(Path path, String relativePath) throws IOException {
    if (!path.normalize().startsWith(root) || path.normalize().equals(root)) {
      throw new IOException("refusing to write " + relativePath + " outside " + root);
    }
  }

  private static void applyMode(Path file, int mode) throws IOException {
    if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
      return;
    }
    int allowed = mode & 0755;
    Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_EXECUTE
    };
    for (int i = 0; i < order.length; i++) {
      if ((allowed & (0400 >> i)) != 0) {
        permissions.add(order[i]);
      }
    }
    // The owner keeps read and write access, so a later download can overwrite the file.
    permissions.add(PosixFilePermission.OWNER_READ);
    permissions.add(PosixFilePermission.OWNER_WRITE);
    Files.setPosixFilePermissions(file, permissions);
  }
}
