package ai.backend.client;

import java.nio.charset.StandardCharsets;

/**
 * Checks file paths inside a session, which are relative to the session's {@code /home/work}. The
 * rules match the manager's, so a path that passes here is not rejected for its form there.
 */
public final class SessionPaths {

  /** The folder inside a session that relative paths start from. */
  public static final String WORK_DIR = "/home/work";

  private static final int MAX_SEGMENT_BYTES = 255;
  private static final int MAX_PATH_BYTES = 4096;

  private SessionPaths() {}

  /**
   * Returns the path when it is a valid relative path: {@code /} between segments, no empty, {@code
   * .} or {@code ..} segment, no control character, backslash or double quote, at most 255 bytes a
   * segment and 4096 bytes in all. The double quote is rejected because a {@code
   * multipart/form-data} file name cannot carry it unescaped.
   *
   * @throws IllegalArgumentException naming the path and the rule it breaks
   */
  public static String requireRelative(String path) {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("a file path is empty; name a file under " + WORK_DIR);
    }
    if (utf8Length(path) > MAX_PATH_BYTES) {
      throw new IllegalArgumentException(
          "file path '" + printable(path) + "' is longer than " + MAX_PATH_BYTES + " bytes");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\' || c == '"') {
        throw new IllegalArgumentException(
            "file path '"
                + printable(path)
                + "' contains a control character, backslash or double quote;"
                + " use plain names and '/'");
      }
    }
    if (path.startsWith("/")) {
      throw new IllegalArgumentException(
          "file path '" + path + "' is absolute; give it relative to " + WORK_DIR);
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "file path '"
                + path
                + "' has an empty, '.' or '..' segment; paths must stay inside "
                + WORK_DIR);
      }
      if (utf8Length(segment) > MAX_SEGMENT_BYTES) {
        throw new IllegalArgumentException(
            "file path '" + path + "' has a name longer than " + MAX_SEGMENT_BYTES + " bytes");
      }
    }
    return path;
  }

  private static int utf8Length(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Replaces control characters, so an error message stays on one line. */
  static String printable(String text) {
    String replaced = text.replaceAll("\\p{Cntrl}", "?");
    return replaced.length() <= 80 ? replaced : replaced.substring(0, 77) + "...";
  }
}
