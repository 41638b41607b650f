package ai.backend.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A client of the manager's REST API. Each call signs its request with the configured keypair and
 * blocks until the manager responds.
 *
 * <p>Calls raise {@link BackendApiException} for error responses and {@link BackendClientException}
 * when the manager cannot be reached or its response does not match the API. Instances are safe to
 * share between threads.
 */
public final class BackendClient {

  /** The first pause between two polls of {@link #waitUntilRunning(String, Duration)}. */
  public static final Duration INITIAL_POLL_INTERVAL = Duration.ofMillis(250);

  /** The maximum pause between two polls of {@link #waitUntilRunning(String, Duration)}. */
  public static final Duration MAX_POLL_INTERVAL = Duration.ofMillis(500);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final BackendClientConfig config;
  private final ObjectMapper mapper;
  private final SignedHttpTransport transport;

  public BackendClient(BackendClientConfig config) {
    this(config, Clock.systemUTC());
  }

  /** Creates a client that dates its requests by the given clock. */
  public BackendClient(BackendClientConfig config, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.mapper =
        new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    this.transport = new SignedHttpTransport(config, mapper, clock);
  }

  public BackendClientConfig config() {
    return config;
  }

  /** Fetches the API version and the manager's release version ({@code GET /}). */
  public ApiVersion apiVersion() {
    return call("GET", "/", null, ApiVersion.class);
  }

  /**
   * Creates a session ({@code POST /session}). The session starts PENDING; use {@link
   * #waitUntilRunning} before running code in it.
   */
  public SessionCreated createSession(SessionSpec spec) {
    return call("POST", "/session", createSessionBody(spec), SessionCreated.class);
  }

  /** Fetches one session by id or name ({@code GET /session/{idOrName}}). */
  public SessionInfo getSession(String idOrName) {
    return call("GET", sessionPath(idOrName), null, SessionInfo.class);
  }

  /** Lists the caller's sessions ({@code GET /session}). */
  public SessionList listSessions() {
    return call("GET", "/session", null, SessionList.class);
  }

  /**
   * Lists the caller's sessions in one status ({@code GET /session?status=...}).
   *
   * @param status a status such as {@code RUNNING}, or null for all sessions
   */
  public SessionList listSessions(String status) {
    if (status == null || status.isBlank()) {
      return listSessions();
    }
    String path = "/session?status=" + PathSegments.encode(status.trim());
    return call("GET", path, null, SessionList.class);
  }

  /**
   * Sends one execution request ({@code POST /session/{idOrName}}) and returns its result.
   *
   * @param mode {@code query} to start a run, {@code continue} to fetch more output of a {@code
   *     continued} run, or {@code input} to send a line of input after {@code waiting-input}
   * @param code the code for {@code query}, the input line for {@code input}, empty for {@code
   *     continue}
   * @param runId the client-chosen id that every request of one run carries
   * @param options extra options of the kernel, or null for none
   */
  public ExecutionResult execute(
      String idOrName, ExecutionMode mode, String code, String runId, Map<String, ?> options) {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(runId, "runId");
    ObjectNode body = mapper.createObjectNode();
    body.put("mode", mode.wireName());
    body.put("code", code == null ? "" : code);
    body.put("runId", runId);
    body.set("options", mapper.valueToTree(options == null ? Map.of() : options));

    String path = sessionPath(idOrName);
    JsonNode response = transport.send("POST", path, body);
    JsonNode result = response.get("result");
    if (result == null || !result.isObject()) {
      throw new BackendClientException(
          "unexpected response to POST "
              + path
              + " from "
              + config.endpoint()
              + ": the 'result' object is missing");
    }
    return transport.convert(result, ExecutionResult.class, "POST " + path);
  }

  /** Destroys a session ({@code DELETE /session/{idOrName}}). */
  public SessionDestroyed destroySession(String idOrName) {
    return call("DELETE", sessionPath(idOrName), null, SessionDestroyed.class);
  }

  /**
   * Polls a session until it is RUNNING, pausing from {@link #INITIAL_POLL_INTERVAL} up to {@link
   * #MAX_POLL_INTERVAL} between polls.
   *
   * @return the session as last fetched, with status RUNNING
   * @throws SessionFailedException if the session becomes ERROR, CANCELLED, TERMINATING or
   *     TERMINATED, with the manager's status info in the message
   * @throws BackendClientException if the session is not RUNNING when the timeout has passed
   */
  public SessionInfo waitUntilRunning(String idOrName, Duration timeout) {
    return waitUntilRunning(idOrName, timeout, INITIAL_POLL_INTERVAL, MAX_POLL_INTERVAL);
  }

  /** Polls like {@link #waitUntilRunning(String, Duration)} with the given pauses. */
  public SessionInfo waitUntilRunning(
      String idOrName, Duration timeout, Duration initialInterval, Duration maxInterval) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Duration interval = initialInterval;
    SessionInfo session = getSession(idOrName);
    while (!session.isRunning()) {
      if (session.isDead()) {
        throw new SessionFailedException(session);
      }
      long remainingNanos = deadline - System.nanoTime();
      if (remainingNanos <= 0) {
        throw new BackendClientException(timeoutMessage(idOrName, timeout, session));
      }
      sleep(Math.min(interval.toNanos(), remainingNanos));
      Duration doubled = interval.multipliedBy(2);
      interval = doubled.compareTo(maxInterval) > 0 ? maxInterval : doubled;
      session = getSession(idOrName);
    }
    return session;
  }

  /** Runs code with a new run id and no options, following the run to its end. */
  public RunResult runCode(String idOrName, String code, RunListener listener) {
    return runCode(idOrName, code, newRunId(), Map.of(), listener);
  }

  /**
   * Runs code in query mode and follows the run to its end: after a {@code continued} result it
   * sends {@code continue} requests with the same run id and empty code, and after {@code
   * waiting-input} it sends the listener's input line in {@code input} mode. The listener receives
   * each output record as soon as its response arrives.
   *
   * @return the last step's status and exit code, with the output of all steps in order
   */
  public RunResult runCode(
      String idOrName, String code, String runId, Map<String, ?> options, RunListener listener) {
    Objects.requireNonNull(listener, "listener");
    List<ConsoleItem> console = new ArrayList<>();
    ExecutionResult result = execute(idOrName, ExecutionMode.QUERY, code, runId, options);
    int steps = 1;
    while (true) {
      for (ConsoleItem item : result.console()) {
        console.add(item);
        listener.onConsole(item);
      }
      if (result.isContinued()) {
        result = execute(idOrName, ExecutionMode.CONTINUE, "", runId, Map.of());
      } else if (result.isWaitingInput()) {
        String line = listener.onInputRequest(result);
        result = execute(idOrName, ExecutionMode.INPUT, line, runId, Map.of());
      } else {
        return new RunResult(runId, result.status(), result.exitCode(), console, steps);
      }
      steps++;
    }
  }

  /** Returns a new random run id of 16 hex digits, as Backend.AI's clients choose them. */
  public static String newRunId() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private ObjectNode createSessionBody(SessionSpec spec) {
    ObjectNode body = mapper.createObjectNode();
    body.put("image", spec.image());
    if (spec.name() != null && !spec.name().isBlank()) {
      body.put("name", spec.name());
    }
    body.put("type", spec.type());
    ObjectNode sessionConfig = mapper.createObjectNode();
    if (!spec.resources().isEmpty()) {
      sessionConfig.set("resources", mapper.valueToTree(spec.resources()));
    }
    if (!spec.environ().isEmpty()) {
      sessionConfig.set("environ", mapper.valueToTree(spec.environ()));
    }
    if (!sessionConfig.isEmpty()) {
      body.set("config", sessionConfig);
    }
    return body;
  }

  private <T> T call(String method, String path, Object body, Class<T> type) {
    JsonNode response = transport.send(method, path, body);
    return transport.convert(response, type, method + " " + path);
  }

  private static String sessionPath(String idOrName) {
    if (idOrName == null || idOrName.isBlank()) {
      throw new IllegalArgumentException("the session id or name is empty");
    }
    return "/session/" + PathSegments.encode(idOrName.trim());
  }

  private static String timeoutMessage(String idOrName, Duration timeout, SessionInfo session) {
    String message =
        "timed out after "
            + Durations.format(timeout)
            + " waiting for session "
            + idOrName
            + " to become RUNNING; it is still "
            + session.status();
    String statusInfo = session.statusInfo();
    return statusInfo == null || statusInfo.isBlank() ? message : message + " (" + statusInfo + ")";
  }

  private static void sleep(long nanos) {
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendClientException("interrupted while waiting for a session to start", e);
    }
  }
}
