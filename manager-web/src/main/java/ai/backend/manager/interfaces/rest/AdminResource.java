package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.KeyPairService;
import ai.backend.manager.application.KeyPairService.IssuedKeyPair;
import ai.backend.manager.application.ManagerException;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** Administration calls, open to admin keypairs only. */
@RequestScoped
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

  @EJB private KeyPairService keyPairs;

  @Context private SecurityContext security;

  /** Body of {@code POST /admin/keypairs}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CreateKeyPairRequest(String userId, Boolean isAdmin) {}

  /** Creates a keypair for a user; the response is the only place its secret key ever appears. */
  @POST
  @Path("keypairs")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response createKeyPair(CreateKeyPairRequest body) throws ManagerException {
    if (!security.isUserInRole("admin")) {
      throw new ManagerException(
          403, "forbidden", "Forbidden", "only admin keypairs may create keypairs");
    }
    if (body == null || body.userId() == null || body.userId().isBlank()) {
      throw ManagerException.invalidParameters("userId is missing: name the keypair's user");
    }
    if (body.userId().length() > 255) {
      throw ManagerException.invalidParameters("userId is longer than 255 characters");
    }
    if (body.userId().chars().anyMatch(Character::isISOControl)) {
      throw ManagerException.invalidParameters(
          "userId contains control characters; use a name or an email address");
    }
    IssuedKeyPair issued =
        keyPairs.create(body.userId().trim(), Boolean.TRUE.equals(body.isAdmin()));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("accessKey", issued.accessKey());
    json.put("secretKey", issued.secretKey());
    json.put("userId", issued.userId());
    json.put("isAdmin", issued.admin());
    return Response.status(201).entity(json).build();
  }
}
