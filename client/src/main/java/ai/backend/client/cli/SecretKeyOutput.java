package ai.backend.client.cli;

import ai.backend.client.KeyPairFile;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;

/**
 * Hands a new secret key to the user: into a keypair file for {@code --save}, or printed once with
 * a warning on standard error.
 */
final class SecretKeyOutput {

  private SecretKeyOutput() {}

  /**
   * Writes the keypair to {@code file} with mode 600 and prints where it is, or prints the secret
   * key when {@code file} is null.
   *
   * @param saveHint how to get a keypair file in place of a printed secret key, for the warning
   */
  static void deliver(
      PrintWriter out,
      PrintWriter err,
      Path file,
      URI endpoint,
      String accessKey,
      String secretKey,
      String saveHint) {
    if (file != null) {
      KeyPairFile.write(file, endpoint, accessKey, secretKey);
      out.println("Saved keypair " + accessKey + " to " + file + " (mode 600).");
      out.println("Use it with: BACKEND_KEYPAIR_FILE=" + file + " bai ps");
      out.flush();
      return;
    }
    out.println("Secret key: " + secretKey);
    out.flush();
    err.println(
        "bai: warning: the secret key will not be shown again; store it now, or " + saveHint);
    err.flush();
  }
}
