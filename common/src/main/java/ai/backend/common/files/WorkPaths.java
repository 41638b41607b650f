package ai.backend.common.files;

/**
 * Validates paths that users give for files in a kernel's {@code /home/work}: relative, with {@code
 * /} between segments, no {@code ..}, {@code .} or empty segment, no control characters, at most
 * 255 bytes a segment and 4096 bytes in all.
 */
public final class WorkPaths {

  /** The folder that every user path is relative to. */
  public static final String WORK_DIR = "/home/work";

  private static final int MAX_SEGMENT_BYTES = 255;
  private static final int MAX_PATH_BYTES = 4096;

  private WorkPaths() {}

  /**
   * Returns the path unchanged when it is a valid relative path.
   *
   * @throws IllegalArgumentException naming the path and the rule it breaks
   */
  public static String requireRelative(String path) {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("a file path is empty; name a file under " + WORK_DIR);
    }
    if (path.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      throw new IllegalArgumentException(
          "file path '" + shorten(path) + "' is longer than " + MAX_PATH_BYTES + " bytes");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') {
        throw new IllegalArgumentException(
            "file path '"
                + shorten(path)
                + "' contains a control character or backslash; use plain names and '/'");
      }
    }
    if (path.startsWith("/")) {
      throw new IllegalArgumentException(
          "file path '" + shorten(path) + "' is absolute; give it relative to " + WORK_DIR);
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "file path '"
                + shorten(path)
                + "' has an empty, '.' or '..' segment; paths must stay inside "
                + WORK_DIR);
      }
      if (segment.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
        throw new IllegalArgumentException(
            "file path '"
                + shorten(path)
                + "' has a name longer than "
                + MAX_SEGMENT_BYTES
                + " bytes");
      }
    }
    return path;
  }

  private static String shorten(String path) {
    String printable = path.replaceAll("\\p{Cntrl}", "?");
    return printable.length() <= 80 ? printable : printable.substring(0, 77) + "...";
  }
}
