package ai.backend.manager.infrastructure.security;

import jakarta.annotation.PostConstruct;
import jakarta.ejb.Lock;
import jakarta.ejb.LockType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Encrypts secret keys at rest with AES-256-GCM under a master key. The master key lives in a file
 * that only the server's user can read, {@code backendai/master.key} in WildFly's data folder
 * unless the system property {@code backendai.master-key.file} names another; it is created on the
 * first start. Losing it makes every stored secret key unreadable.
 */
@Singleton
@Startup
@Lock(LockType.READ)
public class SecretCipher {

  private static final Logger LOG = Logger.getLogger(SecretCipher.class);
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecureRandom random = new SecureRandom();
  private SecretKey masterKey;

  @PostConstruct
  void loadMasterKey() {
    Path file = ManagerFiles.masterKeyFile();
    try {
      masterKey = readOrCreate(file);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot read or create the master key " + file, e);
    }
  }

  private SecretKey readOrCreate(Path file) throws IOException, GeneralSecurityException {
    if (!Files.exists(file)) {
      KeyGenerator generator = KeyGenerator.getInstance("AES");
      generator.init(256, random);
      byte[] encoded = generator.generateKey().getEncoded();
      try {
        ManagerFiles.writePrivate(
            file, Base64.getEncoder().encodeToString(encoded).getBytes(StandardCharsets.US_ASCII));
        LOG.infof("Created a new master key in %s", file);
      } catch (FileAlreadyExistsException raced) {
        LOG.debugf("Master key %s appeared while creating it; reading it", file);
      }
    }
    byte[] key =
        Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
    if (key.length != 32) {
      throw new GeneralSecurityException(
          "master key " + file + " contains " + key.length + " bytes, expected 32");
    }
    return new SecretKeySpec(key, "AES");
  }

  /** Encrypts a secret; the result is Base64 of the nonce followed by the ciphertext. */
  public String encrypt(String secret) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, masterKey, new GCMParameterSpec(TAG_BITS, nonce));
      byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[nonce.length + sealed.length];
      System.arraycopy(nonce, 0, out, 0, nonce.length);
      System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
      return Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  /** Decrypts what {@link #encrypt} produced under the same master key. */
  public String decrypt(String encrypted) {
    try {
      byte[] in = Base64.getDecoder().decode(encrypted);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE, masterKey, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      byte[] plain = cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "cannot decrypt a stored secret: was the master key replaced?", e);
    }
  }
}
