package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.AccessControl;
import ai.backend.manager.application.Caller;
import ai.backend.manager.application.ManagerException;
import ai.backend.manager.application.PolicyService;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/** Backend.AI's {@code /resource} calls: the presets, and what the caller can still allocate. */
@RequestScoped
@Path("/resource")
@Produces(MediaType.APPLICATION_JSON)
public class ResourcePresetResource {

  @EJB private AccessControl access;

  @EJB private PolicyService policies;

  @Context private SecurityContext security;

  @Context private UriInfo uriInfo;

  /** Body of {@code POST /resource/check-presets}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CheckPresetsRequest(
      @JsonProperty("scaling_group") String scalingGroup, String group) {}

  @GET
  @Path("presets")
  public Map<String, Object> presets() throws ManagerException {
    Callers.of(security, uriInfo, access);
    return Map.of(
        "presets",
        policies.listPresets().stream()
            .map(
                preset -> {
                  Map<String, Object> json = new LinkedHashMap<>();
                  json.put("name", preset.get("name"));
                  json.put("resource_slots", preset.get("resourceSlots"));
                  json.put("shared_memory", null);
                  return json;
                })
            .toList());
  }

  @POST
  @Path("check-presets")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> checkPresets(CheckPresetsRequest body) throws ManagerException {
    Caller caller = Callers.of(security, uriInfo, access);
    return policies.checkPresets(
        caller.ownerAccessKey(), body == null ? null : body.scalingGroup());
  }
}
