package ai.backend.client;

import ai.backend.client.admin.Agent;
import ai.backend.client.admin.AuditLogEntry;
import ai.backend.client.admin.CreatedKeyPair;
import ai.backend.client.admin.Domain;
import ai.backend.client.admin.DomainSpec;
import ai.backend.client.admin.Group;
import ai.backend.client.admin.GroupSpec;
import ai.backend.client.admin.KeyPair;
import ai.backend.client.admin.KeyPairSpec;
import ai.backend.client.admin.ResourcePolicy;
import ai.backend.client.admin.ResourcePolicySpec;
import ai.backend.client.admin.ScalingGroup;
import ai.backend.client.admin.ScalingGroupSpec;
import ai.backend.client.admin.SchedulerMetrics;
import ai.backend.client.admin.User;
import ai.backend.client.admin.UserSpec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The calls of the manager's admin API under {@code /admin}: domains, groups, users, keypairs,
 * keypair resource policies, resource presets, the audit log, scaling groups, agents and the
 * scheduler's metrics. {@link BackendClient#admin()} returns one that signs with the client's
 * keypair.
 *
 * <p>The manager checks the caller's role: a {@code superadmin} may do everything, an {@code admin}
 * manages the groups, users and keypairs of their own domain and reads the rest (but not the agents
 * and the scheduler's metrics), and a {@code user} gets 403 {@code forbidden} for every call.
 * Errors are {@link BackendApiException}s with the manager's problem type, such as {@code
 * object-not-found} (404) or {@code conflict} (409).
 *
 * <p>Each update sends {@code PATCH} with only the non-null fields of its spec, so the manager
 * keeps every other field.
 */
public final class AdminClient {

  private final SignedHttpTransport transport;
  private final ObjectMapper mapper;

  AdminClient(SignedHttpTransport transport, ObjectMapper mapper) {
    this.transport = transport;
    this.mapper = mapper;
  }

  /** Lists the domains ({@code GET /admin/domains}); an admin gets only their own. */
  public List<Domain> listDomains() {
    return list("/admin/domains", Domain.class);
  }

  /**
   * Creates a domain ({@code POST /admin/domains}).
   *
   * @param name 2 to 64 lowercase letters, digits, {@code .}, {@code _} and {@code -}, starting
   *     with a letter or digit
   */
  public Domain createDomain(String name, DomainSpec spec) {
    return create("/admin/domains", named("name", name, "domain name"), spec, Domain.class);
  }

  /** Fetches a domain by name ({@code GET /admin/domains/{name}}). */
  public Domain getDomain(String name) {
    return get(objectPath("/admin/domains", name, "domain name"), Domain.class);
  }

  /** Changes the given fields of a domain ({@code PATCH /admin/domains/{name}}). */
  public Domain updateDomain(String name, DomainSpec changes) {
    return update(objectPath("/admin/domains", name, "domain name"), changes, Domain.class);
  }

  /** Deletes a domain ({@code DELETE /admin/domains/{name}}); 409 while it has users or groups. */
  public void deleteDomain(String name) {
    transport.send("DELETE", objectPath("/admin/domains", name, "domain name"), null);
  }

  /**
   * Lists groups ({@code GET /admin/groups}).
   *
   * @param domain the domain whose groups to list, or null for every group the caller may see
   */
  public List<Group> listGroups(String domain) {
    return list(withQuery("/admin/groups", "domain", domain), Group.class);
  }

  /**
   * Creates a group in a domain ({@code POST /admin/groups}).
   *
   * @param name unique within the domain, with the rules of domain names
   */
  public Group createGroup(String name, String domain, GroupSpec spec) {
    ObjectNode body = named("name", name, "group name");
    body.put("domain", requireText(domain, "domain name"));
    return create("/admin/groups", body, spec, Group.class);
  }

  /** Fetches a group by id ({@code GET /admin/groups/{id}}). */
  public Group getGroup(String id) {
    return get(objectPath("/admin/groups", id, "group id"), Group.class);
  }

  /** Changes the given fields of a group ({@code PATCH /admin/groups/{id}}). */
  public Group updateGroup(String id, GroupSpec changes) {
    return update(objectPath("/admin/groups", id, "group id"), changes, Group.class);
  }

  /**
   * Deletes a group and its memberships ({@code DELETE /admin/groups/{id}}); 409 while it has live
   * sessions.
   */
  public void deleteGroup(String id) {
    transport.send("DELETE", objectPath("/admin/groups", id, "group id"), null);
  }

  /**
   * Lists users ({@code GET /admin/users}). Each filter may be null.
   *
   * @param groupId the id of a group whose members to list
   * @param status {@code active} or {@code inactive}
   */
  public List<User> listUsers(String domain, String groupId, String status) {
    return list(
        withQuery("/admin/users", "domain", domain, "group", groupId, "status", status),
        User.class);
  }

  /**
   * Creates a user ({@code POST /admin/users}). The password travels only in this request's body.
   *
   * @param spec the other fields; its password is required
   */
  public User createUser(String email, String domain, UserSpec spec) {
    ObjectNode body = named("email", email, "email");
    body.put("domain", requireText(domain, "domain name"));
    return create("/admin/users", body, spec, User.class);
  }

  /** Fetches a user by email or UUID ({@code GET /admin/users/{emailOrUuid}}). */
  public User getUser(String emailOrUuid) {
    return get(objectPath("/admin/users", emailOrUuid, "user email or UUID"), User.class);
  }

  /**
   * Changes the given fields of a user ({@code PATCH /admin/users/{emailOrUuid}}). Setting the
   * status to {@code inactive} stops every keypair of the user at once.
   */
  public User updateUser(String emailOrUuid, UserSpec changes) {
    return update(
        objectPath("/admin/users", emailOrUuid, "user email or UUID"), changes, User.class);
  }

  /**
   * Deletes a user with their keypairs and finished sessions ({@code DELETE
   * /admin/users/{emailOrUuid}}); 409 while they have live sessions.
   */
  public void deleteUser(String emailOrUuid) {
    transport.send("DELETE", objectPath("/admin/users", emailOrUuid, "user email or UUID"), null);
  }

  /**
   * Lists keypairs ({@code GET /admin/keypairs}), without their secret keys.
   *
   * @param userEmail the user whose keypairs to list, or null for every keypair the caller may see
   */
  public List<KeyPair> listKeyPairs(String userEmail) {
    return list(withQuery("/admin/keypairs", "user", userEmail), KeyPair.class);
  }

  /**
   * Creates a keypair for a user ({@code POST /admin/keypairs}). The response is the only place
   * where the secret key ever appears.
   */
  public CreatedKeyPair createKeyPair(String userEmail, KeyPairSpec spec) {
    ObjectNode body = named("userId", userEmail, "user email");
    String requestLine = "POST /admin/keypairs";
    JsonNode response = transport.send("POST", "/admin/keypairs", withFields(body, spec));
    JsonNode secretKey = response.get("secretKey");
    if (secretKey == null || !secretKey.isTextual() || secretKey.asText().isEmpty()) {
      throw transport.unexpected(requestLine, "the 'secretKey' text is missing");
    }
    KeyPair keyPair = transport.convert(response, KeyPair.class, requestLine);
    return new CreatedKeyPair(keyPair, secretKey.asText());
  }

  /** Fetches a keypair by access key ({@code GET /admin/keypairs/{accessKey}}). */
  public KeyPair getKeyPair(String accessKey) {
    return get(objectPath("/admin/keypairs", accessKey, "access key"), KeyPair.class);
  }

  /** Changes the given fields of a keypair ({@code PATCH /admin/keypairs/{accessKey}}). */
  public KeyPair updateKeyPair(String accessKey, KeyPairSpec changes) {
    return update(objectPath("/admin/keypairs", accessKey, "access key"), changes, KeyPair.class);
  }

  /**
   * Deletes a keypair and its finished sessions ({@code DELETE /admin/keypairs/{accessKey}}); 409
   * while it has live sessions.
   */
  public void deleteKeyPair(String accessKey) {
    transport.send("DELETE", objectPath("/admin/keypairs", accessKey, "access key"), null);
  }

  /** Lists the keypair resource policies ({@code GET /admin/resource-policies}). */
  public List<ResourcePolicy> listResourcePolicies() {
    return list("/admin/resource-policies", ResourcePolicy.class);
  }

  /** Creates a keypair resource policy ({@code POST /admin/resource-policies}); superadmin only. */
  public ResourcePolicy createResourcePolicy(String name, ResourcePolicySpec spec) {
    return create(
        "/admin/resource-policies",
        named("name", name, "resource policy name"),
        spec,
        ResourcePolicy.class);
  }

  /** Fetches a keypair resource policy ({@code GET /admin/resource-policies/{name}}). */
  public ResourcePolicy getResourcePolicy(String name) {
    return get(
        objectPath("/admin/resource-policies", name, "resource policy name"), ResourcePolicy.class);
  }

  /**
   * Changes the given fields of a keypair resource policy ({@code PATCH
   * /admin/resource-policies/{name}}); superadmin only.
   */
  public ResourcePolicy updateResourcePolicy(String name, ResourcePolicySpec changes) {
    return update(
        objectPath("/admin/resource-policies", name, "resource policy name"),
        changes,
        ResourcePolicy.class);
  }

  /**
   * Deletes a keypair resource policy ({@code DELETE /admin/resource-policies/{name}}); 409 while
   * keypairs use it.
   */
  public void deleteResourcePolicy(String name) {
    transport.send(
        "DELETE", objectPath("/admin/resource-policies", name, "resource policy name"), null);
  }

  /** Lists the resource presets ({@code GET /admin/resource-presets}). */
  public List<ResourcePreset> listResourcePresets() {
    return list("/admin/resource-presets", ResourcePreset.class);
  }

  /**
   * Creates a resource preset ({@code POST /admin/resource-presets}); superadmin only.
   *
   * @param resourceSlots the slots, such as {@code cpu=1} and {@code mem=1g}
   */
  public ResourcePreset createResourcePreset(String name, Map<String, String> resourceSlots) {
    ObjectNode body = named("name", name, "resource preset name");
    body.set("resourceSlots", mapper.valueToTree(requireSlots(resourceSlots)));
    return call("POST", "/admin/resource-presets", body, ResourcePreset.class);
  }

  /** Fetches a resource preset ({@code GET /admin/resource-presets/{name}}). */
  public ResourcePreset getResourcePreset(String name) {
    return get(
        objectPath("/admin/resource-presets", name, "resource preset name"), ResourcePreset.class);
  }

  /**
   * Replaces the slots of a resource preset ({@code PATCH /admin/resource-presets/{name}});
   * superadmin only.
   */
  public ResourcePreset updateResourcePreset(String name, Map<String, String> resourceSlots) {
    ObjectNode body = mapper.createObjectNode();
    body.set("resourceSlots", mapper.valueToTree(requireSlots(resourceSlots)));
    return call(
        "PATCH",
        objectPath("/admin/resource-presets", name, "resource preset name"),
        body,
        ResourcePreset.class);
  }

  /** Deletes a resource preset ({@code DELETE /admin/resource-presets/{name}}). */
  public void deleteResourcePreset(String name) {
    transport.send(
        "DELETE", objectPath("/admin/resource-presets", name, "resource preset name"), null);
  }

  /**
   * Lists audit log entries, newest first ({@code GET /admin/audit-log}). An admin gets only the
   * entries about their domain.
   *
   * @param limit the maximum number of entries, or null for the manager's default (100)
   * @param before the id of an entry to list older entries than, or null to start at the newest
   * @throws IllegalArgumentException if the limit is not positive
   */
  public List<AuditLogEntry> auditLog(Integer limit, String before) {
    if (limit != null && limit <= 0) {
      throw new IllegalArgumentException("the audit log limit must be positive, got " + limit);
    }
    String path =
        withQuery(
            "/admin/audit-log", "limit", limit == null ? null : limit.toString(), "before", before);
    return list(path, AuditLogEntry.class);
  }

  /**
   * Lists the scaling groups with their agents and the count of their pending sessions ({@code GET
   * /admin/scaling-groups}).
   */
  public List<ScalingGroup> listScalingGroups() {
    return list("/admin/scaling-groups", ScalingGroup.class);
  }

  /**
   * Creates a scaling group ({@code POST /admin/scaling-groups}); superadmin only. Agents join it
   * through their own configuration.
   *
   * @param name 1 to 64 letters, digits, {@code .}, {@code _} and {@code -}
   */
  public ScalingGroup createScalingGroup(String name, ScalingGroupSpec spec) {
    return create(
        "/admin/scaling-groups",
        named("name", name, "scaling group name"),
        spec,
        ScalingGroup.class);
  }

  /**
   * Fetches a scaling group with its agents and the count of its pending sessions ({@code GET
   * /admin/scaling-groups/{name}}).
   */
  public ScalingGroup getScalingGroup(String name) {
    return get(objectPath("/admin/scaling-groups", name, "scaling group name"), ScalingGroup.class);
  }

  /**
   * Changes the given fields of a scaling group ({@code PATCH /admin/scaling-groups/{name}});
   * superadmin only. A given list of domains, groups or keypairs replaces the current one.
   */
  public ScalingGroup updateScalingGroup(String name, ScalingGroupSpec changes) {
    return update(
        objectPath("/admin/scaling-groups", name, "scaling group name"),
        changes,
        ScalingGroup.class);
  }

  /**
   * Deletes a scaling group ({@code DELETE /admin/scaling-groups/{name}}); superadmin only. The
   * manager rejects it with 409 for {@code default}, and while agents or live sessions are in it.
   */
  public void deleteScalingGroup(String name) {
    transport.send("DELETE", objectPath("/admin/scaling-groups", name, "scaling group name"), null);
  }

  /**
   * Lists every agent with its status, scaling group, capacity and free slots ({@code GET
   * /admin/agents}); superadmin only.
   */
  public List<Agent> listAgents() {
    return list("/admin/agents", Agent.class);
  }

  /**
   * Fetches the totals of the scheduler's placement passes on the manager node that handles the
   * request ({@code GET /admin/scheduler}); superadmin only.
   */
  public SchedulerMetrics schedulerMetrics() {
    return get("/admin/scheduler", SchedulerMetrics.class);
  }

  private <T> List<T> list(String pathAndQuery, Class<T> type) {
    JsonNode response = transport.send("GET", pathAndQuery, null);
    return transport.convertList(response, "items", type, "GET " + pathAndQuery);
  }

  private <T> T get(String path, Class<T> type) {
    return call("GET", path, null, type);
  }

  private <T> T create(String path, ObjectNode identity, Object spec, Class<T> type) {
    return call("POST", path, withFields(identity, spec), type);
  }

  private <T> T update(String path, Object changes, Class<T> type) {
    Objects.requireNonNull(changes, "changes");
    return call("PATCH", path, mapper.valueToTree(changes), type);
  }

  private <T> T call(String method, String path, Object body, Class<T> type) {
    JsonNode response = transport.send(method, path, body);
    return transport.convert(response, type, method + " " + path);
  }

  /** Adds the non-null fields of a spec after the identifying fields of a create request. */
  private ObjectNode withFields(ObjectNode identity, Object spec) {
    if (spec != null) {
      JsonNode fields = mapper.valueToTree(spec);
      fields.fields().forEachRemaining(field -> identity.set(field.getKey(), field.getValue()));
    }
    return identity;
  }

  private ObjectNode named(String field, String value, String fieldName) {
    ObjectNode body = mapper.createObjectNode();
    body.put(field, requireText(value, fieldName));
    return body;
  }

  /** Returns {@code /collection/{encoded id}}, rejecting an empty id that would name the list. */
  private static String objectPath(String collection, String id, String idName) {
    return collection + "/" + PathSegments.encode(requireText(id, idName));
  }

  /**
   * Appends a query string of the given name and value pairs to a path, with the values encoded and
   * the pairs whose value is null or blank left out.
   */
  private static String withQuery(String path, String... namesAndValues) {
    StringBuilder pathAndQuery = new StringBuilder(path);
    char separator = '?';
    for (int i = 0; i < namesAndValues.length; i += 2) {
      String value = namesAndValues[i + 1];
      if (value != null && !value.isBlank()) {
        pathAndQuery
            .append(separator)
            .append(namesAndValues[i])
            .append('=')
            .append(PathSegments.encode(value.trim()));
        separator = '&';
      }
    }
    return pathAndQuery.toString();
  }

  private static String requireText(String value, String fieldName) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("the " + fieldName + " is empty");
    }
    return value.trim();
  }

  private static Map<String, String> requireSlots(Map<String, String> slots) {
    if (slots == null || slots.isEmpty()) {
      throw new IllegalArgumentException(
          "a resource preset needs resource slots, such as cpu=1 and mem=1g");
    }
    return slots;
  }
}
