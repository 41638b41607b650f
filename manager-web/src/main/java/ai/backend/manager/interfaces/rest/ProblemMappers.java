package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.ManagerException;
import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ejb.EJBException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

/** Turns every exception into a problem details response, in one place. */
public final class ProblemMappers {

  private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

  private ProblemMappers() {}

  /** Business failures carry their own status and type. */
  @Provider
  public static class ManagerExceptionMapper implements ExceptionMapper<ManagerException> {
    @Override
    public Response toResponse(ManagerException e) {
      return Problem.response(e.getHttpStatus(), e.getProblemType(), e.getTitle(), e.getMessage());
    }
  }

  /** Malformed JSON bodies. */
  @Provider
  public static class JsonMapper implements ExceptionMapper<JsonProcessingException> {
    @Override
    public Response toResponse(JsonProcessingException e) {
      return Problem.response(
          400,
          "invalid-api-params",
          "Invalid API parameters",
          "the request body is not valid JSON of the expected shape: " + e.getOriginalMessage());
    }
  }

  /** Errors that JAX-RS raises itself: unknown paths, wrong methods, bad media types. */
  @Provider
  public static class WebApplicationMapper implements ExceptionMapper<WebApplicationException> {
    @Override
    public Response toResponse(WebApplicationException e) {
      int status = e.getResponse().getStatus();
      if (e.getCause() instanceof JsonProcessingException json) {
        return new JsonMapper().toResponse(json);
      }
      String type =
          switch (status) {
            case 404 -> "generic-not-found";
            case 405 -> "method-not-allowed";
            case 400 -> "invalid-api-params";
            default -> "generic-error";
          };
      return Problem.response(
          status,
          type,
          Response.Status.fromStatusCode(status) == null
              ? "Error"
              : Response.Status.fromStatusCode(status).getReasonPhrase(),
          e.getMessage());
    }
  }

  /** EJB wrappers around business failures and anything unexpected. */
  @Provider
  public static class EjbMapper implements ExceptionMapper<EJBException> {
    @Override
    public Response toResponse(EJBException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof ManagerException managerException) {
        return new ManagerExceptionMapper().toResponse(managerException);
      }
      return new UnexpectedMapper().toResponse(cause);
    }
  }

  /** Anything else is a server bug: logged with its stack trace, reported without it. */
  @Provider
  public static class UnexpectedMapper implements ExceptionMapper<Throwable> {
    @Override
    public Response toResponse(Throwable e) {
      if (e instanceof WebApplicationException web) {
        return new WebApplicationMapper().toResponse(web);
      }
      LOG.errorf(e, "Unexpected error while handling a request");
      return Problem.response(
          500,
          "internal-server-error",
          "Internal server error",
          "the manager failed unexpectedly; its log has the details");
    }
  }
}
