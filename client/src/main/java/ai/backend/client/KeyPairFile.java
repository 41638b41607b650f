package ai.backend.client;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import java.util.Set;

/**
 * Writes a keypair file: a Java properties file with the keys {@code endpoint}, {@code access_key}
 * and {@code secret_key}, which {@link BackendClientConfig#load} reads when {@value
 * BackendClientConfig#KEYPAIR_FILE_VARIABLE} names it.
 */
public final class KeyPairFile {

  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      PosixFilePermissions.fromString("rw-------");

  private KeyPairFile() {}

  /**
   * Writes a new keypair file with mode 600 on POSIX file systems. The file is created with that
   * mode, so no other user can read it at any time. Missing parent folders are created.
   *
   * @throws BackendClientException if the file already exists (also as a symbolic link), or it
   *     cannot be written
   */
  public static void write(Path file, URI endpoint, String accessKey, String secretKey) {
    Properties properties = new Properties();
    properties.setProperty("endpoint", endpoint.toString());
    properties.setProperty("access_key", accessKey);
    properties.setProperty("secret_key", secretKey);
    StringWriter text = new StringWriter();
    try {
      properties.store(text, "Backend.AI keypair; keep this file private");
    } catch (IOException e) {
      throw new IllegalStateException("writing to a StringWriter failed", e);
    }

    Path absolute = file.toAbsolutePath();
    try {
      if (absolute.getParent() != null) {
        Files.createDirectories(absolute.getParent());
      }
      boolean posix = Files.getFileStore(absolute.getParent()).supportsFileAttributeView("posix");
      FileAttribute<?>[] attributes =
          posix
              ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
              : new FileAttribute<?>[0];
      // CREATE_NEW fails on an existing file or link, so the secret never goes through a link.
      Files.createFile(absolute, attributes);
      if (posix) {
        // The umask may have removed the owner's bits; it never adds any for others.
        Files.setPosixFilePermissions(absolute, OWNER_READ_WRITE);
      }
      try (OutputStream out = Files.newOutputStream(absolute, StandardOpenOption.WRITE)) {
        out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
      }
    } catch (FileAlreadyExistsException e) {
      throw new BackendClientException(
          "keypair file " + absolute + " already exists; remove it or choose another path", e);
    } catch (IOException e) {
      throw new BackendClientException(
          "failed to write keypair file " + absolute + ": " + e.getMessage(), e);
    }
  }
}
