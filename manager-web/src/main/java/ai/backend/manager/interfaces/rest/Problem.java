package ai.backend.manager.interfaces.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** An RFC 9457 problem details body with Backend.AI's problem types. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail) {

  public static final String MEDIA_TYPE = "application/problem+json";
  private static final String TYPE_BASE = "https://api.backend.ai/probs/";

  /** Builds the response for a problem of the given type (the last part of its URI). */
  public static Response response(int status, String type, String title, String detail) {
    return builder(status, type, title, detail).build();
  }

  /** Starts the response for a problem, for callers that add headers. */
  public static Response.ResponseBuilder builder(
      int status, String type, String title, String detail) {
    return Response.status(status)
        .type(MediaType.valueOf(MEDIA_TYPE))
        .entity(new Problem(TYPE_BASE + type, title, status, detail));
  }
}
