package ai.backend.manager.interfaces.rest;

import ai.backend.common.protocol.AgentReply;
import ai.backend.common.protocol.AgentReply.FileList;
import ai.backend.manager.application.AccessControl;
import ai.backend.manager.application.Caller;
import ai.backend.manager.application.ExecutionService;
import ai.backend.manager.application.ExecutionService.ExecuteRequest;
import ai.backend.manager.application.KernelOperations;
import ai.backend.manager.application.KernelOperations.Download;
import ai.backend.manager.application.KernelOperations.UploadedFile;
import ai.backend.manager.application.ManagerException;
import ai.backend.manager.application.SessionService;
import ai.backend.manager.application.SessionService.CreateRequest;
import ai.backend.manager.application.SessionService.CreateResult;
import ai.backend.manager.application.SessionView;
import ai.backend.manager.domain.model.SessionStatus;
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
import jakarta.ws.rs.core.EntityPart;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Backend.AI's session API: create, list, inspect, execute in and destroy sessions. */
@RequestScoped
@Path("/session")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

  private static final int MAX_LIST = 1000;

  /** Maximum wait that {@code maxWaitSeconds} may request. */
  private static final int MAX_WAIT_SECONDS = 300;

  private static final long START_POLL_MILLIS = 200;

  private static final Set<SessionStatus> STARTING =
      EnumSet.of(SessionStatus.PENDING, SessionStatus.SCHEDULED, SessionStatus.PREPARING);

  @EJB private SessionService sessions;

  @EJB private ExecutionService execution;

  @EJB private KernelOperations operations;

  @EJB private AccessControl access;

  @Context private SecurityContext security;

  @Context private UriInfo uriInfo;

  private Caller caller() throws ManagerException {
    return Callers.of(security, uriInfo, access);
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public Response create(CreateSessionRequest body) throws ManagerException {
    if (body == null) {
      throw ManagerException.invalidParameters("the request body is missing: send a JSON object");
    }
    int maxWait = body.maxWaitSeconds() == null ? 0 : body.maxWaitSeconds();
    if (maxWait < 0 || maxWait > MAX_WAIT_SECONDS) {
      throw ManagerException.invalidParameters(
          "maxWaitSeconds " + maxWait + " is out of range: use 0 to " + MAX_WAIT_SECONDS);
    }
    CreateSessionRequest.Config config = body.config();
    Caller caller = caller();
    CreateResult result =
        sessions.create(
            caller,
            new CreateRequest(
                body.imageName(),
                body.sessionName(),
                body.type(),
                config == null ? null : config.resources(),
                config == null ? null : config.environ(),
                body.clusterSize(),
                body.group(),
                body.requestedScalingGroup(),
                config == null ? null : config.network()));
    SessionView session = result.session();
    if (maxWait > 0 && !Boolean.TRUE.equals(body.enqueueOnly())) {
      session = awaitStart(caller, session, Duration.ofSeconds(maxWait));
    }
    Map<String, Object> json = new LinkedHashMap<>(SessionJson.of(session));
    json.put("created", result.created());
    return Response.status(result.created() ? 201 : 200).entity(json).build();
  }

  /**
   * Waits until the session leaves PENDING, SCHEDULED and PREPARING, or the time is up, and returns
   * its latest state.
   */
  private SessionView awaitStart(Caller caller, SessionView session, Duration maxWait)
      throws ManagerException {
    long deadline = System.nanoTime() + maxWait.toNanos();
    SessionView current = session;
    while (STARTING.contains(current.status()) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(START_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      current = sessions.find(caller, current.id().toString());
    }
    return current;
  }

  @GET
  public Map<String, Object> list(
      @QueryParam("status") String status,
      @QueryParam("limit") String limit,
      @QueryParam("all") String all)
      throws ManagerException {
    boolean everything = parseFlag("all", all);
    SessionStatus filter = null;
    if (status != null && !status.isBlank()) {
      try {
        filter = SessionStatus.valueOf(status.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw ManagerException.invalidParameters(
            "invalid status '" + status + "': use one of " + List.of(SessionStatus.values()));
      }
    }
    int max = parseLimit(limit);
    Caller caller = caller();
    List<Map<String, Object>> items =
        sessions.list(caller, filter, max, everything).stream().map(SessionJson::of).toList();
    return Map.of("items", items, "totalCount", sessions.count(caller, filter, everything));
  }

  private static boolean parseFlag(String name, String value) throws ManagerException {
    if (value == null || value.isBlank() || value.equalsIgnoreCase("false") || value.equals("0")) {
      return false;
    }
    if (value.equalsIgnoreCase("true") || value.equals("1")) {
      return true;
    }
    throw ManagerException.invalidParameters(
        "invalid " + name + " '" + ManagerException.shorten(value) + "': use true or false");
  }

  private static int parseLimit(String limit) throws ManagerException {
    if (limit == null || limit.isBlank()) {
      return 100;
    }
    try {
      int max = Integer.parseInt(limit.trim());
      if (max >= 1 && max <= MAX_LIST) {
        return max;
      }
    } catch (NumberFormatException e) {
      // Reported below with the accepted range.
    }
    throw ManagerException.invalidParameters(
        "invalid limit '" + ManagerException.shorten(limit) + "': use 1 to " + MAX_LIST);
  }

  @GET
  @Path("{id}")
  public Map<String, Object> get(@PathParam("id") String id) throws ManagerException {
    return SessionJson.of(sessions.find(caller(), id));
  }

  @POST
  @Path("{id}")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> execute(@PathParam("id") String id, ExecuteRequestBody body)
      throws ManagerException {
    ExecuteRequestBody request =
        body == null ? new ExecuteRequestBody("query", "", null, null) : body;
    AgentReply.ExecuteResult result =
        execution.execute(
            caller(),
            id,
            new ExecuteRequest(request.mode(), request.code(), request.runId(), request.options()));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("runId", result.runId());
    json.put("status", result.status());
    json.put("console", result.console() == null ? List.of() : result.console());
    json.put("exitCode", result.exitCode());
    json.put("options", result.options());
    json.put("files", result.files() == null ? List.of() : result.files());
    return Map.of("result", json);
  }

  @DELETE
  @Path("{id}")
  public Map<String, Object> destroy(@PathParam("id") String id) throws ManagerException {
    SessionView session = sessions.destroy(caller(), id);
    return Map.of(
        "sessionId", session.id().toString(), "status", session.status().name(), "stats", Map.of());
  }

  @POST
  @Path("{id}/interrupt")
  public Response interrupt(@PathParam("id") String id) throws ManagerException {
    operations.interrupt(caller(), id);
    return Response.noContent().build();
  }

  @PATCH
  @Path("{id}")
  public Response restart(@PathParam("id") String id) throws ManagerException {
    operations.restart(caller(), id);
    return Response.noContent().build();
  }

  @POST
  @Path("{id}/complete")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> complete(@PathParam("id") String id, ExecuteRequestBody body)
      throws ManagerException {
    List<String> completions =
        operations.complete(
            caller(), id, body == null ? "" : body.code(), body == null ? null : body.options());
    return Map.of("result", completions);
  }

  @POST
  @Path("{id}/upload")
  @Consumes(MediaType.MULTIPART_FORM_DATA)
  public Response upload(@PathParam("id") String id, List<EntityPart> parts)
      throws ManagerException, IOException {
    List<UploadedFile> files = new ArrayList<>();
    for (EntityPart part : parts == null ? List.<EntityPart>of() : parts) {
      String fileName = part.getFileName().orElse(null);
      if (fileName == null) {
        throw ManagerException.invalidParameters(
            "multipart part '" + part.getName() + "' has no filename; name the destination path");
      }
      try (InputStream in = part.getContent()) {
        files.add(new UploadedFile(fileName, in.readAllBytes()));
      }
    }
    operations.upload(caller(), id, files);
    return Response.noContent().build();
  }

  @GET
  @Path("{id}/download")
  @Produces({MediaType.APPLICATION_OCTET_STREAM, "application/x-tar"})
  public Response download(@PathParam("id") String id, @QueryParam("file") List<String> files)
      throws ManagerException {
    Download download = operations.download(caller(), id, files);
    String safeName = download.fileName().replaceAll("[^A-Za-z0-9._-]", "_");
    return Response.ok(download.content())
        .type(download.archive() ? "application/x-tar" : MediaType.APPLICATION_OCTET_STREAM)
        .header("Content-Disposition", "attachment; filename=\"" + safeName + "\"")
        .build();
  }

  @GET
  @Path("{id}/files")
  public Map<String, Object> files(@PathParam("id") String id, @QueryParam("path") String path)
      throws ManagerException {
    FileList listing = operations.listFiles(caller(), id, path);
    return Map.of("path", listing.absPath(), "files", listing.files());
  }

  @GET
  @Path("{id}/logs")
  public Map<String, Object> logs(@PathParam("id") String id) throws ManagerException {
    return Map.of("result", Map.of("logs", operations.logs(caller(), id)));
  }
}
