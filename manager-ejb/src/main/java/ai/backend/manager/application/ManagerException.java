package ai.backend.manager.application;

import jakarta.ejb.ApplicationException;

/**
 * A failure of a request that the caller can act on. It names a Backend.AI problem type (the last
 * part of {@code https://api.backend.ai/probs/<type>}) and an HTTP status, and rolls the
 * transaction back.
 */
@ApplicationException(rollback = true)
public class ManagerException extends Exception {

  private final int httpStatus;
  private final String problemType;
  private final String title;

  public ManagerException(int httpStatus, String problemType, String title, String detail) {
    super(detail);
    this.httpStatus = httpStatus;
    this.problemType = problemType;
    this.title = title;
  }

  public static ManagerException invalidParameters(String detail) {
    return new ManagerException(400, "invalid-api-params", "Invalid API parameters", detail);
  }

  public static ManagerException sessionNotFound(String idOrName) {
    return new ManagerException(
        404,
        "session-not-found",
        "No such session",
        "no session '"
            + shorten(idOrName)
            + "' among the caller's sessions; list them with GET /session");
  }

  public static ManagerException imageNotFound(String image) {
    return new ManagerException(
        404,
        "image-not-found",
        "Unknown image",
        "image '"
            + shorten(image)
            + "' is not available on any live agent; build it with kernel-images/build-images.sh"
            + " or pick one that an agent reports");
  }

  public static ManagerException invalidState(String detail) {
    return new ManagerException(409, "invalid-session-state", "Invalid session state", detail);
  }

  public static ManagerException agentFailed(int status, String detail) {
    return new ManagerException(status, "agent-error", "Agent error", detail);
  }

  public static ManagerException kernelBusy(String detail) {
    return new ManagerException(409, "kernel-busy", "Kernel busy", detail);
  }

  /** Cuts a user-supplied value to a length fit for an error message. */
  public static String shorten(String value) {
    if (value == null) {
      return "null";
    }
    String printable = value.replaceAll("\\p{Cntrl}", "?");
    return printable.length() <= 100 ? printable : printable.substring(0, 97) + "...";
  }

  public int getHttpStatus() {
    return httpStatus;
  }

  public String getProblemType() {
    return problemType;
  }

  public String getTitle() {
    return title;
  }
}
