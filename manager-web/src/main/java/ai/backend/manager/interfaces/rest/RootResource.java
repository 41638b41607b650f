package ai.backend.manager.interfaces.rest;

import ai.backend.common.auth.RequestSignature;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** {@code GET /}: the API version, the only call that needs no signature. */
@RequestScoped
@Path("/")
public class RootResource {

  /** Version of the manager itself. */
  static final String MANAGER_VERSION = "0.1.0";

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, String> version() {
    return Map.of("version", RequestSignature.API_VERSION, "manager", MANAGER_VERSION);
  }
}
