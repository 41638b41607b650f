package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.ManagerException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import jakarta.ejb.EJBException;
import jakarta.persistence.OptimisticLockException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.stream.Collectors;
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
      String detail;
      if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
        String field =
            mapping.getPath().stream()
                .map(
                    reference ->
                        reference.getFieldName() != null
                            ? reference.getFieldName()
                            : "[" + reference.getIndex() + "]")
                .collect(Collectors.joining("."));
        detail =
            "field '"
                + field
                + "' has the wrong type: see the API documentation for its shape, for example"
                + " config.resources is an object such as {\"cpu\": \"1\", \"mem\": \"512m\"}";
      } else if (e instanceof JsonMappingException) {
        detail = "the request body must be a JSON object";
      } else {
        detail =
            "the request body is not valid JSON"
                + (e.getLocation() == null
                    ? ""
                    : " (line "
                        + e.getLocation().getLineNr()
                        + ", column "
                        + e.getLocation().getColumnNr()
                        + ")");
      }
      return Problem.response(400, "invalid-api-params", "Invalid API parameters", detail);
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
      String allowed = e.getResponse().getHeaderString("Allow");
      String type;
      String detail;
      switch (status) {
        case 404 -> {
          type = "generic-not-found";
          detail = "no such API path; see the API documentation for the available paths";
        }
        case 405 -> {
          type = "method-not-allowed";
          detail =
              "this method is not allowed on this path"
                  + (allowed == null ? "" : "; allowed: " + allowed);
        }
        case 415 -> {
          type = "unsupported-media-type";
          detail =
              "unsupported Content-Type; send application/json"
                  + " (multipart/form-data for uploads)";
        }
        case 406 -> {
          type = "not-acceptable";
          detail = "the Accept header rules out every type this path returns; accept JSON";
        }
        case 400 -> {
          type = "invalid-api-params";
          detail = "the request is malformed";
        }
        default -> {
          type = "generic-error";
          detail = "the request failed with HTTP status " + status;
        }
      }
      Response.Status known = Response.Status.fromStatusCode(status);
      Response response =
          Problem.response(status, type, known == null ? "Error" : known.getReasonPhrase(), detail);
      return allowed == null
          ? response
          : Response.fromResponse(response).header("Allow", allowed).build();
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
      if (isConcurrentUpdate(cause)) {
        LOG.infof("Concurrent update of a session; the client is asked to retry: %s", cause);
        return Problem.response(
            409,
            "concurrent-update",
            "Concurrent update",
            "the session changed while this request ran; retry the request");
      }
      return new UnexpectedMapper().toResponse(cause);
    }
  }

  private static boolean isConcurrentUpdate(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof OptimisticLockException) {
        return true;
      }
    }
    return false;
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
