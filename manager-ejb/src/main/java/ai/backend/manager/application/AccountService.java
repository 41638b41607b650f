package ai.backend.manager.application;

import ai.backend.manager.application.KeyPairService.IssuedKeyPair;
import ai.backend.manager.domain.model.Domain;
import ai.backend.manager.domain.model.KeyPair;
import ai.backend.manager.domain.model.ResourcePolicy;
import ai.backend.manager.domain.model.ScalingGroup;
import ai.backend.manager.domain.model.User;
import ai.backend.manager.domain.model.UserGroup;
import ai.backend.manager.domain.model.UserRole;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/** Domains, groups and users: the admin calls on them, and password logins. */
@Stateless
public class AccountService {

  private static final Logger LOG = Logger.getLogger(AccountService.class);

  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]{1,64}@[^@\\s]{1,190}$");
  private static final int MIN_PASSWORD = 8;
  private static final int MAX_PASSWORD = 256;
  private static final int MAX_GROUPS = 100;

  private static final Set<String> DOMAIN_CREATE =
      Set.of("name", "description", "isActive", "totalResourceSlots");
  private static final Set<String> DOMAIN_UPDATE =
      Set.of("description", "isActive", "totalResourceSlots");
  private static final Set<String> GROUP_CREATE =
      Set.of("name", "domain", "description", "isActive", "totalResourceSlots");
  private static final Set<String> GROUP_UPDATE =
      Set.of("description", "isActive", "totalResourceSlots");
  private static final Set<String> USER_CREATE =
      Set.of("email", "password", "domain", "username", "fullName", "role", "status", "groups");
  private static final Set<String> USER_UPDATE =
      Set.of("password", "username", "fullName", "role", "status", "groups");
  private static final Set<String> LOGIN_FIELDS = Set.of("type", "domain", "username", "password");

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  @EJB private AuditLog audit;

  @EJB private KeyPairService keyPairs;

  @EJB private LoginThrottle throttle;

  // Domains

  public List<Map<String, Object>> listDomains(Caller caller) throws ManagerException {
    AccessControl.requireAdmin(caller);
    return em
        .createQuery("select d from Domain d order by d.name", Domain.class)
        .getResultList()
        .stream()
        .filter(domain -> AccessControl.administers(caller, domain.getName()))
        .map(AccountService::json)
        .toList();
  }

  public Map<String, Object> getDomain(Caller caller, String name) throws ManagerException {
    AccessControl.requireAdmin(caller);
    return json(reachableDomain(caller, name, false));
  }

  public Map<String, Object> createDomain(Caller caller, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    Fields fields = Fields.of(body, DOMAIN_CREATE);
    String name = fields.name("name", true);
    if (em.find(Domain.class, name) != null) {
      throw AccessControl.conflict("domain '" + name + "' already exists");
    }
    Domain domain = new Domain(name, ManagerClock.now());
    List<String> changed = applyDomain(domain, fields);
    em.persist(domain);
    // A new domain may use the default scaling group, so that its users can run sessions at once.
    ScalingGroup defaultGroup = em.find(ScalingGroup.class, ScalingGroup.DEFAULT);
    if (defaultGroup != null) {
      em.flush();
      defaultGroup.getDomains().add(name);
      changed.add("scalingGroups=[default]");
    }
    audit.record(caller, "create", "domain", name, name, String.join(" ", changed));
    return json(domain);
  }

  public Map<String, Object> updateDomain(Caller caller, String name, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    Fields fields = Fields.of(body, DOMAIN_UPDATE);
    Domain domain = reachableDomain(caller, name, true);
    if (Boolean.FALSE.equals(fields.bool("isActive"))
        && domain.getName().equals(caller.domainName())) {
      throw AccessControl.conflict(
          "deactivating domain '"
              + name
              + "' would lock out the caller, whose user belongs to it; use a superadmin of"
              + " another domain");
    }
    List<String> changed = applyDomain(domain, fields);
    domain.touch(ManagerClock.now());
    if (!changed.isEmpty()) {
      audit.record(caller, "update", "domain", name, name, String.join(" ", changed));
    }
    return json(domain);
  }

  private static List<String> applyDomain(Domain domain, Fields fields) throws ManagerException {
    List<String> changed = new ArrayList<>();
    String description = fields.string("description", 512);
    if (description != null) {
      domain.setDescription(description);
      changed.add("description");
    }
    Boolean active = fields.bool("isActive");
    if (active != null) {
      domain.setActive(active);
      changed.add("isActive=" + active);
    }
    var slots = fields.slots("totalResourceSlots");
    if (slots != null) {
      domain.setTotalResourceSlots(slots);
      changed.add("totalResourceSlots=" + slots);
    }
    return changed;
  }

  public void deleteDomain(Caller caller, String name) throws ManagerException {
    AccessControl.requireSuperadmin(caller);
    Domain domain = reachableDomain(caller, name, true);
    if (Domain.DEFAULT.equals(name)) {
      throw AccessControl.conflict("the domain 'default' cannot be deleted; deactivate it instead");
    }
    long users = count("select count(u) from User u where u.domainName = :d", name);
    long groups = count("select count(g) from UserGroup g where g.domainName = :d", name);
    if (users > 0 || groups > 0) {
      throw AccessControl.conflict(
          "domain '"
              + name
              + "' still has "
              + users
              + " users and "
              + groups
              + " groups; delete them first");
    }
    em.remove(domain);
    audit.record(caller, "delete", "domain", name, name, null);
  }

  private Domain reachableDomain(Caller caller, String name, boolean lock) throws ManagerException {
    Domain domain =
        name == null
            ? null
            : lock
                ? em.find(Domain.class, name, LockModeType.PESSIMISTIC_WRITE)
                : em.find(Domain.class, name);
    if (domain == null || !AccessControl.administers(caller, domain.getName())) {
      throw AccessControl.notFound("domain", name);
    }
    return domain;
  }

  private long count(String jpql, String domain) {
    return em.createQuery(jpql, Long.class).setParameter("d", domain).getSingleResult();
  }

  // Groups

  public List<Map<String, Object>> listGroups(Caller caller, String domainName)
      throws ManagerException {
    AccessControl.requireAdmin(caller);
    String domain = domainName == null || domainName.isBlank() ? null : domainName.trim();
    if (!caller.isSuperadmin()) {
      if (domain != null && !domain.equals(caller.domainName())) {
        return List.of();
      }
      domain = caller.domainName();
    }
    var query =
        em.createQuery(
            "select g from UserGroup g"
                + (domain == null ? "" : " where g.domainName = :d")
                + " order by g.domainName, g.name",
            UserGroup.class);
    if (domain != null) {
      query.setParameter("d", domain);
    }
    return query.getResultList().stream().map(AccountService::json).toList();
  }

  public Map<String, Object> getGroup(Caller caller, String id) throws ManagerException {
    AccessControl.requireAdmin(caller);
    return json(reachableGroup(caller, id, false));
  }

  public Map<String, Object> createGroup(Caller caller, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireAdmin(caller);
    Fields fields = Fields.of(body, GROUP_CREATE);
    String name = fields.name("name", true);
    String domainName = fields.name("domain", false);
    if (domainName == null) {
      domainName = caller.domainName();
    }
    if (!AccessControl.administers(caller, domainName)) {
      throw AccessControl.forbidden(
          "a domain admin creates groups in their own domain '" + caller.domainName() + "' only");
    }
    reachableDomain(caller, domainName, true);
    if (findGroup(domainName, name).isPresent()) {
      throw AccessControl.conflict(
          "group '" + name + "' already exists in domain '" + domainName + "'");
    }
    UserGroup group = new UserGroup(domainName, name, ManagerClock.now());
    List<String> changed = applyGroup(group, fields);
    em.persist(group);
    audit.record(
        caller,
        "create",
        "group",
        group.getId().toString(),
        domainName,
        "name=" + name + " " + String.join(" ", changed));
    return json(group);
  }

  public Map<String, Object> updateGroup(Caller caller, String id, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireAdmin(caller);
    Fields fields = Fields.of(body, GROUP_UPDATE);
    UserGroup group = reachableGroup(caller, id, true);
    List<String> changed = applyGroup(group, fields);
    group.touch(ManagerClock.now());
    if (!changed.isEmpty()) {
      audit.record(
          caller,
          "update",
          "group",
          group.getId().toString(),
          group.getDomainName(),
          String.join(" ", changed));
    }
    return json(group);
  }

  private static List<String> applyGroup(UserGroup group, Fields fields) throws ManagerException {
    List<String> changed = new ArrayList<>();
    String description = fields.string("description", 512);
    if (description != null) {
      group.setDescription(description);
      changed.add("description");
    }
    Boolean active = fields.bool("isActive");
    if (active != null) {
      group.setActive(active);
      changed.add("isActive=" + active);
    }
    var slots = fields.slots("totalResourceSlots");
    if (slots != null) {
      group.setTotalResourceSlots(slots);
      changed.add("totalResourceSlots=" + slots);
    }
    return changed;
  }

  public void deleteGroup(Caller caller, String id) throws ManagerException {
    AccessControl.requireAdmin(caller);
    UserGroup group = reachableGroup(caller, id, true);
    if (UserGroup.DEFAULT_ID.equals(group.getId())) {
      throw AccessControl.conflict("the group 'default' cannot be deleted; deactivate it instead");
    }
    long live =
        em.createQuery(
                "select count(s) from Session s where s.groupId = :g and s.status in :live",
                Long.class)
            .setParameter("g", group.getId())
            .setParameter("live", KeyPairService.LIVE)
            .getSingleResult();
    if (live > 0) {
      throw AccessControl.conflict(
          "group '" + group.getName() + "' has " + live + " live sessions; destroy them first");
    }
    for (User member :
        em.createQuery("select u from User u join u.groups g where g.id = :g", User.class)
            .setParameter("g", group.getId())
            .getResultList()) {
      member.getGroups().remove(group);
    }
    em.flush();
    em.remove(group);
    audit.record(
        caller,
        "delete",
        "group",
        group.getId().toString(),
        group.getDomainName(),
        "name=" + group.getName());
  }

  private UserGroup reachableGroup(Caller caller, String id, boolean lock) throws ManagerException {
    UUID uuid = parseUuid(id);
    UserGroup group =
        uuid == null
            ? null
            : lock
                ? em.find(UserGroup.class, uuid, LockModeType.PESSIMISTIC_WRITE)
                : em.find(UserGroup.class, uuid);
    if (group == null || !AccessControl.administers(caller, group.getDomainName())) {
      throw AccessControl.notFound("group", id);
    }
    return group;
  }

  private Optional<UserGroup> findGroup(String domainName, String name) {
    return em.createQuery(
            "select g from UserGroup g where g.domainName = :d and g.name = :n", UserGroup.class)
        .setParameter("d", domainName)
        .setParameter("n", name)
        .getResultStream()
        .findFirst();
  }

  // Users

  public List<Map<String, Object>> listUsers(
      Caller caller, String domainName, String groupId, String status) throws ManagerException {
    AccessControl.requireAdmin(caller);
    StringBuilder jpql = new StringBuilder("select distinct u from User u");
    UUID group = null;
    if (groupId != null && !groupId.isBlank()) {
      group = parseUuid(groupId.trim());
      if (group == null) {
        throw ManagerException.invalidParameters(
            "invalid group '" + ManagerException.shorten(groupId) + "': use a group id");
      }
      jpql.append(" join u.groups g where g.id = :g");
    } else {
      jpql.append(" where 1 = 1");
    }
    String domain = domainName == null || domainName.isBlank() ? null : domainName.trim();
    if (!caller.isSuperadmin()) {
      if (domain != null && !domain.equals(caller.domainName())) {
        return List.of();
      }
      domain = caller.domainName();
    }
    if (domain != null) {
      jpql.append(" and u.domainName = :d");
    }
    String statusFilter = status == null || status.isBlank() ? null : checkStatus(status);
    if (statusFilter != null) {
      jpql.append(" and u.status = :s");
    }
    jpql.append(" order by u.email");
    var query = em.createQuery(jpql.toString(), User.class);
    if (group != null) {
      query.setParameter("g", group);
    }
    if (domain != null) {
      query.setParameter("d", domain);
    }
    if (statusFilter != null) {
      query.setParameter("s", statusFilter);
    }
    return query.getResultList().stream().map(AccountService::json).toList();
  }

  public Map<String, Object> getUser(Caller caller, String emailOrUuid) throws ManagerException {
    AccessControl.requireAdmin(caller);
    return json(reachableUser(caller, emailOrUuid, false));
  }

  public Map<String, Object> createUser(Caller caller, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireAdmin(caller);
    Fields fields = Fields.of(body, USER_CREATE);
    String email =
        fields.requiredString("email", 255, "give the user's email, which is also the login name");
    if (!EMAIL.matcher(email).matches()) {
      throw ManagerException.invalidParameters(
          "invalid email '" + ManagerException.shorten(email) + "': use name@host");
    }
    String password = password(body, true);
    String domainName = fields.name("domain", false);
    if (domainName == null) {
      domainName = caller.domainName();
    }
    if (!AccessControl.administers(caller, domainName)) {
      throw AccessControl.forbidden(
          "a domain admin creates users in their own domain '" + caller.domainName() + "' only");
    }
    Domain domain = reachableDomain(caller, domainName, false);
    String username = fields.string("username", 255);
    if (username == null || username.isEmpty()) {
      username = email;
    }
    UserRole role = role(fields, caller);
    checkIdentifier("email", email);
    checkIdentifier("username", username);
    requireFreeLoginName("email", email, null);
    if (!username.equalsIgnoreCase(email)) {
      requireFreeLoginName("username", username, null);
    }
    User user =
        new User(
            email,
            username,
            domain.getName(),
            role == null ? UserRole.USER : role,
            ManagerClock.now());
    user.setPasswordHash(PasswordHasher.hash(password));
    user.setFullName(fields.string("fullName", 255));
    String status = fields.string("status", 16);
    if (status != null) {
      user.setStatus(checkStatus(status));
    }
    List<String> groups = fields.strings("groups", MAX_GROUPS);
    if (groups == null) {
      findGroup(domain.getName(), "default").ifPresent(user.getGroups()::add);
    } else {
      user.getGroups().addAll(resolveGroups(domain.getName(), groups));
    }
    em.persist(user);
    audit.record(
        caller,
        "create",
        "user",
        email,
        domain.getName(),
        "role="
            + user.getRole().apiName()
            + " status="
            + user.getStatus()
            + " groups="
            + groupNames(user));
    LOG.infof("User %s created in domain %s by %s", email, domain.getName(), caller);
    return json(user);
  }

  public Map<String, Object> updateUser(Caller caller, String emailOrUuid, Map<String, Object> body)
      throws ManagerException {
    AccessControl.requireAdmin(caller);
    Fields fields = Fields.of(body, USER_UPDATE);
    User user = reachableUser(caller, emailOrUuid, true);
    requireManages(caller, user);
    List<String> changed = new ArrayList<>();
    if (body.get("password") != null) {
      user.setPasswordHash(PasswordHasher.hash(password(body, true)));
      changed.add("password");
    }
    String username = fields.string("username", 255);
    if (username != null && !username.equals(user.getUsername())) {
      if (username.isEmpty()) {
        throw ManagerException.invalidParameters("username must not be empty");
      }
      checkIdentifier("username", username);
      requireFreeLoginName("username", username, user.getUuid());
      user.setUsername(username);
      changed.add("username=" + username);
    }
    String fullName = fields.string("fullName", 255);
    if (fullName != null) {
      user.setFullName(fullName);
      changed.add("fullName");
    }
    UserRole role = role(fields, caller);
    if (role != null && role != user.getRole()) {
      if (user.getUuid().equals(caller.userUuid())) {
        throw AccessControl.conflict("users cannot change their own role");
      }
      if (user.getRole() == UserRole.SUPERADMIN && !caller.isSuperadmin()) {
        throw AccessControl.forbidden("only superadmins change the role of a superadmin");
      }
      user.setRole(role);
      em.createQuery("update KeyPair k set k.admin = :admin where k.userUuid = :u")
          .setParameter("admin", role.isAdmin())
          .setParameter("u", user.getUuid())
          .executeUpdate();
      changed.add("role=" + role.apiName());
    }
    String status = fields.string("status", 16);
    if (status != null) {
      String checked = checkStatus(status);
      if (User.INACTIVE.equals(checked) && user.getUuid().equals(caller.userUuid())) {
        throw AccessControl.conflict("users cannot deactivate themselves");
      }
      user.setStatus(checked);
      changed.add("status=" + checked);
    }
    List<String> groups = fields.strings("groups", MAX_GROUPS);
    if (groups != null) {
      Set<UserGroup> resolved = resolveGroups(user.getDomainName(), groups);
      user.getGroups().clear();
      user.getGroups().addAll(resolved);
      changed.add("groups=" + groupNames(user));
    }
    user.touch(ManagerClock.now());
    if (!changed.isEmpty()) {
      audit.record(
          caller,
          "update",
          "user",
          user.getEmail(),
          user.getDomainName(),
          String.join(" ", changed));
    }
    return json(user);
  }

  public void deleteUser(Caller caller, String emailOrUuid) throws ManagerException {
    AccessControl.requireAdmin(caller);
    User user = reachableUser(caller, emailOrUuid, true);
    if (user.getUuid().equals(caller.userUuid())) {
      throw AccessControl.conflict("users cannot delete themselves");
    }
    requireManages(caller, user);
    if (user.getRole() == UserRole.SUPERADMIN && !caller.isSuperadmin()) {
      throw AccessControl.forbidden("only superadmins delete a superadmin");
    }
    List<KeyPair> owned =
        em.createQuery("select k from KeyPair k where k.userUuid = :u", KeyPair.class)
            .setParameter("u", user.getUuid())
            .getResultList();
    for (KeyPair keyPair : owned) {
      keyPairs.deleteWithHistory(keyPair);
    }
    user.getGroups().clear();
    em.flush();
    em.remove(user);
    audit.record(
        caller,
        "delete",
        "user",
        user.getEmail(),
        user.getDomainName(),
        "keypairs=" + owned.size());
  }

  private static void requireManages(Caller caller, User user) throws ManagerException {
    if (!AccessControl.manages(caller, user)) {
      throw AccessControl.forbidden(
          "only superadmins change "
              + user.getRole().apiName()
              + " "
              + user.getEmail()
              + "; domain admins change users with the role user");
    }
  }

  private User reachableUser(Caller caller, String emailOrUuid, boolean lock)
      throws ManagerException {
    UUID uuid = parseUuid(emailOrUuid);
    User user =
        uuid != null
            ? em.find(User.class, uuid)
            : emailOrUuid == null ? null : findUserByEmail(emailOrUuid.trim()).orElse(null);
    if (user == null || !AccessControl.administers(caller, user.getDomainName())) {
      throw AccessControl.notFound("user", emailOrUuid);
    }
    if (lock) {
      em.lock(user, LockModeType.PESSIMISTIC_WRITE);
    }
    return user;
  }

  private Optional<User> findUserByEmail(String email) {
    return em.createQuery("select u from User u where u.email = :e", User.class)
        .setParameter("e", email)
        .getResultStream()
        .findFirst();
  }

  private Set<UserGroup> resolveGroups(String domainName, List<String> names)
      throws ManagerException {
    Set<UserGroup> groups = new LinkedHashSet<>();
    for (String name : names) {
      UUID id = parseUuid(name);
      Optional<UserGroup> group =
          id != null
              ? Optional.ofNullable(em.find(UserGroup.class, id))
                  .filter(found -> found.getDomainName().equals(domainName))
              : findGroup(domainName, name);
      groups.add(
          group.orElseThrow(
              () ->
                  ManagerException.invalidParameters(
                      "group '"
                          + ManagerException.shorten(name)
                          + "' does not exist in domain '"
                          + domainName
                          + "'; list them with GET /admin/groups?domain="
                          + domainName)));
    }
    return groups;
  }

  private static String groupNames(User user) {
    return user.getGroups().stream().map(UserGroup::getName).toList().toString();
  }

  private static UserRole role(Fields fields, Caller caller) throws ManagerException {
    String text = fields.string("role", 16);
    if (text == null) {
      return null;
    }
    UserRole role =
        UserRole.parse(text)
            .orElseThrow(
                () ->
                    ManagerException.invalidParameters(
                        "invalid role '"
                            + ManagerException.shorten(text)
                            + "': use superadmin, admin or user"));
    if (role == UserRole.SUPERADMIN && !caller.isSuperadmin()) {
      throw AccessControl.forbidden("only superadmins give the role superadmin");
    }
    return role;
  }

  private static String checkStatus(String status) throws ManagerException {
    String lower = status.trim().toLowerCase(Locale.ROOT);
    if (!lower.equals(User.ACTIVE) && !lower.equals(User.INACTIVE)) {
      throw ManagerException.invalidParameters(
          "invalid status '" + ManagerException.shorten(status) + "': use active or inactive");
    }
    return lower;
  }

  private static String password(Map<String, Object> body, boolean required)
      throws ManagerException {
    Object value = body.get("password");
    if (value == null) {
      if (required) {
        throw ManagerException.invalidParameters("password is missing");
      }
      return null;
    }
    if (!(value instanceof String text)) {
      throw ManagerException.invalidParameters("password must be a string");
    }
    if (text.length() < MIN_PASSWORD || text.length() > MAX_PASSWORD) {
      throw ManagerException.invalidParameters(
          "password must have " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters");
    }
    return text;
  }

  // Login

  /** A keypair issued by a password login. */
  public record Login(IssuedKeyPair issued, String role, String status) {}

  /**
   * Checks a user's password and issues a keypair that expires after {@link
   * ManagerSettings#loginKeyPairLifetime()}.
   *
   * @throws ManagerException 401 for a wrong password, an unknown or inactive user alike; 429 after
   *     too many failures
   */
  public Login authorize(Map<String, Object> body) throws ManagerException {
    Fields fields = Fields.of(body, LOGIN_FIELDS);
    String type = fields.string("type", 32);
    if (type != null && !type.equals("keypair")) {
      throw ManagerException.invalidParameters(
          "invalid type '" + ManagerException.shorten(type) + "': only keypair is supported");
    }
    String domainName = fields.string("domain", 64);
    String username = fields.requiredString("username", 255, "give the user's email or username");
    Object passwordValue = body.get("password");
    if (passwordValue == null || "".equals(passwordValue)) {
      throw ManagerException.invalidParameters("password is missing");
    }
    if (!(passwordValue instanceof String password)) {
      throw ManagerException.invalidParameters("password must be a string");
    }
    User user =
        findByLogin(username)
            .filter(
                found ->
                    domainName == null
                        || domainName.isEmpty()
                        || found.getDomainName().equals(domainName))
            .orElse(null);
    // Counted per user, so that the email and the username share one limit.
    String throttleKey = user == null ? "name:" + username : "user:" + user.getUuid();
    long wait = throttle.tryBegin(throttleKey);
    if (wait > 0) {
      throw new ManagerException(
          429,
          "too-many-requests",
          "Too many requests",
          "too many failed logins for this user; try again in " + wait + " s");
    }
    boolean matches = PasswordHasher.verify(password, user == null ? null : user.getPasswordHash());
    Domain domain = user == null ? null : em.find(Domain.class, user.getDomainName());
    if (!matches || !user.isActive() || domain == null || !domain.isActive()) {
      String cause;
      if (user == null) {
        cause = "unknown user";
      } else if (matches) {
        cause = "user or domain inactive";
      } else {
        cause = "wrong password";
      }
      audit.recordSeparately(
          username,
          "login-failed",
          "user",
          username,
          user == null ? null : user.getDomainName(),
          cause);
      LOG.infof("Login failed for username %s: %s", ManagerException.shorten(username), cause);
      throw new ManagerException(
          401,
          "auth-failed",
          "Authentication failed",
          "the username, password or domain is wrong, or the user is inactive");
    }
    throttle.succeeded(throttleKey);
    // A login keypair takes the policy and rate limit of the user's newest permanent keypair.
    KeyPair main =
        em.createQuery(
                "select k from KeyPair k where k.userUuid = :u and k.expiresAt is null"
                    + " order by k.createdAt desc",
                KeyPair.class)
            .setParameter("u", user.getUuid())
            .setMaxResults(1)
            .getResultStream()
            .findFirst()
            .orElse(null);
    String policy = main == null ? ResourcePolicy.DEFAULT : main.getResourcePolicy();
    int rateLimit = main == null ? KeyPair.DEFAULT_RATE_LIMIT : main.getRateLimit();
    retireOldLogins(user);
    Duration lifetime = ManagerSettings.loginKeyPairLifetime();
    OffsetDateTime expiresAt = ManagerClock.now().plus(lifetime);
    IssuedKeyPair issued = keyPairs.issue(user, policy, rateLimit, true, expiresAt);
    audit.record(
        new Caller(
            issued.accessKey(),
            user.getUuid(),
            user.getEmail(),
            user.getRole(),
            user.getDomainName(),
            issued.accessKey()),
        "login",
        "user",
        user.getEmail(),
        user.getDomainName(),
        "keypair " + issued.accessKey() + " valid until " + expiresAt);
    return new Login(issued, user.getRole().apiName(), user.getStatus());
  }

  /** Login keypairs a user may hold at once; a new login deactivates the oldest beyond it. */
  static final int MAX_LOGIN_KEYPAIRS = 5;

  private void retireOldLogins(User user) {
    List<KeyPair> logins =
        em.createQuery(
                "select k from KeyPair k where k.userUuid = :u and k.expiresAt is not null"
                    + " and k.active = true order by k.createdAt desc",
                KeyPair.class)
            .setParameter("u", user.getUuid())
            .getResultList();
    for (KeyPair old :
        logins.subList(Math.min(logins.size(), MAX_LOGIN_KEYPAIRS - 1), logins.size())) {
      old.setActive(false);
      LOG.infof(
          "Deactivated the old login keypair %s of %s: a user holds at most %d",
          old.getAccessKey(), user.getEmail(), MAX_LOGIN_KEYPAIRS);
    }
  }

  /** Finds the user whose email or username is the login name, ignoring case. */
  private Optional<User> findByLogin(String login) {
    return em.createQuery(
            "select u from User u where lower(u.email) = lower(:n) or lower(u.username) = lower(:n)"
                + " order by u.createdAt",
            User.class)
        .setParameter("n", login)
        .setMaxResults(1)
        .getResultStream()
        .findFirst();
  }

  /**
   * Rejects an email or username that another user has as email or username, ignoring case, so that
   * every login name names one user.
   */
  private void requireFreeLoginName(String field, String name, UUID self) throws ManagerException {
    long taken =
        em.createQuery(
                "select count(u) from User u where (lower(u.email) = lower(:n)"
                    + " or lower(u.username) = lower(:n)) and u.uuid <> :self",
                Long.class)
            .setParameter("n", name)
            .setParameter("self", self == null ? new UUID(0, 0) : self)
            .getSingleResult();
    if (taken > 0) {
      throw AccessControl.conflict(
          field + " '" + name + "' is taken: it is the email or username of another user");
    }
  }

  /** Rejects identifiers with spaces, control or invisible formatting characters. */
  private static void checkIdentifier(String field, String value) throws ManagerException {
    boolean invisible =
        value
            .codePoints()
            .anyMatch(
                c ->
                    Character.isWhitespace(c)
                        || Character.isISOControl(c)
                        || Character.getType(c) == Character.FORMAT);
    if (invisible) {
      throw ManagerException.invalidParameters(
          field
              + " '"
              + ManagerException.shorten(value)
              + "' contains spaces, control or invisible formatting characters");
    }
  }

  // JSON

  static Map<String, Object> json(Domain domain) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", domain.getName());
    json.put("description", domain.getDescription());
    json.put("isActive", domain.isActive());
    json.put("totalResourceSlots", domain.getTotalResourceSlots().toStringMap());
    json.put("createdAt", domain.getCreatedAt().toString());
    json.put("modifiedAt", domain.getModifiedAt().toString());
    return json;
  }

  static Map<String, Object> json(UserGroup group) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", group.getId().toString());
    json.put("name", group.getName());
    json.put("domain", group.getDomainName());
    json.put("description", group.getDescription());
    json.put("isActive", group.isActive());
    json.put("totalResourceSlots", group.getTotalResourceSlots().toStringMap());
    json.put("createdAt", group.getCreatedAt().toString());
    json.put("modifiedAt", group.getModifiedAt().toString());
    return json;
  }

  static Map<String, Object> json(User user) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("uuid", user.getUuid().toString());
    json.put("email", user.getEmail());
    json.put("username", user.getUsername());
    json.put("fullName", user.getFullName());
    json.put("domain", user.getDomainName());
    json.put("role", user.getRole().apiName());
    json.put("status", user.getStatus());
    json.put(
        "groups",
        user.getGroups().stream()
            .map(group -> Map.of("id", group.getId().toString(), "name", group.getName()))
            .toList());
    json.put("createdAt", user.getCreatedAt().toString());
    json.put("modifiedAt", user.getModifiedAt().toString());
    return json;
  }

  private static UUID parseUuid(String text) {
    try {
      return text != null && text.trim().length() == 36 ? UUID.fromString(text.trim()) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
