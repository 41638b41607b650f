package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.AccessControl;
import ai.backend.manager.application.AccountService;
import ai.backend.manager.application.AuditLog;
import ai.backend.manager.application.Caller;
import ai.backend.manager.application.KeyPairService;
import ai.backend.manager.application.ManagerException;
import ai.backend.manager.application.PolicyService;
import ai.backend.manager.application.ScalingGroupService;
import ai.backend.manager.application.SchedulerMetrics;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Map;

/**
 * The admin API: domains, groups, users, keypairs, resource policies, resource presets and the
 * audit log, each with list, create, get, update and delete (see docs/admin-api.md). Superadmins
 * reach everything, domain admins their own domain, users nothing.
 */
@RequestScoped
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

  private static final int MAX_AUDIT = 1000;

  @EJB private AccessControl access;

  @EJB private AccountService accounts;

  @EJB private KeyPairService keyPairs;

  @EJB private PolicyService policies;

  @EJB private AuditLog audit;

  @EJB private ScalingGroupService scalingGroups;

  @EJB private SchedulerMetrics metrics;

  @Context private SecurityContext security;

  @Context private UriInfo uriInfo;

  private Caller caller() throws ManagerException {
    Caller caller = Callers.of(security, uriInfo, access);
    if (caller.actsForOther()) {
      throw ManagerException.invalidParameters(
          "owner_access_key applies to session calls, not to /admin");
    }
    AccessControl.requireAdmin(caller);
    return caller;
  }

  private static Map<String, Object> items(List<Map<String, Object>> items) {
    return Map.of("items", items);
  }

  private static Response created(Map<String, Object> json) {
    return Response.status(201).entity(json).build();
  }

  // Domains

  @GET
  @Path("domains")
  public Map<String, Object> listDomains() throws ManagerException {
    return items(accounts.listDomains(caller()));
  }

  @POST
  @Path("domains")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response createDomain(Map<String, Object> body) throws ManagerException {
    return created(accounts.createDomain(caller(), body));
  }

  @GET
  @Path("domains/{name}")
  public Map<String, Object> getDomain(@PathParam("name") String name) throws ManagerException {
    return accounts.getDomain(caller(), name);
  }

  @PATCH
  @Path("domains/{name}")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> updateDomain(@PathParam("name") String name, Map<String, Object> body)
      throws ManagerException {
    return accounts.updateDomain(caller(), name, body);
  }

  @DELETE
  @Path("domains/{name}")
  public Response deleteDomain(@PathParam("name") String name) throws ManagerException {
    accounts.deleteDomain(caller(), name);
    return Response.noContent().build();
  }

  // Groups

  @GET
  @Path("groups")
  public Map<String, Object> listGroups(@QueryParam("domain") String domain)
      throws ManagerException {
    return items(accounts.listGroups(caller(), domain));
  }

  @POST
  @Path("groups")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response createGroup(Map<String, Object> body) throws ManagerException {
    return created(accounts.createGroup(caller(), body));
  }

  @GET
  @Path("groups/{id}")
  public Map<String, Object> getGroup(@PathParam("id") String id) throws ManagerException {
    return accounts.getGroup(caller(), id);
  }

  @PATCH
  @Path("groups/{id}")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> updateGroup(@PathParam("id") String id, Map<String, Object> body)
      throws ManagerException {
    return accounts.updateGroup(caller(), id, body);
  }

  @DELETE
  @Path("groups/{id}")
  public Response deleteGroup(@PathParam("id") String id) throws ManagerException {
    accounts.deleteGroup(caller(), id);
    return Response.noContent().build();
  }

  // Users

  @GET
  @Path("users")
  public Map<String, Object> listUsers(
      @QueryParam("domain") String domain,
      @QueryParam("group") String group,
      @QueryParam("status") String status)
      throws ManagerException {
    return items(accounts.listUsers(caller(), domain, group, status));
  }

  @POST
  @Path("users")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response createUser(Map<String, Object> body) throws ManagerException {
    return created(accounts.createUser(caller(), body));
  }

  @GET
  @Path("users/{id}")
  public Map<String, Object> getUser(@PathParam("id") String id) throws ManagerException {
    return accounts.getUser(caller(), id);
  }

  @PATCH
  @Path("users/{id}")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> updateUser(@PathParam("id") String id, Map<String, Object> body)
      throws ManagerException {
    return accounts.updateUser(caller(), id, body);
  }

  @DELETE
  @Path("users/{id}")
  public Response deleteUser(@PathParam("id") String id) throws ManagerException {
    accounts.deleteUser(caller(), id);
    return Response.noContent().build();
  }

  // Keypairs

  @GET
  @Path("keypairs")
  public Map<String, Object> listKeyPairs(@QueryParam("user") String user) throws ManagerException {
    return items(keyPairs.list(caller(), user));
  }

  /** Creates a keypair; the response is the only place its secret key ever appears. */
  @POST
  @Path("keypairs")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response createKeyPair(Map<String, Object> body) throws ManagerException {
    return created(keyPairs.create(caller(), body));
  }

  @GET
  @Path("keypairs/{accessKey}")
  public Map<String, Object> getKeyPair(@PathParam("accessKey") String accessKey)
      throws ManagerException {
    return keyPairs.get(caller(), accessKey);
  }

  @PATCH
  @Path("keypairs/{accessKey}")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> updateKeyPair(
      @PathParam("accessKey") String accessKey, Map<String, Object> body) throws ManagerException {
    return keyPairs.update(caller(), accessKey, body);
  }

  @DELETE
  @Path("keypairs/{accessKey}")
  public Response deleteKeyPair(@PathParam("accessKey") String accessKey) throws ManagerException {
    keyPairs.delete(caller(), accessKey);
    return Response.noContent().build();
  }

  // Resource policies

  @GET
  @Path("resource-policies")
  public Map<String, Object> listPolicies() throws ManagerException {
    return items(policies.listPolicies(caller()));
  }

  @POST
  @Path("resource-policies")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response createPolicy(Map<String, Object> body) throws ManagerException {
    return created(policies.createPolicy(caller(), body));
  }

  @GET
  @Path("resource-policies/{name}")
  public Map<String, Object> getPolicy(@PathParam("name") String name) throws ManagerException {
    return policies.getPolicy(caller(), name);
  }

  @PATCH
  @Path("resource-policies/{name}")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> updatePolicy(@PathParam("name") String name, Map<String, Object> body)
      throws ManagerException {
    return policies.updatePolicy(caller(), name, body);
  }

  @DELETE
  @Path("resource-policies/{name}")
  public Response deletePolicy(@PathParam("name") String name) throws ManagerException {
    policies.deletePolicy(caller(), name);
    return Response.noContent().build();
  }

  // Resource presets

  @GET
  @Path("resource-presets")
  public Map<String, Object> listPresets() throws ManagerException {
    caller();
    return items(policies.listPresets());
  }

  @POST
  @Path("resource-presets")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response createPreset(Map<String, Object> body) throws ManagerException {
    return created(policies.createPreset(caller(), body));
  }

  @GET
  @Path("resource-presets/{name}")
  public Map<String, Object> getPreset(@PathParam("name") String name) throws ManagerException {
    return policies.getPreset(caller(), name);
  }

  @PATCH
  @Path("resource-presets/{name}")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> updatePreset(@PathParam("name") String name, Map<String, Object> body)
      throws ManagerException {
    return policies.updatePreset(caller(), name, body);
  }

  @DELETE
  @Path("resource-presets/{name}")
  public Response deletePreset(@PathParam("name") String name) throws ManagerException {
    policies.deletePreset(caller(), name);
    return Response.noContent().build();
  }

  // Scaling groups and agents

  @GET
  @Path("scaling-groups")
  public Map<String, Object> listScalingGroups() throws ManagerException {
    return items(scalingGroups.list(caller()));
  }

  @POST
  @Path("scaling-groups")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response createScalingGroup(Map<String, Object> body) throws ManagerException {
    return created(scalingGroups.create(caller(), body));
  }

  @GET
  @Path("scaling-groups/{name}")
  public Map<String, Object> getScalingGroup(@PathParam("name") String name)
      throws ManagerException {
    return scalingGroups.get(caller(), name);
  }

  @PATCH
  @Path("scaling-groups/{name}")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> updateScalingGroup(
      @PathParam("name") String name, Map<String, Object> body) throws ManagerException {
    return scalingGroups.update(caller(), name, body);
  }

  @DELETE
  @Path("scaling-groups/{name}")
  public Response deleteScalingGroup(@PathParam("name") String name) throws ManagerException {
    scalingGroups.delete(caller(), name);
    return Response.noContent().build();
  }

  @GET
  @Path("agents")
  public Map<String, Object> listAgents() throws ManagerException {
    return items(scalingGroups.listAgents(caller()));
  }

  @DELETE
  @Path("agents/{id}")
  public Response deleteAgent(@PathParam("id") String id) throws ManagerException {
    scalingGroups.deleteAgent(caller(), id);
    return Response.noContent().build();
  }

  /** Totals of the scheduler's passes on this node, for operators and the benchmark. */
  @GET
  @Path("scheduler")
  public Map<String, Object> schedulerMetrics() throws ManagerException {
    AccessControl.requireSuperadmin(caller());
    return metrics.snapshot();
  }

  // Audit log

  @GET
  @Path("audit-log")
  public Map<String, Object> auditLog(
      @QueryParam("limit") String limit, @QueryParam("before") String before)
      throws ManagerException {
    int max = 100;
    Long beforeId = null;
    try {
      if (limit != null && !limit.isBlank()) {
        max = Integer.parseInt(limit.trim());
      }
      if (before != null && !before.isBlank()) {
        beforeId = Long.parseLong(before.trim());
      }
    } catch (NumberFormatException e) {
      throw ManagerException.invalidParameters(
          "limit and before must be whole numbers: limit 1 to " + MAX_AUDIT + ", before an id");
    }
    if (max < 1 || max > MAX_AUDIT) {
      throw ManagerException.invalidParameters("invalid limit " + max + ": use 1 to " + MAX_AUDIT);
    }
    return items(audit.list(caller(), max, beforeId));
  }
}
