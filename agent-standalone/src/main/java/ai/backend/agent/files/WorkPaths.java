package ai.backend.agent.files;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The rules for paths that file commands accept, checked before anything runs in the kernel. A path
 * is relative to {@code /home/work}, uses {@code /} between names, and has no empty, {@code .} or
 * {@code ..} names, so it cannot leave the folder by itself. Symbolic links are checked inside the
 * kernel, by {@link KernelFiles}.
 */
public final class WorkPaths {

  /** The folder that file commands work in, the home folder of the kernel's user. */
  public static final String WORK_DIR = "/home/work";

  /** Maximum length of a name between two slashes in UTF-8 bytes, Linux's {@code NAME_MAX}. */
  public static final int MAX_NAME_BYTES = 255;

  /** Maximum length of a path in UTF-8 bytes, Linux's {@code PATH_MAX}. */
  public static final int MAX_PATH_BYTES = 4096;

  /** Maximum number of paths in one upload or download. */
  public static final int MAX_PATHS = 1000;

  private static final int MAX_SHOWN_CHARS = 200;

  private WorkPaths() {}

  /**
   * Checks a path to upload or download.
   *
   * @throws FileCommandException with code {@code invalid-path} naming the path and the rule
   */
  public static void check(String path) throws FileCommandException {
    check(path, false);
  }

  /**
   * Checks the path of a folder to list, where a lone {@code .} names {@code /home/work} itself.
   *
   * @throws FileCommandException with code {@code invalid-path} naming the path and the rule
   */
  public static void checkFolder(String path) throws FileCommandException {
    check(path, true);
  }

  /**
   * Checks the number of paths in one call.
   *
   * @throws FileCommandException with code {@code invalid-path} for none, or {@code too-large} for
   *     more than {@value #MAX_PATHS}
   */
  public static void checkCount(List<?> paths, String what) throws FileCommandException {
    if (paths == null || paths.isEmpty()) {
      throw new FileCommandException(
          FileCommandException.INVALID_PATH, "the " + what + " request names no files");
    }
    if (paths.size() > MAX_PATHS) {
      throw new FileCommandException(
          FileCommandException.TOO_LARGE,
          "the "
              + what
              + " request names "
              + paths.size()
              + " files, more than the limit of "
              + MAX_PATHS
              + " per call; split it");
    }
  }

  /** Returns {@code /home/work} or the absolute path of {@code path} inside it. */
  public static String absolute(String path) {
    return path.equals(".") ? WORK_DIR : WORK_DIR + "/" + path;
  }

  private static void check(String path, boolean loneDotAllowed) throws FileCommandException {
    if (path == null || path.isEmpty()) {
      throw invalid(path, "the path is empty");
    }
    if (loneDotAllowed && path.equals(".")) {
      return;
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw invalid(
            path, "it contains the control character U+" + String.format("%04X", (int) c));
      }
    }
    if (!StandardCharsets.UTF_8.newEncoder().canEncode(path)) {
      throw invalid(path, "it is not valid Unicode text");
    }
    if (path.startsWith("/")) {
      throw invalid(path, "it must be relative to " + WORK_DIR + ", without a leading '/'");
    }
    int pathBytes = path.getBytes(StandardCharsets.UTF_8).length;
    if (pathBytes > MAX_PATH_BYTES) {
      throw invalid(
          path, "it has " + pathBytes + " bytes, more than the limit of " + MAX_PATH_BYTES);
    }
    for (String name : path.split("/", -1)) {
      if (name.isEmpty()) {
        throw invalid(path, "it has an empty name, from '//' or a trailing '/'");
      }
      if (name.equals(".") || name.equals("..")) {
        throw invalid(path, "it must not contain '" + name + "' as a name");
      }
      int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
      if (nameBytes > MAX_NAME_BYTES) {
        throw invalid(
            path,
            "the name '"
                + shown(name)
                + "' has "
                + nameBytes
                + " bytes, more than the limit of "
                + MAX_NAME_BYTES);
      }
    }
  }

  private static FileCommandException invalid(String path, String reason) {
    return new FileCommandException(
        FileCommandException.INVALID_PATH, "invalid path '" + shown(path) + "': " + reason);
  }

  /** Returns a path for a message: control characters escaped, long paths shortened. */
  public static String shown(String path) {
    if (path == null) {
      return "(none)";
    }
    StringBuilder text = new StringBuilder();
    int i = 0;
    for (; i < path.length() && text.length() < MAX_SHOWN_CHARS; i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        text.append(String.format("\\u%04x", (int) c));
      } else {
        text.append(c);
      }
    }
    if (i < path.length()) {
      text.append("...");
    }
    return text.toString();
  }
}
