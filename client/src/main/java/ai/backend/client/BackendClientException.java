package ai.backend.client;

/**
 * A failure of a call to the manager: the manager is unreachable, a request timed out, or the
 * response is not what the API defines. Errors that the manager reports are {@link
 * BackendApiException}s.
 */
public class BackendClientException extends RuntimeException {

  public BackendClientException(String message) {
    super(message);
  }

  public BackendClientException(String message, Throwable cause) {
    super(message, cause);
  }
}
