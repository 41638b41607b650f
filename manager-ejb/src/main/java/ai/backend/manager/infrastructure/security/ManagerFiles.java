package ai.backend.manager.infrastructure.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Locations of the manager's private files and how they are written. */
public final class ManagerFiles {

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private ManagerFiles() {}

  /** Returns the folder for the manager's own files inside WildFly's data folder. */
  public static Path dataDir() {
    String base = System.getProperty("jboss.server.data.dir", System.getProperty("java.io.tmpdir"));
    return Path.of(base, "backendai");
  }

  /**
   * Returns the master key file, overridable with the system property backendai.master-key.file.
   */
  public static Path masterKeyFile() {
    String override = System.getProperty("backendai.master-key.file");
    return override != null ? Path.of(override) : dataDir().resolve("master.key");
  }

  /**
   * Returns the file that receives the admin keypair on the first start, overridable with the
   * system property backendai.keypair.file.
   */
  public static Path adminKeypairFile() {
    String override = System.getProperty("backendai.keypair.file");
    return override != null ? Path.of(override) : dataDir().resolve("admin-keypair.properties");
  }

  /**
   * Writes a new file that only its owner can read or write, creating parent folders.
   *
   * @throws java.nio.file.FileAlreadyExistsException if the file exists
   */
  public static void writePrivate(Path file, byte[] content) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    Files.write(file, content, StandardOpenOption.TRUNCATE_EXISTING);
  }
}
