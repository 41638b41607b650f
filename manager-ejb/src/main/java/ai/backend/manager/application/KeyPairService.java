package ai.backend.manager.application;

import ai.backend.manager.domain.model.Domain;
import ai.backend.manager.domain.model.KeyPair;
import ai.backend.manager.domain.model.ResourcePolicy;
import ai.backend.manager.domain.model.Session;
import ai.backend.manager.domain.model.SessionStatus;
import ai.backend.manager.domain.model.User;
import ai.backend.manager.domain.model.UserGroup;
import ai.backend.manager.domain.model.UserRole;
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
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Keypairs: creating, listing, changing and deleting them, finding the secret of an access key to
 * verify a signature, and the admin keypair that the first start creates and writes to a file only
 * the owner can read.
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

  /** The user of the admin keypair that the first start creates. */
  public static final String ADMIN_EMAIL = "admin@backend.ai.local";

  /** Sessions in these statuses are live: they count against limits and block deletion. */
  static final List<SessionStatus> LIVE =
      List.of(
          SessionStatus.PENDING,
          SessionStatus.SCHEDULED,
          SessionStatus.PREPARING,
          SessionStatus.RUNNING,
          SessionStatus.TERMINATING);

  private static final Set<String> CREATE_FIELDS =
      Set.of("userId", "user", "resourcePolicy", "rateLimit", "isActive", "isAdmin");
  private static final Set<String> UPDATE_FIELDS =
      Set.of("resourcePolicy", "rateLimit", "isActive");

  private final SecureRandom random = new SecureRandom();

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  @EJB private SecretCipher cipher;

  @EJB private SchemaMigration schema;

  @EJB private AuditLog audit;

  /** A keypair as created, the only time its secret key leaves the server. */
  public record IssuedKeyPair(
      String accessKey, String secretKey, User user, KeyPair keyPair, OffsetDateTime expiresAt) {}

  /** An active keypair of an active user, with its secret in the clear, for signature checks. */
  public record ActiveKeyPair(
      String accessKey,
      String secretKey,
      UUID userUuid,
      String email,
      UserRole role,
      String domainName,
      int rateLimit,
      String rateLimitKey) {

    public boolean admin() {
      return role.isAdmin();
    }
  }

  @PostConstruct
  void bootstrap() {
    linkKeyPairsWithoutUser();
    bootstrapAdminKeyPair();
  }

  /** Gives every keypair of schema version 1 a user of the same email in the default domain. */
  private void linkKeyPairsWithoutUser() {
    List<KeyPair> orphans =
        em.createQuery("select k from KeyPair k where k.userUuid is null", KeyPair.class)
            .getResultList();
    for (KeyPair keyPair : orphans) {
      // Version 1 took any user id; control characters must not reach logs.
      String email = keyPair.getUserId().replaceAll("\\p{Cntrl}", "?");
      User user = findUserByEmail(email).orElse(null);
      if (user == null) {
        user =
            new User(
                email,
                email,
                Domain.DEFAULT,
                keyPair.isAdmin() ? UserRole.SUPERADMIN : UserRole.USER,
                ManagerClock.now());
        user.getGroups().add(em.find(UserGroup.class, UserGroup.DEFAULT_ID));
        em.persist(user);
        LOG.infof("Created user %s for keypair %s", user.getEmail(), keyPair.getAccessKey());
      }
      keyPair.setUser(user);
      em.createQuery(
              "update Session s set s.userUuid = :user, s.domainName = :domain"
                  + " where s.accessKey = :key and s.userUuid is null")
          .setParameter("user", user.getUuid())
          .setParameter("domain", user.getDomainName())
          .setParameter("key", keyPair.getAccessKey())
          .executeUpdate();
    }
  }

  private Optional<User> findUserByEmail(String email) {
    return em.createQuery("select u from User u where u.email = :email", User.class)
        .setParameter("email", email)
        .getResultStream()
        .findFirst();
  }

  private void bootstrapAdminKeyPair() {
    Path file = ManagerFiles.adminKeypairFile();
    KeyPair admin =
        em.createQuery(
                "select k from KeyPair k, User u where k.userUuid = u.uuid and u.role = :role"
                    + " and k.active = true and k.expiresAt is null order by k.createdAt",
                KeyPair.class)
            .setParameter("role", UserRole.SUPERADMIN)
            .setMaxResults(1)
            .getResultStream()
            .findFirst()
            .orElse(null);
    String secret;
    if (admin == null) {
      User user = findUserByEmail(ADMIN_EMAIL).orElse(null);
      if (user == null) {
        user =
            new User(ADMIN_EMAIL, "admin", Domain.DEFAULT, UserRole.SUPERADMIN, ManagerClock.now());
        user.getGroups().add(em.find(UserGroup.class, UserGroup.DEFAULT_ID));
        em.persist(user);
      }
      IssuedKeyPair issued = issue(user, ResourcePolicy.DEFAULT, 0, true, null);
      LOG.infof("Created the superadmin keypair %s of %s", issued.accessKey(), user.getEmail());
      try {
        // A file left from an earlier database contains a keypair that no longer exists.
        Files.deleteIfExists(file);
      } catch (IOException e) {
        LOG.errorf(e, "Cannot remove the stale admin keypair file %s", file);
      }
      admin = issued.keyPair();
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

  /**
   * Creates a keypair for a user and returns its secret key, which is stored only encrypted.
   *
   * @param expiresAt when the keypair stops working, or null for never
   */
  public IssuedKeyPair issue(
      User user, String policy, int rateLimit, boolean active, OffsetDateTime expiresAt) {
    String accessKey = "AKIA" + randomString(ACCESS_KEY_ALPHABET, 16);
    String secretKey = randomString(SECRET_ALPHABET, 40);
    KeyPair keyPair =
        new KeyPair(
            accessKey,
            cipher.encrypt(secretKey),
            user.getEmail(),
            user.getRole().isAdmin(),
            ManagerClock.now());
    keyPair.setUser(user);
    keyPair.setResourcePolicy(policy);
    keyPair.setRateLimit(rateLimit);
    keyPair.setActive(active);
    keyPair.setExpiresAt(expiresAt);
    em.persist(keyPair);
    return new IssuedKeyPair(accessKey, secretKey, user, keyPair, expiresAt);
  }

  /**
   * Finds an active, unexpired keypair of an active user in an active domain, with its secret, for
   * verifying a request.
   */
  @TransactionAttribute(TransactionAttributeType.SUPPORTS)
  public Optional<ActiveKeyPair> findActive(String accessKey) {
    KeyPair keyPair = em.find(KeyPair.class, accessKey);
    if (keyPair == null || !keyPair.isActive() || keyPair.getUserUuid() == null) {
      return Optional.empty();
    }
    if (keyPair.getExpiresAt() != null && keyPair.getExpiresAt().isBefore(ManagerClock.now())) {
      return Optional.empty();
    }
    User user = em.find(User.class, keyPair.getUserUuid());
    if (user == null || !user.isActive()) {
      return Optional.empty();
    }
    Domain domain = em.find(Domain.class, user.getDomainName());
    if (domain == null || !domain.isActive()) {
      return Optional.empty();
    }
    return Optional.of(
        new ActiveKeyPair(
            keyPair.getAccessKey(),
            cipher.decrypt(keyPair.getEncryptedSecret()),
            user.getUuid(),
            user.getEmail(),
            user.getRole(),
            user.getDomainName(),
            keyPair.getRateLimit(),
            // The login keypairs of a user share one count, so new logins do not reset it.
            keyPair.getExpiresAt() == null ? keyPair.getAccessKey() : "login:" + user.getUuid()));
  }

  /** Records that a keypair signed a request now. */
  @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
  public void markUsed(String accessKey) {
    // A bulk update, so that it never conflicts with an admin changing the keypair.
    em.createQuery("update KeyPair k set k.lastUsed = :now where k.accessKey = :key")
        .setParameter("now", ManagerClock.now())
        .setParameter("key", accessKey)
        .executeUpdate();
  }

  /** Lists the keypairs within the caller's reach, optionally of one user. */
  public List<Map<String, Object>> list(Caller caller, String userEmail) throws ManagerException {
    AccessControl.requireAdmin(caller);
    StringBuilder jpql =
        new StringBuilder("select k from KeyPair k, User u where k.userUuid = u.uuid");
    if (!caller.isSuperadmin()) {
      jpql.append(" and u.domainName = :domain");
    }
    if (userEmail != null && !userEmail.isBlank()) {
      jpql.append(" and u.email = :email");
    }
    jpql.append(" order by u.email, k.createdAt");
    var query = em.createQuery(jpql.toString(), KeyPair.class);
    if (!caller.isSuperadmin()) {
      query.setParameter("domain", caller.domainName());
    }
    if (userEmail != null && !userEmail.isBlank()) {
      query.setParameter("email", userEmail.trim());
    }
    return query.getResultList().stream().map(KeyPairService::json).toList();
  }

  /** Returns one keypair within the caller's reach. */
  public Map<String, Object> get(Caller caller, String accessKey) throws ManagerException {
    AccessControl.requireAdmin(caller);
    return json(reachable(caller, accessKey, false));
  }

  /** Creates a keypair for a user within the caller's reach; the result contains the secret key. */
  public Map<String, Object> create(Caller caller, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireAdmin(caller);
    Fields fields = Fields.of(body, CREATE_FIELDS);
    String email = fields.string("userId", 255);
    if (email == null) {
      email = fields.string("user", 255);
    }
    if (email == null || email.isEmpty()) {
      throw ManagerException.invalidParameters(
          "userId is missing: name the email of an existing user (create users with POST"
              + " /admin/users)");
    }
    String requested = email;
    User user =
        findUserByEmail(email)
            .filter(found -> AccessControl.administers(caller, found.getDomainName()))
            .orElseThrow(() -> AccessControl.notFound("user", requested));
    requireManages(caller, user);
    if (fields.has("isAdmin") && !fields.bool("isAdmin").equals(user.getRole().isAdmin())) {
      throw ManagerException.invalidParameters(
          "isAdmin follows the user's role ("
              + user.getRole().apiName()
              + "); change the role with PATCH /admin/users/"
              + user.getEmail());
    }
    String policy = fields.name("resourcePolicy", false);
    policy = requirePolicy(policy == null ? ResourcePolicy.DEFAULT : policy);
    Integer rateLimit = fields.integer("rateLimit", 0, 1_000_000_000);
    Boolean active = fields.bool("isActive");
    IssuedKeyPair issued =
        issue(
            user,
            policy,
            rateLimit == null ? KeyPair.DEFAULT_RATE_LIMIT : rateLimit,
            active == null || active,
            null);
    audit.record(
        caller,
        "create",
        "keypair",
        issued.accessKey(),
        user.getDomainName(),
        "user=" + user.getEmail() + " resourcePolicy=" + policy);
    Map<String, Object> json = json(issued.keyPair());
    json.put("secretKey", issued.secretKey());
    return json;
  }

  /** Changes the active flag, the policy or the rate limit of a keypair. */
  public Map<String, Object> update(Caller caller, String accessKey, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireAdmin(caller);
    Fields fields = Fields.of(body, UPDATE_FIELDS);
    KeyPair keyPair = reachable(caller, accessKey, true);
    List<String> changed = new ArrayList<>();
    String policy = fields.name("resourcePolicy", false);
    if (policy != null) {
      keyPair.setResourcePolicy(requirePolicy(policy));
      changed.add("resourcePolicy=" + policy);
    }
    Integer rateLimit = fields.integer("rateLimit", 0, 1_000_000_000);
    if (rateLimit != null) {
      keyPair.setRateLimit(rateLimit);
      changed.add("rateLimit=" + rateLimit);
    }
    Boolean active = fields.bool("isActive");
    if (active != null) {
      if (!active && keyPair.getAccessKey().equals(caller.accessKey())) {
        throw AccessControl.conflict(
            "a keypair cannot deactivate itself; sign the request with another admin keypair");
      }
      keyPair.setActive(active);
      changed.add("isActive=" + active);
    }
    if (!changed.isEmpty()) {
      audit.record(
          caller,
          "update",
          "keypair",
          keyPair.getAccessKey(),
          domainOf(keyPair),
          String.join(" ", changed));
    }
    return json(keyPair);
  }

  /** Deletes a keypair and its finished sessions; refused while it has live sessions. */
  public void delete(Caller caller, String accessKey) throws ManagerException {
    AccessControl.requireAdmin(caller);
    KeyPair keyPair = reachable(caller, accessKey, true);
    if (keyPair.getAccessKey().equals(caller.accessKey())) {
      throw AccessControl.conflict(
          "a keypair cannot delete itself; sign the request with another admin keypair");
    }
    String domain = domainOf(keyPair);
    deleteWithHistory(keyPair);
    audit.record(caller, "delete", "keypair", accessKey, domain, null);
  }

  /**
   * Deletes a keypair and its finished sessions.
   *
   * @throws ManagerException 409 while the keypair has live sessions
   */
  public void deleteWithHistory(KeyPair keyPair) throws ManagerException {
    long live = liveSessions(keyPair.getAccessKey());
    if (live > 0) {
      throw AccessControl.conflict(
          "keypair "
              + keyPair.getAccessKey()
              + " has "
              + live
              + " live sessions; destroy them first");
    }
    List<Session> finished =
        em.createQuery("select s from Session s where s.accessKey = :key", Session.class)
            .setParameter("key", keyPair.getAccessKey())
            .getResultList();
    finished.forEach(em::remove);
    em.flush();
    em.remove(keyPair);
  }

  public long liveSessions(String accessKey) {
    return em.createQuery(
            "select count(s) from Session s where s.accessKey = :key and s.status in :live",
            Long.class)
        .setParameter("key", accessKey)
        .setParameter("live", LIVE)
        .getSingleResult();
  }

  /** Deletes login keypairs that expired and have no live sessions; returns how many. */
  @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
  public int deleteExpired() {
    List<KeyPair> expired =
        em.createQuery(
                "select k from KeyPair k where k.expiresAt is not null and k.expiresAt < :now",
                KeyPair.class)
            .setParameter("now", ManagerClock.now())
            .setMaxResults(100)
            .getResultList();
    int deleted = 0;
    for (KeyPair keyPair : expired) {
      if (liveSessions(keyPair.getAccessKey()) == 0) {
        try {
          deleteWithHistory(keyPair);
          deleted++;
          LOG.infof(
              "Deleted expired login keypair %s of %s",
              keyPair.getAccessKey(), keyPair.getUserId());
        } catch (ManagerException e) {
          // A session started since the count; the next pass tries again.
        }
      }
    }
    return deleted;
  }

  private KeyPair reachable(Caller caller, String accessKey, boolean lock) throws ManagerException {
    KeyPair keyPair =
        lock
            ? em.find(KeyPair.class, accessKey, LockModeType.PESSIMISTIC_WRITE)
            : em.find(KeyPair.class, accessKey);
    if (keyPair == null || !AccessControl.administers(caller, domainOf(keyPair))) {
      throw AccessControl.notFound("keypair", accessKey);
    }
    if (lock) {
      // Changes need more than reach: a domain admin changes the keypairs of users only.
      User user = em.find(User.class, keyPair.getUserUuid());
      if (user != null) {
        requireManages(caller, user);
      }
    }
    return keyPair;
  }

  private static void requireManages(Caller caller, User user) throws ManagerException {
    if (!AccessControl.manages(caller, user)) {
      throw AccessControl.forbidden(
          "only superadmins manage the keypairs of "
              + user.getRole().apiName()
              + " "
              + user.getEmail()
              + "; domain admins manage users with the role user");
    }
  }

  private String domainOf(KeyPair keyPair) {
    User user = keyPair.getUserUuid() == null ? null : em.find(User.class, keyPair.getUserUuid());
    return user == null ? null : user.getDomainName();
  }

  private String requirePolicy(String name) throws ManagerException {
    if (em.find(ResourcePolicy.class, name) == null) {
      throw ManagerException.invalidParameters(
          "resource policy '"
              + name
              + "' does not exist; list them with GET /admin/resource-policies");
    }
    return name;
  }

  static Map<String, Object> json(KeyPair keyPair) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("accessKey", keyPair.getAccessKey());
    json.put("userId", keyPair.getUserId());
    json.put("userUuid", keyPair.getUserUuid() == null ? null : keyPair.getUserUuid().toString());
    json.put("isActive", keyPair.isActive());
    json.put("isAdmin", keyPair.isAdmin());
    json.put("resourcePolicy", keyPair.getResourcePolicy());
    json.put("rateLimit", keyPair.getRateLimit());
    json.put("createdAt", keyPair.getCreatedAt().toString());
    json.put("lastUsed", keyPair.getLastUsed() == null ? null : keyPair.getLastUsed().toString());
    json.put(
        "expiresAt", keyPair.getExpiresAt() == null ? null : keyPair.getExpiresAt().toString());
    return json;
  }

  private String randomString(String alphabet, int length) {
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return out.toString();
  }
}
