package ai.backend.manager.application;

import ai.backend.manager.domain.model.KeyPair;
import ai.backend.manager.infrastructure.persistence.SchemaMigration;
import ai.backend.manager.infrastructure.security.ManagerFiles;
import ai.backend.manager.infrastructure.security.SecretCipher;
import jakarta.annotation.PostConstruct;
import jakarta.ejb.DependsOn;
import jakarta.ejb.EJB;
import jakarta.ejb.Lock;
import jakarta.ejb.LockType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Properties;
import org.jboss.logging.Logger;

/**
 * Keypairs: creating them, finding the secret of an access key to verify a signature, and the admin
 * keypair that the first start creates and writes to a file only the owner can read.
 */
@Singleton
@Startup
@DependsOn({"SchemaMigration", "SecretCipher"})
@Lock(LockType.READ)
public class KeyPairService {

  private static final Logger LOG = Logger.getLogger(KeyPairService.class);
  private static final String ACCESS_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  private static final String SECRET_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private final SecureRandom random = new SecureRandom();

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  @EJB private SecretCipher cipher;

  @EJB private SchemaMigration schema;

  /** A keypair as created, the only time its secret key leaves the server. */
  public record IssuedKeyPair(String accessKey, String secretKey, String userId, boolean admin) {}

  /** An active keypair with its secret in the clear, for signature checks. */
  public record ActiveKeyPair(String accessKey, String secretKey, String userId, boolean admin) {}

  @PostConstruct
  void bootstrapAdminKeyPair() {
    Path file = ManagerFiles.adminKeypairFile();
    KeyPair admin =
        em.createQuery(
                "select k from KeyPair k where k.admin = true and k.active = true"
                    + " order by k.createdAt",
                KeyPair.class)
            .setMaxResults(1)
            .getResultStream()
            .findFirst()
            .orElse(null);
    String secret;
    if (admin == null) {
      IssuedKeyPair issued = create("admin@backend.ai.local", true);
      LOG.infof("Created the admin keypair %s", issued.accessKey());
      try {
        // A file left from an earlier database contains a keypair that no longer exists.
        Files.deleteIfExists(file);
      } catch (IOException e) {
        LOG.errorf(e, "Cannot remove the stale admin keypair file %s", file);
      }
      admin = em.find(KeyPair.class, issued.accessKey());
      secret = issued.secretKey();
    } else if (Files.exists(file)) {
      return;
    } else {
      secret = cipher.decrypt(admin.getEncryptedSecret());
    }
    try {
      writeKeyPairFile(file, admin.getAccessKey(), secret);
      LOG.infof("Wrote the admin keypair %s to %s (mode 600)", admin.getAccessKey(), file);
    } catch (IOException e) {
      LOG.errorf(e, "Cannot write the admin keypair file %s", file);
    }
  }

  private static void writeKeyPairFile(Path file, String accessKey, String secretKey)
      throws IOException {
    Properties properties = new Properties();
    properties.setProperty(
        "endpoint", System.getProperty("backendai.endpoint", "http://127.0.0.1:8080"));
    properties.setProperty("access_key", accessKey);
    properties.setProperty("secret_key", secretKey);
    StringWriter text = new StringWriter();
    properties.store(text, "Backend.AI admin keypair; keep this file private");
    ManagerFiles.writePrivate(file, text.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Creates a keypair and returns its secret key, which is stored only encrypted. */
  public IssuedKeyPair create(String userId, boolean admin) {
    String accessKey = "AKIA" + randomString(ACCESS_KEY_ALPHABET, 16);
    String secretKey = randomString(SECRET_ALPHABET, 40);
    em.persist(
        new KeyPair(accessKey, cipher.encrypt(secretKey), userId, admin, ManagerClock.now()));
    return new IssuedKeyPair(accessKey, secretKey, userId, admin);
  }

  /** Finds an active keypair with its secret, for verifying a request. */
  @TransactionAttribute(TransactionAttributeType.SUPPORTS)
  public Optional<ActiveKeyPair> findActive(String accessKey) {
    KeyPair keyPair = em.find(KeyPair.class, accessKey);
    if (keyPair == null || !keyPair.isActive()) {
      return Optional.empty();
    }
    return Optional.of(
        new ActiveKeyPair(
            keyPair.getAccessKey(),
            cipher.decrypt(keyPair.getEncryptedSecret()),
            keyPair.getUserId(),
            keyPair.isAdmin()));
  }

  private String randomString(String alphabet, int length) {
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return out.toString();
  }
}
