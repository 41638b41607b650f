package ai.backend.client;

/**
 * An error response of the manager, with the fields of its {@code application/problem+json} body
 * (RFC 9457).
 */
public class BackendApiException extends BackendClientException {

  /** The prefix of the {@code type} URIs that the manager sends. */
  public static final String PROBLEM_TYPE_PREFIX = "https://api.backend.ai/probs/";

  private final int status;
  private final String type;
  private final String title;
  private final String detail;

  /**
   * Creates the exception for one error response.
   *
   * @param status the HTTP status code
   * @param type the problem type URI, or null when the body had none
   * @param title the short summary of the problem type
   * @param detail the explanation of this occurrence, or null
   */
  public BackendApiException(int status, String type, String title, String detail) {
    super(formatMessage(status, type, title, detail));
    this.status = status;
    this.type = type;
    this.title = title;
    this.detail = detail;
  }

  /** Returns the HTTP status code. */
  public int status() {
    return status;
  }

  /** Returns the problem type URI, or null when the manager sent none. */
  public String type() {
    return type;
  }

  /**
   * Returns the last part of a Backend.AI problem type URI ({@code session-not-found} for {@code
   * https://api.backend.ai/probs/session-not-found}), the whole type for other URIs, or null.
   */
  public String kind() {
    if (type == null) {
      return null;
    }
    return type.startsWith(PROBLEM_TYPE_PREFIX)
        ? type.substring(PROBLEM_TYPE_PREFIX.length())
        : type;
  }

  /** Returns the short summary of the problem type. */
  public String title() {
    return title;
  }

  /** Returns the explanation of this occurrence, or null when the manager sent none. */
  public String detail() {
    return detail;
  }

  private static String formatMessage(int status, String type, String title, String detail) {
    StringBuilder message =
        new StringBuilder(title == null || title.isBlank() ? "HTTP error" : title);
    if (detail != null && !detail.isBlank()) {
      message.append(": ").append(detail);
    }
    message.append(" (HTTP ").append(status);
    if (type != null && !type.isBlank()) {
      String kind =
          type.startsWith(PROBLEM_TYPE_PREFIX)
              ? type.substring(PROBLEM_TYPE_PREFIX.length())
              : type;
      message.append(", ").append(kind);
    }
    return message.append(')').toString();
  }
}
