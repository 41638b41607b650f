package ai.backend.client;

import ai.backend.client.FakeManagerServer.Response;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * The admin API of {@link FakeManagerServer} in memory: {@code /admin/...}, {@code POST
 * /auth/authorize}, {@code GET /resource/presets} and {@code POST /resource/check-presets}, with
 * the validation, roles and conflicts of docs/admin-api.md in a simplified form.
 *
 * <p>It starts with the domain {@code default}, its group {@code default}, the resource policy
 * {@code default}, the superadmin {@code admin@lablup.com}, who owns the server's first keypair,
 * the scaling group {@code default} that the domain {@code default} may use, and the ALIVE agent
 * {@code agent-1} in it with 4 CPUs and 8 GiB, of which 3 CPUs and 7 GiB are free. Roles are
 * checked per call (a {@code user} gets 403 for every {@code /admin} call, an {@code admin} for
 * writes to domains, policies, presets and scaling groups and for reading agents and scheduler
 * metrics), but an admin is not confined to their domain. Callers hold the server's lock.
 */
final class FakeAdminApi {

  static final String ADMIN_EMAIL = "admin@lablup.com";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{1,63}$");
  private static final Pattern SCALING_GROUP_NAME = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");
  private static final Set<String> SCALING_GROUP_FIELDS =
      Set.of(
          "description",
          "isActive",
          "scheduler",
          "agentSelection",
          "pendingTimeout",
          "domains",
          "groups",
          "keypairs");
  private static final int MAX_PENDING_TIMEOUT = 30 * 86_400;
  private static final Set<String> DOMAIN_FIELDS =
      Set.of("description", "isActive", "totalResourceSlots");
  private static final Set<String> USER_FIELDS =
      Set.of("password", "username", "fullName", "role", "status", "groups");
  private static final Set<String> KEYPAIR_FIELDS =
      Set.of("isActive", "resourcePolicy", "rateLimit");
  private static final Set<String> POLICY_FIELDS =
      Set.of(
          "totalResourceSlots",
          "defaultForUnspecified",
          "maxConcurrentSessions",
          "maxContainersPerSession",
          "idleTimeout",
          "maxSessionLifetime");

  private final Map<String, String> secrets;
  private final Predicate<String> hasLiveSessions;
  private final ToLongFunction<String> liveSessionsIn;
  private final ToLongFunction<String> pendingSessionsIn;
  private final Map<String, ObjectNode> scalingGroups = new LinkedHashMap<>();
  private final Map<String, ObjectNode> agents = new LinkedHashMap<>();
  private ObjectNode schedulerMetrics;
  private final Map<String, ObjectNode> domains = new LinkedHashMap<>();
  private final Map<String, ObjectNode> groups = new LinkedHashMap<>();
  private final Map<String, ObjectNode> users = new LinkedHashMap<>();
  private final Map<String, String> passwords = new LinkedHashMap<>();
  private final Map<String, List<String>> memberships = new LinkedHashMap<>();
  private final Map<String, ObjectNode> keyPairs = new LinkedHashMap<>();
  private final Map<String, ObjectNode> policies = new LinkedHashMap<>();
  private final Map<String, ObjectNode> presets = new LinkedHashMap<>();
  private final List<ObjectNode> auditLog = new ArrayList<>();
  private int secretCounter;

  /**
   * Creates the API with its first objects.
   *
   * @param secrets the server's secret keys by access key, to which new keypairs are added
   * @param hasLiveSessions returns true when an access key owns sessions that are not TERMINATED
   * @param liveSessionsIn counts the sessions of a scaling group that are not TERMINATED
   * @param pendingSessionsIn counts the PENDING sessions of a scaling group
   */
  FakeAdminApi(
      Map<String, String> secrets,
      String adminAccessKey,
      Predicate<String> hasLiveSessions,
      ToLongFunction<String> liveSessionsIn,
      ToLongFunction<String> pendingSessionsIn) {
    this.secrets = secrets;
    this.hasLiveSessions = hasLiveSessions;
    this.liveSessionsIn = liveSessionsIn;
    this.pendingSessionsIn = pendingSessionsIn;
    ObjectNode domain = stamped(MAPPER.createObjectNode().put("name", "default"));
    domain.put("description", "The default domain");
    domain.put("isActive", true);
    domain.putObject("totalResourceSlots");
    domains.put("default", domain);
    ObjectNode group = stamped(MAPPER.createObjectNode().put("id", UUID.randomUUID().toString()));
    group
        .put("name", "default")
        .put("domain", "default")
        .put("description", "")
        .put("isActive", true);
    group.putObject("totalResourceSlots");
    groups.put(group.get("id").asText(), group);
    ObjectNode policy = stamped(MAPPER.createObjectNode().put("name", "default"));
    policy.putObject("totalResourceSlots");
    policy.put("defaultForUnspecified", "UNLIMITED");
    policy.put("maxConcurrentSessions", 30).put("maxContainersPerSession", 1);
    policy.put("idleTimeout", 0).put("maxSessionLifetime", 0);
    policies.put("default", policy);
    ObjectNode admin = newUser(ADMIN_EMAIL, "admin", "default", "superadmin");
    users.put(ADMIN_EMAIL, admin);
    passwords.put(ADMIN_EMAIL, "admin-password");
    keyPairs.put(adminAccessKey, newKeyPair(adminAccessKey, admin, null));
    ObjectNode scalingGroup = newScalingGroup("default");
    scalingGroup.put("description", "The scaling group of agents that name none");
    scalingGroup.putArray("domains").add("default");
    scalingGroups.put("default", scalingGroup);
    putAgent("agent-1", "ALIVE", "default", "4", "8589934592", "3", "7516192768");
    schedulerMetrics = MAPPER.createObjectNode();
    schedulerMetrics.put("passes", 0).put("placed", 0).put("pendingTimeouts", 0);
    schedulerMetrics.put("passMillis", 0).put("statements", 0).putNull("statementsPerPlacement");
  }

  /**
   * Adds or replaces an agent.
   *
   * @param status {@code ALIVE} or {@code LOST}
   * @param memory bytes
   */
  void putAgent(
      String id,
      String status,
      String scalingGroup,
      String cpu,
      String memory,
      String freeCpu,
      String freeMemory) {
    String now = now();
    ObjectNode agent = MAPPER.createObjectNode();
    agent.put("id", id).put("status", status).put("scalingGroup", scalingGroup);
    agent.put("hostname", id + ".example.com").put("version", "0.1.0-SNAPSHOT");
    agent.putObject("availableSlots").put("cpu", cpu).put("mem", memory);
    agent.putObject("freeSlots").put("cpu", freeCpu).put("mem", freeMemory);
    agent.put("heartbeatIntervalSeconds", 5);
    agent.put("firstContact", now).put("lastHeartbeat", now);
    agent.put("lostAt", status.equals("LOST") ? now : null);
    agents.put(id, agent);
  }

  /** Sets the response of {@code GET /admin/scheduler}. */
  void setSchedulerMetrics(String json) throws IOException {
    schedulerMetrics = (ObjectNode) MAPPER.readTree(json);
  }

  /** Returns why a new session may not use a scaling group, or null when it may. */
  String scalingGroupError(String name) {
    ObjectNode group = scalingGroups.get(name);
    if (group == null || !group.get("isActive").asBoolean()) {
      return "scaling group '"
          + name
          + "' is not allowed for this keypair, its group or its domain; allowed: "
          + scalingGroups.values().stream()
              .filter(candidate -> candidate.get("isActive").asBoolean())
              .map(candidate -> candidate.get("name").asText())
              .toList();
    }
    return null;
  }

  /** Returns the role of the user who owns a keypair, or null for an unknown key. */
  String roleOf(String accessKey) {
    ObjectNode keyPair = keyPairs.get(accessKey);
    if (keyPair == null) {
      return null;
    }
    ObjectNode user = users.get(keyPair.get("userId").asText());
    return user == null ? null : user.get("role").asText();
  }

  /** Returns why a known keypair is rejected (inactive keypair or user), or null. */
  String inactiveReason(String accessKey) {
    ObjectNode keyPair = keyPairs.get(accessKey);
    if (keyPair == null) {
      return null;
    }
    if (!keyPair.get("isActive").asBoolean()) {
      return "the keypair " + accessKey + " is inactive";
    }
    ObjectNode user = users.get(keyPair.get("userId").asText());
    if (user != null && !"active".equals(user.get("status").asText())) {
      return "the user of keypair " + accessKey + " is inactive";
    }
    return null;
  }

  /** Returns the resource policy of a keypair, or null for an unknown key. */
  ObjectNode policyOf(String accessKey) {
    ObjectNode keyPair = keyPairs.get(accessKey);
    return keyPair == null ? null : policies.get(keyPair.get("resourcePolicy").asText());
  }

  /** Routes a request under {@code /admin}, {@code /auth} or {@code /resource}. */
  Response route(
      String caller,
      String method,
      String path,
      String query,
      Map<String, String> headers,
      byte[] body)
      throws IOException {
    JsonNode json = body.length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(body);
    if (path.equals("/auth/authorize") && method.equals("POST")) {
      return authorize(headers, json);
    }
    if (path.equals("/resource/presets") && method.equals("GET")) {
      return publicPresets();
    }
    if (path.equals("/resource/check-presets") && method.equals("POST")) {
      return checkPresets(caller);
    }
    String role = roleOf(caller);
    if (!"superadmin".equals(role) && !"admin".equals(role)) {
      return forbidden("the role " + role + " may not call the admin API");
    }
    String[] parts = path.substring("/admin/".length()).split("/", -1);
    if (parts.length > 2) {
      return Response.problem(404, "not-found", "Not found", method + " " + path);
    }
    String collection = parts[0];
    String id = parts.length == 2 ? decode(parts[1]) : null;
    boolean write = !method.equals("GET");
    if (write
        && !"superadmin".equals(role)
        && Set.of("domains", "resource-policies", "resource-presets", "scaling-groups")
            .contains(collection)) {
      return forbidden("only a superadmin may change " + collection);
    }
    if (!"superadmin".equals(role) && Set.of("agents", "scheduler").contains(collection)) {
      return forbidden("only a superadmin may read " + collection);
    }
    return switch (collection) {
      case "domains" -> domains(caller, method, id, json);
      case "groups" -> groups(caller, method, id, query, json);
      case "users" -> users(caller, role, method, id, query, json);
      case "keypairs" -> keyPairs(caller, method, id, query, json);
      case "resource-policies" -> policies(caller, method, id, json);
      case "resource-presets" -> presets(caller, method, id, json);
      case "audit-log" -> auditLog(query);
      case "scaling-groups" -> scalingGroups(caller, method, id, json);
      case "agents" -> id == null ? agentList() : notFoundPath(method, path);
      case "scheduler" ->
          id == null ? Response.json(200, schedulerMetrics.toString()) : notFoundPath(method, path);
      default -> Response.problem(404, "not-found", "Not found", method + " " + path);
    };
  }

  private Response domains(String caller, String method, String name, JsonNode body) {
    if (name == null) {
      if (method.equals("GET")) {
        return items(domains.values());
      }
      String newName = body.path("name").asText("");
      String error = nameError(newName, "name");
      if (error != null) {
        return invalid(error);
      }
      if (domains.containsKey(newName)) {
        return conflict("the domain " + newName + " exists already");
      }
      error = unknownFields(body, DOMAIN_FIELDS, "name");
      if (error != null) {
        return invalid(error);
      }
      ObjectNode domain = stamped(MAPPER.createObjectNode().put("name", newName));
      domain.put("description", body.path("description").asText(""));
      domain.put("isActive", body.path("isActive").asBoolean(true));
      domain.set("totalResourceSlots", slotsOrEmpty(body));
      domains.put(newName, domain);
      audit(caller, "create", "domain", newName, newName, fieldNames(body));
      return Response.json(201, domain.toString());
    }
    ObjectNode domain = domains.get(name);
    if (domain == null) {
      return notFound("domain", name);
    }
    switch (method) {
      case "GET":
        return Response.json(200, domain.toString());
      case "PATCH":
        return patch(caller, domain, body, DOMAIN_FIELDS, "domain", name, name);
      case "DELETE":
        boolean used =
            users.values().stream().anyMatch(user -> name.equals(user.get("domain").asText()))
                || groups.values().stream()
                    .anyMatch(group -> name.equals(group.get("domain").asText()));
        if (used) {
          return conflict("the domain " + name + " has users or groups");
        }
        domains.remove(name);
        audit(caller, "delete", "domain", name, name, "");
        return Response.noContent();
      default:
        return Response.problem(405, "method-not-allowed", "Method not allowed", method);
    }
  }

  private Response groups(String caller, String method, String id, String query, JsonNode body) {
    if (id == null) {
      if (method.equals("GET")) {
        List<String> domainFilter = FakeManagerServer.queryValues(query, "domain");
        return items(
            groups.values().stream()
                .filter(
                    group ->
                        domainFilter.isEmpty()
                            || domainFilter.get(0).equals(group.get("domain").asText()))
                .toList());
      }
      String name = body.path("name").asText("");
      String domain = body.path("domain").asText("");
      String error = nameError(name, "name");
      if (error != null) {
        return invalid(error);
      }
      if (!domains.containsKey(domain)) {
        return invalid("domain '" + domain + "' does not exist");
      }
      boolean taken =
          groups.values().stream()
              .anyMatch(
                  group ->
                      name.equals(group.get("name").asText())
                          && domain.equals(group.get("domain").asText()));
      if (taken) {
        return conflict("the group " + name + " exists already in domain " + domain);
      }
      ObjectNode group = stamped(MAPPER.createObjectNode().put("id", UUID.randomUUID().toString()));
      group.put("name", name).put("domain", domain);
      group.put("description", body.path("description").asText(""));
      group.put("isActive", body.path("isActive").asBoolean(true));
      group.set("totalResourceSlots", slotsOrEmpty(body));
      groups.put(group.get("id").asText(), group);
      audit(caller, "create", "group", group.get("id").asText(), domain, fieldNames(body));
      return Response.json(201, group.toString());
    }
    ObjectNode group = groups.get(id);
    if (group == null) {
      return notFound("group", id);
    }
    String domain = group.get("domain").asText();
    switch (method) {
      case "GET":
        return Response.json(200, group.toString());
      case "PATCH":
        return patch(caller, group, body, DOMAIN_FIELDS, "group", id, domain);
      case "DELETE":
        groups.remove(id);
        memberships.values().forEach(list -> list.remove(id));
        audit(caller, "delete", "group", id, domain, "");
        return Response.noContent();
      default:
        return Response.problem(405, "method-not-allowed", "Method not allowed", method);
    }
  }

  private Response users(
      String caller, String role, String method, String id, String query, JsonNode body) {
    if (id == null) {
      if (method.equals("GET")) {
        List<String> domainFilter = FakeManagerServer.queryValues(query, "domain");
        List<String> groupFilter = FakeManagerServer.queryValues(query, "group");
        List<String> statusFilter = FakeManagerServer.queryValues(query, "status");
        List<ObjectNode> listed = new ArrayList<>();
        for (ObjectNode user : users.values()) {
          String email = user.get("email").asText();
          if ((domainFilter.isEmpty() || domainFilter.get(0).equals(user.get("domain").asText()))
              && (groupFilter.isEmpty()
                  || memberships.getOrDefault(email, List.of()).contains(groupFilter.get(0)))
              && (statusFilter.isEmpty()
                  || statusFilter.get(0).equals(user.get("status").asText()))) {
            listed.add(userJson(user));
          }
        }
        return items(listed);
      }
      String email = body.path("email").asText("");
      String domain = body.path("domain").asText("");
      if (!email.contains("@")) {
        return invalid("email '" + email + "' is not an email address");
      }
      if (!domains.containsKey(domain)) {
        return invalid("domain '" + domain + "' does not exist");
      }
      String error = passwordError(body.get("password"), true);
      if (error == null) {
        error = unknownFields(body, USER_FIELDS, "email", "domain");
      }
      if (error != null) {
        return invalid(error);
      }
      String newRole = body.path("role").asText("user");
      if ("superadmin".equals(newRole) && !"superadmin".equals(role)) {
        return forbidden("only a superadmin may create superadmins");
      }
      String username = body.path("username").asText(email);
      if (users.containsKey(email) || usernameTaken(username, null)) {
        return conflict("the email " + email + " or username " + username + " is taken");
      }
      ObjectNode user = newUser(email, username, domain, newRole);
      user.put("fullName", body.path("fullName").asText(""));
      user.put("status", body.path("status").asText("active"));
      List<String> groupIds = new ArrayList<>();
      error = resolveGroups(body.get("groups"), domain, groupIds);
      if (error != null) {
        return invalid(error);
      }
      users.put(email, user);
      passwords.put(email, body.get("password").asText());
      memberships.put(email, groupIds);
      audit(caller, "create", "user", email, domain, fieldNames(body));
      return Response.json(201, userJson(user).toString());
    }
    ObjectNode user = findUser(id);
    if (user == null) {
      return notFound("user", id);
    }
    String email = user.get("email").asText();
    String domain = user.get("domain").asText();
    switch (method) {
      case "GET":
        return Response.json(200, userJson(user).toString());
      case "PATCH":
        String error = unknownFields(body, USER_FIELDS);
        if (error == null && body.has("password")) {
          error = passwordError(body.get("password"), false);
        }
        if (error == null && body.has("username")) {
          error =
              usernameTaken(body.get("username").asText(), email)
                  ? "username " + body.get("username").asText() + " is taken"
                  : null;
        }
        List<String> groupIds = new ArrayList<>();
        if (error == null && body.has("groups")) {
          error = resolveGroups(body.get("groups"), domain, groupIds);
        }
        if (error != null) {
          return invalid(error);
        }
        if (body.has("password")) {
          passwords.put(email, body.get("password").asText());
        }
        if (body.has("groups")) {
          memberships.put(email, groupIds);
        }
        for (String field : List.of("username", "fullName", "role", "status")) {
          if (body.has(field)) {
            user.set(field, body.get(field));
          }
        }
        user.put("modifiedAt", now());
        audit(caller, "update", "user", email, domain, fieldNames(body));
        return Response.json(200, userJson(user).toString());
      case "DELETE":
        for (Map.Entry<String, ObjectNode> keyPair : keyPairs.entrySet()) {
          if (email.equals(keyPair.getValue().get("userId").asText())
              && hasLiveSessions.test(keyPair.getKey())) {
            return conflict("the user " + email + " has live sessions");
          }
        }
        Iterator<Map.Entry<String, ObjectNode>> keys = keyPairs.entrySet().iterator();
        while (keys.hasNext()) {
          Map.Entry<String, ObjectNode> keyPair = keys.next();
          if (email.equals(keyPair.getValue().get("userId").asText())) {
            secrets.remove(keyPair.getKey());
            keys.remove();
          }
        }
        users.remove(email);
        passwords.remove(email);
        memberships.remove(email);
        audit(caller, "delete", "user", email, domain, "");
        return Response.noContent();
      default:
        return Response.problem(405, "method-not-allowed", "Method not allowed", method);
    }
  }

  private Response keyPairs(String caller, String method, String id, String query, JsonNode body) {
    if (id == null) {
      if (method.equals("GET")) {
        List<String> userFilter = FakeManagerServer.queryValues(query, "user");
        return items(
            keyPairs.values().stream()
                .filter(
                    keyPair ->
                        userFilter.isEmpty()
                            || userFilter.get(0).equals(keyPair.get("userId").asText()))
                .toList());
      }
      ObjectNode user = users.get(body.path("userId").asText(""));
      if (user == null) {
        return invalid("userId '" + body.path("userId").asText("") + "' is not a user");
      }
      String error = unknownFields(body, KEYPAIR_FIELDS, "userId");
      if (error == null && body.has("resourcePolicy")) {
        error =
            policies.containsKey(body.get("resourcePolicy").asText())
                ? null
                : "resourcePolicy '" + body.get("resourcePolicy").asText() + "' does not exist";
      }
      if (error != null) {
        return invalid(error);
      }
      String accessKey = String.format(Locale.ROOT, "AKIAFAKE%012d", ++secretCounter);
      String secretKey = "fake-secret-" + UUID.randomUUID();
      ObjectNode keyPair = newKeyPair(accessKey, user, null);
      if (body.has("isActive")) {
        keyPair.put("isActive", body.get("isActive").asBoolean());
      }
      if (body.has("resourcePolicy")) {
        keyPair.put("resourcePolicy", body.get("resourcePolicy").asText());
      }
      if (body.has("rateLimit")) {
        keyPair.put("rateLimit", body.get("rateLimit").asInt());
      }
      keyPairs.put(accessKey, keyPair);
      secrets.put(accessKey, secretKey);
      audit(caller, "create", "keypair", accessKey, user.get("domain").asText(), fieldNames(body));
      ObjectNode created = keyPair.deepCopy();
      created.put("secretKey", secretKey);
      return Response.json(201, created.toString());
    }
    ObjectNode keyPair = keyPairs.get(id);
    if (keyPair == null) {
      return notFound("keypair", id);
    }
    String domain = users.get(keyPair.get("userId").asText()).get("domain").asText();
    switch (method) {
      case "GET":
        return Response.json(200, keyPair.toString());
      case "PATCH":
        if (body.has("resourcePolicy")
            && !policies.containsKey(body.get("resourcePolicy").asText())) {
          return invalid(
              "resourcePolicy '" + body.get("resourcePolicy").asText() + "' does not exist");
        }
        return patch(caller, keyPair, body, KEYPAIR_FIELDS, "keypair", id, domain);
      case "DELETE":
        if (hasLiveSessions.test(id)) {
          return conflict("the keypair " + id + " has live sessions");
        }
        keyPairs.remove(id);
        secrets.remove(id);
        audit(caller, "delete", "keypair", id, domain, "");
        return Response.noContent();
      default:
        return Response.problem(405, "method-not-allowed", "Method not allowed", method);
    }
  }

  private Response policies(String caller, String method, String name, JsonNode body) {
    if (name == null) {
      if (method.equals("GET")) {
        return items(policies.values());
      }
      String newName = body.path("name").asText("");
      String error = nameError(newName, "name");
      if (error == null) {
        error = unknownFields(body, POLICY_FIELDS, "name");
      }
      if (error == null) {
        error = policyError(body);
      }
      if (error != null) {
        return invalid(error);
      }
      if (policies.containsKey(newName)) {
        return conflict("the resource policy " + newName + " exists already");
      }
      ObjectNode policy = stamped(MAPPER.createObjectNode().put("name", newName));
      policy.set("totalResourceSlots", slotsOrEmpty(body));
      policy.put("defaultForUnspecified", body.path("defaultForUnspecified").asText("UNLIMITED"));
      policy.put("maxConcurrentSessions", body.path("maxConcurrentSessions").asInt(30));
      policy.put("maxContainersPerSession", body.path("maxContainersPerSession").asInt(1));
      policy.put("idleTimeout", body.path("idleTimeout").asLong(0));
      policy.put("maxSessionLifetime", body.path("maxSessionLifetime").asLong(0));
      policies.put(newName, policy);
      audit(caller, "create", "resource-policy", newName, null, fieldNames(body));
      return Response.json(201, policy.toString());
    }
    ObjectNode policy = policies.get(name);
    if (policy == null) {
      return notFound("resource policy", name);
    }
    switch (method) {
      case "GET":
        return Response.json(200, policy.toString());
      case "PATCH":
        String error = policyError(body);
        if (error != null) {
          return invalid(error);
        }
        return patch(caller, policy, body, POLICY_FIELDS, "resource-policy", name, null);
      case "DELETE":
        long users =
            keyPairs.values().stream()
                .filter(keyPair -> name.equals(keyPair.get("resourcePolicy").asText()))
                .count();
        if (users > 0) {
          return conflict("the resource policy " + name + " is used by " + users + " keypairs");
        }
        policies.remove(name);
        audit(caller, "delete", "resource-policy", name, null, "");
        return Response.noContent();
      default:
        return Response.problem(405, "method-not-allowed", "Method not allowed", method);
    }
  }

  private Response presets(String caller, String method, String name, JsonNode body) {
    if (name == null) {
      if (method.equals("GET")) {
        return items(presets.values());
      }
      String newName = body.path("name").asText("");
      String error = nameError(newName, "name");
      if (error == null && !body.path("resourceSlots").isObject()) {
        error = "resourceSlots is missing";
      }
      if (error != null) {
        return invalid(error);
      }
      if (presets.containsKey(newName)) {
        return conflict("the resource preset " + newName + " exists already");
      }
      ObjectNode preset = stamped(MAPPER.createObjectNode().put("name", newName));
      preset.set("resourceSlots", body.get("resourceSlots"));
      presets.put(newName, preset);
      audit(caller, "create", "resource-preset", newName, null, "resourceSlots");
      return Response.json(201, preset.toString());
    }
    ObjectNode preset = presets.get(name);
    if (preset == null) {
      return notFound("resource preset", name);
    }
    switch (method) {
      case "GET":
        return Response.json(200, preset.toString());
      case "PATCH":
        return patch(caller, preset, body, Set.of("resourceSlots"), "resource-preset", name, null);
      case "DELETE":
        presets.remove(name);
        audit(caller, "delete", "resource-preset", name, null, "");
        return Response.noContent();
      default:
        return Response.problem(405, "method-not-allowed", "Method not allowed", method);
    }
  }

  private Response scalingGroups(String caller, String method, String name, JsonNode body) {
    if (name == null) {
      if (method.equals("GET")) {
        return items(scalingGroups.values().stream().map(this::scalingGroupJson).toList());
      }
      String newName = body.path("name").asText("");
      if (!SCALING_GROUP_NAME.matcher(newName).matches()) {
        return invalid(
            "invalid name '" + newName + "': use 1 to 64 letters, digits, '.', '_' or '-'");
      }
      String error = unknownFields(body, SCALING_GROUP_FIELDS, "name");
      if (error == null) {
        error = scalingGroupFieldsError(body);
      }
      if (error != null) {
        return invalid(error);
      }
      if (scalingGroups.containsKey(newName)) {
        return conflict("scaling group '" + newName + "' already exists");
      }
      ObjectNode group = newScalingGroup(newName);
      applyScalingGroupFields(group, body);
      scalingGroups.put(newName, group);
      audit(caller, "create", "scaling-group", newName, null, fieldNames(body));
      return Response.json(201, scalingGroupJson(group).toString());
    }
    ObjectNode group = scalingGroups.get(name);
    if (group == null) {
      return notFound("scaling group", name);
    }
    switch (method) {
      case "GET":
        return Response.json(200, scalingGroupJson(group).toString());
      case "PATCH":
        String error = unknownFields(body, SCALING_GROUP_FIELDS);
        if (error == null) {
          error = scalingGroupFieldsError(body);
        }
        if (error != null) {
          return invalid(error);
        }
        applyScalingGroupFields(group, body);
        group.put("modifiedAt", now());
        audit(caller, "update", "scaling-group", name, null, fieldNames(body));
        return Response.json(200, scalingGroupJson(group).toString());
      case "DELETE":
        if (name.equals("default")) {
          return conflict("the scaling group 'default' cannot be deleted");
        }
        long agentCount =
            agents.values().stream()
                .filter(agent -> name.equals(agent.get("scalingGroup").asText()))
                .count();
        long sessions = liveSessionsIn.applyAsLong(name);
        if (agentCount > 0 || sessions > 0) {
          return conflict(
              "scaling group '"
                  + name
                  + "' still has "
                  + agentCount
                  + " agents and "
                  + sessions
                  + " live sessions; move the agents (their scaling-group setting) and end the"
                  + " sessions first");
        }
        scalingGroups.remove(name);
        audit(caller, "delete", "scaling-group", name, null, "");
        return Response.noContent();
      default:
        return Response.problem(405, "method-not-allowed", "Method not allowed", method);
    }
  }

  /** Lists the agents ordered by scaling group and id, as the manager does. */
  private Response agentList() {
    return items(
        agents.values().stream()
            .sorted(
                Comparator.comparing((ObjectNode agent) -> agent.get("scalingGroup").asText())
                    .thenComparing(agent -> agent.get("id").asText()))
            .toList());
  }

  private static Response notFoundPath(String method, String path) {
    return Response.problem(404, "not-found", "Not found", method + " " + path);
  }

  private ObjectNode newScalingGroup(String name) {
    ObjectNode group = MAPPER.createObjectNode().put("name", name);
    group.put("description", "").put("isActive", true);
    group.put("scheduler", "fifo").put("agentSelection", "dispersed").put("pendingTimeout", 0);
    group.putArray("domains");
    group.putArray("groups");
    group.putArray("keypairs");
    return stamped(group);
  }

  /** Returns a scaling group with its agents and the count of its pending sessions. */
  private ObjectNode scalingGroupJson(ObjectNode group) {
    String name = group.get("name").asText();
    ObjectNode json = group.deepCopy();
    ArrayNode members = json.putArray("agents");
    for (ObjectNode agent : agents.values()) {
      if (name.equals(agent.get("scalingGroup").asText())) {
        members
            .addObject()
            .put("id", agent.get("id").asText())
            .put("status", agent.get("status").asText());
      }
    }
    json.put("pendingSessions", pendingSessionsIn.applyAsLong(name));
    // The manager writes these two after the lists, as ScalingGroupService does.
    json.set("createdAt", json.remove("createdAt"));
    json.set("modifiedAt", json.remove("modifiedAt"));
    return json;
  }

  /** Returns why the fields of a scaling group create or update are invalid, or null. */
  private String scalingGroupFieldsError(JsonNode body) {
    String scheduler = body.path("scheduler").asText("fifo").toLowerCase(Locale.ROOT);
    if (!Set.of("fifo", "lifo", "drf").contains(scheduler)) {
      return "invalid scheduler '" + body.get("scheduler").asText() + "': use fifo, lifo or drf";
    }
    String selection = body.path("agentSelection").asText("dispersed").toLowerCase(Locale.ROOT);
    if (!Set.of("dispersed", "concentrated").contains(selection)) {
      return "invalid agentSelection '"
          + body.get("agentSelection").asText()
          + "': use concentrated or dispersed";
    }
    JsonNode timeout = body.get("pendingTimeout");
    if (timeout != null
        && (!timeout.isInt() || timeout.asInt() < 0 || timeout.asInt() > MAX_PENDING_TIMEOUT)) {
      return "pendingTimeout must be a whole number from 0 to " + MAX_PENDING_TIMEOUT;
    }
    for (JsonNode domain : body.path("domains")) {
      if (!domains.containsKey(domain.asText())) {
        return "domain '" + domain.asText() + "' does not exist";
      }
    }
    for (JsonNode group : body.path("groups")) {
      if (!groups.containsKey(group.asText())) {
        return "group '" + group.asText() + "' does not exist; give group ids";
      }
    }
    for (JsonNode key : body.path("keypairs")) {
      if (!keyPairs.containsKey(key.asText())) {
        return "access key '" + key.asText() + "' does not exist";
      }
    }
    return null;
  }

  private static void applyScalingGroupFields(ObjectNode group, JsonNode body) {
    body.fields()
        .forEachRemaining(
            field -> {
              JsonNode value = field.getValue();
              if (field.getKey().equals("scheduler") || field.getKey().equals("agentSelection")) {
                value = TextNode.valueOf(value.asText().toLowerCase(Locale.ROOT));
              }
              group.set(field.getKey(), value);
            });
  }

  private Response auditLog(String query) {
    List<String> limits = FakeManagerServer.queryValues(query, "limit");
    List<String> before = FakeManagerServer.queryValues(query, "before");
    int limit = limits.isEmpty() ? 100 : Integer.parseInt(limits.get(0));
    long beforeId = before.isEmpty() ? Long.MAX_VALUE : Long.parseLong(before.get(0));
    List<ObjectNode> newestFirst = new ArrayList<>();
    for (int i = auditLog.size() - 1; i >= 0 && newestFirst.size() < limit; i--) {
      if (auditLog.get(i).get("id").asLong() < beforeId) {
        newestFirst.add(auditLog.get(i));
      }
    }
    return items(newestFirst);
  }

  private Response authorize(Map<String, String> headers, JsonNode body) {
    if (headers.get("x-backendai-version") == null) {
      return invalid("the X-BackendAI-Version header is missing");
    }
    if (!"keypair".equals(body.path("type").asText())) {
      return invalid("type must be keypair");
    }

    String username = body.path("username").asText("");
    ObjectNode user = null;
    for (ObjectNode candidate : users.values()) {
      if (username.equals(candidate.get("email").asText())
          || username.equals(candidate.get("username").asText())) {
        user = candidate;
      }
    }
    boolean valid =
        user != null
            && user.get("domain").asText().equals(body.path("domain").asText())
            && "active".equals(user.get("status").asText())
            && body.path("password").asText().equals(passwords.get(user.get("email").asText()));
    if (!valid) {
      audit(null, "login-failed", "user", username, null, "");
      return Response.problem(
          401, "auth-failed", "Authorization failed", "invalid username or password");
    }

    String accessKey = String.format(Locale.ROOT, "AKIALOGIN%011d", ++secretCounter);
    String secretKey = "login-secret-" + UUID.randomUUID();
    String expiresAt = OffsetDateTime.now().plusHours(24).withNano(0).toString();
    keyPairs.put(accessKey, newKeyPair(accessKey, user, expiresAt));
    secrets.put(accessKey, secretKey);
    audit(null, "login", "user", user.get("email").asText(), user.get("domain").asText(), "");

    ObjectNode data = MAPPER.createObjectNode();
    data.put("access_key", accessKey);
    data.put("secret_key", secretKey);
    data.put("role", user.get("role").asText());
    data.put("status", "active");
    data.put("expires_at", expiresAt);
    ObjectNode response = MAPPER.createObjectNode();
    response.set("data", data);
    return Response.json(200, response.toString());
  }

  private Response publicPresets() {
    ArrayNode list = MAPPER.createArrayNode();
    for (ObjectNode preset : presets.values()) {
      ObjectNode item = list.addObject();
      item.put("name", preset.get("name").asText());
      item.set("resource_slots", preset.get("resourceSlots"));
      item.putNull("shared_memory");
    }
    ObjectNode response = MAPPER.createObjectNode();
    response.set("presets", list);
    return Response.json(200, response.toString());
  }

  /**
   * Returns a check-presets response with the caller's policy as its limits, no usage, and one
   * scaling group {@code default} with 4 CPUs and 8 GiB free.
   */
  private Response checkPresets(String caller) {
    ObjectNode policy = policyOf(caller);
    ObjectNode limits = MAPPER.createObjectNode();
    for (String slot : List.of("cpu", "mem")) {
      JsonNode limit = policy == null ? null : policy.path("totalResourceSlots").get(slot);
      limits.put(slot, limit == null ? "Infinity" : limit.asText());
    }
    ObjectNode using = MAPPER.createObjectNode().put("cpu", "0").put("mem", "0");
    ObjectNode free = MAPPER.createObjectNode().put("cpu", "4").put("mem", "8589934592");

    ObjectNode response = MAPPER.createObjectNode();
    response.set("keypair_limits", limits);
    response.set("keypair_using", using);
    response.set("keypair_remaining", limits.deepCopy());
    response.set("scaling_group_remaining", free);
    ObjectNode scalingGroup = response.putObject("scaling_groups").putObject("default");
    scalingGroup.set("using", using.deepCopy());
    scalingGroup.set("remaining", free.deepCopy());

    ArrayNode list = response.putArray("presets");
    for (ObjectNode preset : presets.values()) {
      ObjectNode item = list.addObject();
      item.put("name", preset.get("name").asText());
      item.set("resource_slots", preset.get("resourceSlots"));
      item.putNull("shared_memory");
      boolean fits = true;
      for (String slot : List.of("cpu", "mem")) {
        JsonNode value = preset.get("resourceSlots").get(slot);
        if (value != null
            && amount(value.asText()).compareTo(amount(free.get(slot).asText())) > 0) {
          fits = false;
        }
      }
      item.put("allocatable", fits);
    }
    return Response.json(200, response.toString());
  }

  /** Parses a slot amount with an optional binary suffix, such as {@code 1.5} or {@code 512m}. */
  private static BigDecimal amount(String text) {
    String lower = text.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (lower.endsWith("k") || lower.endsWith("m") || lower.endsWith("g")) {
      unit = 1L << (10 * ("kmg".indexOf(lower.charAt(lower.length() - 1)) + 1));
      lower = lower.substring(0, lower.length() - 1);
    }
    return new BigDecimal(lower).multiply(BigDecimal.valueOf(unit));
  }

  private Response patch(
      String caller,
      ObjectNode target,
      JsonNode body,
      Set<String> allowed,
      String type,
      String id,
      String domain) {
    String error = unknownFields(body, allowed);
    if (error != null) {
      return invalid(error);
    }
    body.fields().forEachRemaining(field -> target.set(field.getKey(), field.getValue()));
    target.put("modifiedAt", now());
    audit(caller, "update", type, id, domain, fieldNames(body));
    return Response.json(200, target.toString());
  }

  private void audit(
      String caller, String action, String type, String id, String domain, String detail) {
    ObjectNode entry = MAPPER.createObjectNode();
    entry.put("id", auditLog.size() + 1);
    entry.put("at", now());
    entry.put("actorAccessKey", caller);
    ObjectNode keyPair = caller == null ? null : keyPairs.get(caller);
    entry.put("actorEmail", keyPair == null ? null : keyPair.get("userId").asText());
    entry.put("action", action);
    entry.put("targetType", type);
    entry.put("targetId", id);
    entry.put("domain", domain);
    entry.put("detail", detail);
    auditLog.add(entry);
  }

  private ObjectNode newUser(String email, String username, String domain, String role) {
    ObjectNode user = stamped(MAPPER.createObjectNode().put("uuid", UUID.randomUUID().toString()));
    user.put("email", email).put("username", username).put("fullName", "");
    user.put("domain", domain).put("role", role).put("status", "active");
    return user;
  }

  private ObjectNode newKeyPair(String accessKey, ObjectNode user, String expiresAt) {
    ObjectNode keyPair = MAPPER.createObjectNode();
    keyPair.put("accessKey", accessKey);
    keyPair.put("userId", user.get("email").asText());
    keyPair.put("userUuid", user.get("uuid").asText());
    keyPair.put("isActive", true);
    keyPair.put("isAdmin", !"user".equals(user.get("role").asText()));
    keyPair.put("resourcePolicy", "default");
    keyPair.put("rateLimit", 1000);
    keyPair.put("createdAt", now());
    keyPair.putNull("lastUsed");
    keyPair.put("expiresAt", expiresAt);
    return keyPair;
  }

  private ObjectNode userJson(ObjectNode user) {
    ObjectNode json = user.deepCopy();
    ArrayNode list = json.putArray("groups");
    for (String groupId : memberships.getOrDefault(user.get("email").asText(), List.of())) {
      ObjectNode group = groups.get(groupId);
      list.addObject()
          .put("id", groupId)
          .put("name", group == null ? null : group.get("name").asText());
    }
    return json;
  }

  private ObjectNode findUser(String emailOrUuid) {
    ObjectNode byEmail = users.get(emailOrUuid);
    if (byEmail != null) {
      return byEmail;
    }
    return users.values().stream()
        .filter(user -> emailOrUuid.equals(user.get("uuid").asText()))
        .findFirst()
        .orElse(null);
  }

  private boolean usernameTaken(String username, String exceptEmail) {
    return users.values().stream()
        .anyMatch(
            user ->
                username.equals(user.get("username").asText())
                    && !user.get("email").asText().equals(exceptEmail));
  }

  /** Resolves group ids or names of a domain into ids; returns an error or null. */
  private String resolveGroups(JsonNode requested, String domain, List<String> ids) {
    if (requested == null) {
      return null;
    }
    for (JsonNode item : requested) {
      String idOrName = item.asText();
      String found = null;
      for (ObjectNode group : groups.values()) {
        if (domain.equals(group.get("domain").asText())
            && (idOrName.equals(group.get("id").asText())
                || idOrName.equals(group.get("name").asText()))) {
          found = group.get("id").asText();
        }
      }
      if (found == null) {
        return "group '" + idOrName + "' does not exist in domain " + domain;
      }
      ids.add(found);
    }
    return null;
  }

  private static String passwordError(JsonNode password, boolean required) {
    if (password == null || !password.isTextual()) {
      return required ? "password is missing" : "password must be text";
    }
    int length = password.asText().length();
    return length < 8 || length > 256 ? "password must have 8 to 256 characters" : null;
  }

  private static String policyError(JsonNode body) {
    String mode = body.path("defaultForUnspecified").asText("UNLIMITED");
    if (!mode.equals("UNLIMITED") && !mode.equals("LIMITED")) {
      return "defaultForUnspecified must be UNLIMITED or LIMITED, not " + mode;
    }
    return null;
  }

  private static String nameError(String name, String field) {
    return NAME.matcher(name).matches()
        ? null
        : field
            + " '"
            + name
            + "' is invalid: use 2 to 64 lowercase letters, digits, '.', '_' and '-', starting"
            + " with a letter or digit";
  }

  private static String unknownFields(JsonNode body, Set<String> allowed, String... identity) {
    Iterator<String> names = body.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name) && !List.of(identity).contains(name)) {
        return "unknown field " + name;
      }
    }
    return null;
  }

  /** Returns the field names of a body, comma-separated, as the detail of an audit entry. */
  private static String fieldNames(JsonNode body) {
    List<String> names = new ArrayList<>();
    body.fieldNames().forEachRemaining(names::add);
    return String.join(", ", names);
  }

  private static JsonNode slotsOrEmpty(JsonNode body) {
    JsonNode slots = body.get("totalResourceSlots");
    return slots == null ? MAPPER.createObjectNode() : slots;
  }

  private static ObjectNode stamped(ObjectNode node) {
    node.put("createdAt", now());
    node.put("modifiedAt", now());
    return node;
  }

  private static String now() {
    return OffsetDateTime.now().withNano(0).toString();
  }

  private static Response items(Iterable<ObjectNode> list) {
    ObjectNode response = MAPPER.createObjectNode();
    ArrayNode items = response.putArray("items");
    list.forEach(items::add);
    return Response.json(200, response.toString());
  }

  private static Response invalid(String detail) {
    return Response.problem(400, "invalid-api-params", "Invalid API parameters", detail);
  }

  private static Response forbidden(String detail) {
    return Response.problem(403, "forbidden", "Forbidden", detail);
  }

  private static Response notFound(String type, String id) {
    return Response.problem(404, "object-not-found", "Object not found", "no " + type + " " + id);
  }

  private static Response conflict(String detail) {
    return Response.problem(409, "conflict", "Conflict", detail);
  }

  private static String decode(String encoded) {
    return URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
