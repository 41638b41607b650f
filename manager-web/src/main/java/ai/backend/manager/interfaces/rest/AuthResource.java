package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.AccountService;
import ai.backend.manager.application.AccountService.Login;
import ai.backend.manager.application.ManagerException;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/** Password logins: {@code POST /auth/authorize} exchanges a password for a new keypair. */
@RequestScoped
@Path("/auth")
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

  @EJB private AccountService accounts;

  @POST
  @Path("authorize")
  @Consumes(MediaType.APPLICATION_JSON)
  public Map<String, Object> authorize(Map<String, Object> body) throws ManagerException {
    Login login = accounts.authorize(body);
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("access_key", login.issued().accessKey());
    data.put("secret_key", login.issued().secretKey());
    data.put("role", login.role());
    data.put("status", login.status());
    data.put("expires_at", login.issued().expiresAt().toString());
    return Map.of("data", data);
  }
}
