package ai.backend.client;

/**
 * One entry of {@code GET /session/{idOrName}/files}.
 *
 * @param filename the entry's name inside the listed folder
 * @param type {@code file}, {@code dir}, {@code link} or {@code other}
 * @param size the size in bytes
 * @param mode the permission bits as an octal string, such as {@code 644}
 * @param mtime the modification time (ISO-8601)
 */
public record FileEntry(String filename, String type, long size, String mode, String mtime) {

  public static final String FILE = "file";
  public static final String DIRECTORY = "dir";
  public static final String LINK = "link";

  /** Returns true for a folder. */
  public boolean isDirectory() {
    return DIRECTORY.equals(type);
  }
}
