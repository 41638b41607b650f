package ai.backend.agent.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scratch directories of kernels: one directory per kernel under the scratch root, mounted at
 * {@code /home/work} in its container and removed with the kernel.
 *
 * <p>Each directory is a tmpfs of the configured size that the agent mounts on the host, so the
 * size is a hard limit and the files count against the memory of the container whose processes
 * write them. The mount lives on the host rather than in the container, so the files survive a
 * restart of the kernel's container, as they would on a disk. Mounting needs root; the agent checks
 * that at startup.
 */
public final class ScratchDirs {

  private static final Logger log = LoggerFactory.getLogger(ScratchDirs.class);

  /** Kernel ids become directory names; this is the agent's own rule for them. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  private static final long COMMAND_TIMEOUT_SECONDS = 30;

  private final Path root;
  private final long sizeBytes;
  private final int uid;
  private final int gid;

  /**
   * @param root the parent directory of the kernels' scratch directories
   * @param sizeBytes the size of each scratch tmpfs
   * @param uid the owner of each scratch directory, the kernel's user
   */
  public ScratchDirs(Path root, long sizeBytes, int uid, int gid) {
    this.root = root.toAbsolutePath().normalize();
    this.sizeBytes = sizeBytes;
    this.uid = uid;
    this.gid = gid;
  }

  public Path root() {
    return root;
  }

  /**
   * Creates the scratch root and checks that this process may mount there, that is that it runs as
   * root.
   *
   * @throws IOException naming what is missing and what to do
   */
  public void prepare() throws IOException {
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
    String user = System.getProperty("user.name");
    if (!"root".equals(user)) {
      throw new IOException(
          "the agent runs as "
              + user
              + ", but it mounts a tmpfs for each kernel's /home/work under "
              + root
              + " and that needs root; run the agent as root");
    }
  }

  /** Returns the scratch directory of a kernel, whether it exists or not. */
  public Path path(String kernelId) {
    if (kernelId == null || !NAME.matcher(kernelId).matches()) {
      throw new IllegalArgumentException("invalid kernel id '" + kernelId + "'");
    }
    return root.resolve(kernelId);
  }

  /**
   * Creates and mounts the scratch directory of a kernel. An existing one, of a kernel that is
   * created again, is used as it is.
   *
   * @throws IOException if the directory cannot be made or mounted
   */
  public Path create(String kernelId) throws IOException {
    Path dir = path(kernelId);
    Files.createDirectories(dir);
    if (!isMountPoint(dir)) {
      run(
          "mount",
          "-t",
          "tmpfs",
          "-o",
          "size=" + sizeBytes + ",uid=" + uid + ",gid=" + gid + ",mode=0755,nosuid,nodev",
          "tmpfs",
          dir.toString());
      log.info("Mounted the scratch directory {} ({} bytes)", dir, sizeBytes);
    }
    return dir;
  }

  /**
   * Unmounts and deletes the scratch directory of a kernel, with every file in it. Nothing happens
   * if it does not exist.
   *
   * @throws IOException if it cannot be unmounted or deleted
   */
  public void remove(String kernelId) throws IOException {
    Path dir = path(kernelId);
    if (!Files.exists(dir)) {
      return;
    }
    if (isMountPoint(dir)) {
      try {
        run("umount", dir.toString());
      } catch (IOException e) {
        // A process that still has a file open there keeps the mount busy; detach it now, and
        // the kernel frees it when that process ends.
        log.warn("Detaching the busy scratch mount {}: {}", dir, e.getMessage());
        run("umount", "-l", dir.toString());
      }
    }
    deleteTree(dir);
    log.info("Removed the scratch directory {}", dir);
  }

  /**
   * Removes the scratch directories of kernels other than {@code keep}, left by kernels that ended
   * while the agent was down.
   *
   * @return the kernel ids whose directories were removed
   */
  public List<String> removeAllBut(Set<String> keep) {
    List<String> removed = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return removed;
    }
    List<Path> dirs;
    try (var stream = Files.list(root)) {
      dirs = stream.toList();
    } catch (IOException e) {
      log.warn("Cannot list the scratch root {}: {}", root, e.getMessage());
      return removed;
    }
    for (Path dir : dirs) {
      String name = dir.getFileName().toString();
      if (keep.contains(name) || !NAME.matcher(name).matches()) {
        continue;
      }
      try {
        remove(name);
        removed.add(name);
      } catch (IOException e) {
        log.warn("Cannot remove the leftover scratch directory {}: {}", dir, e.getMessage());
      }
    }
    return removed;
  }

  /**
   * Deletes the agent's scratch root if no kernel has a directory there, so that stopped agents
   * leave no folders behind. Running kernels keep theirs for the agent's next start.
   */
  public void removeRootIfEmpty() {
    try {
      Files.deleteIfExists(root);
    } catch (java.nio.file.DirectoryNotEmptyException e) {
      log.debug("Scratch root {} keeps the directories of running kernels", root);
    } catch (IOException e) {
      log.warn("Cannot remove the empty scratch root {}: {}", root, e.getMessage());
    }
  }

  /** Tells whether a directory is a mount point, from this process's mount table. */
  static boolean isMountPoint(Path dir) throws IOException {
    String target = dir.toAbsolutePath().normalize().toString();
    for (String line :
        Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] fields = line.split(" ");
      if (fields.length > 4 && unescape(fields[4]).equals(target)) {
        return true;
      }
    }
    return false;
  }

  /** Undoes the octal escapes of spaces, tabs, newlines and backslashes in mountinfo. */
  static String unescape(String field) {
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\'
          && i + 3 < field.length()
          && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path visited, IOException e)
              throws IOException {
            if (e != null) {
              throw e;
            }
            Files.deleteIfExists(visited);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static void run(String... command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try {
      output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish in 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " was interrupted", e);
    }
    if (process.exitValue() != 0) {
      throw new IOException(
          String.join(" ", command)
              + " failed with exit code "
              + process.exitValue()
              + ": "
              + output);
    }
  }
}
