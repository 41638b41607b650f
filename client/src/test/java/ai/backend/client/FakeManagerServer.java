package ai.backend.client;

import ai.backend.common.auth.RequestSignature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A test double of the manager's REST API on a free loopback port.
 *
 * <p>It checks every request's signature as the manager does: it recomputes the signature with
 * {@link RequestSignature} from the method, the raw path and query, the {@code X-BackendAI-Date},
 * {@code Host}, {@code Content-Type} and {@code X-BackendAI-Version} headers and the SHA-256 of the
 * body bytes it received, and responds with 401 {@code auth-failed} when they differ. Sessions live
 * in memory: each {@code GET /session/{idOrName}} counts as one poll, and a session becomes RUNNING
 * (or the configured failure status) after {@link #setPollsUntilRunning} polls. Tests can script
 * the results of execution requests and replace any response.
 */
public final class FakeManagerServer implements AutoCloseable {

  /** The maximum difference between a request's date and the server clock. */
  static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(15);

  private static final String PROBLEM_JSON = "application/problem+json";

  /** One request as the server received it. */
  public record RecordedRequest(
      String method,
      String path,
      String query,
      Map<String, String> headers,
      byte[] body,
      boolean signatureValid) {

    /** Returns a header by its case-insensitive name, or null. */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** Returns the path with {@code ?query} when the request had one. */
    public String pathAndQuery() {
      return query == null ? path : path + "?" + query;
    }

    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        throw new IllegalStateException("request body is not JSON: " + bodyText(), e);
      }
    }
  }

  /** A scripted response. */
  public record Response(int status, String contentType, String body) {

    public static Response json(int status, String body) {
      return new Response(status, "application/json", body);
    }

    /** Creates a problem+json response as the manager sends for errors. */
    public static Response problem(int status, String kind, String title, String detail) {
      ObjectNode problem = MAPPER.createObjectNode();
      problem.put("type", BackendApiException.PROBLEM_TYPE_PREFIX + kind);
      problem.put("title", title);
      problem.put("status", status);
      problem.put("detail", detail);
      return new Response(status, PROBLEM_JSON, problem.toString());
    }
  }

  private static final class FakeSession {
    final String id = UUID.randomUUID().toString();
    String name;
    String image;
    String status = "PENDING";
    String statusInfo;
    String createdAt = OffsetDateTime.now().withNano(0).toString();
    String terminatedAt;
    int polls;
    JsonNode requestedSlots;
  }

  private record ScriptedResponse(String method, String pathPattern, Response response) {
    boolean matches(String requestMethod, String requestPath) {
      if (!method.equals(requestMethod)) {
        return false;
      }
      return pathPattern.endsWith("*")
          ? requestPath.startsWith(pathPattern.substring(0, pathPattern.length() - 1))
          : requestPath.equals(pathPattern);
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final HttpServer server;
  private final Map<String, String> keypairs = new LinkedHashMap<>();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final List<ScriptedResponse> scriptedResponses = new ArrayList<>();
  private final Deque<String> executeResults = new ArrayDeque<>();
  private final Map<String, FakeSession> sessions = new LinkedHashMap<>();
  private int pollsUntilRunning = 1;
  private String failureStatus;
  private String failureStatusInfo;

  private FakeManagerServer(String accessKey, String secretKey) throws IOException {
    // Without TCP_NODELAY, the JDK server's separate header and body writes meet the client's
    // delayed ACK, and every response takes about 40 ms more.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    keypairs.put(accessKey, secretKey);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a server that accepts one keypair. */
  public static FakeManagerServer start(String accessKey, String secretKey) throws IOException {
    return new FakeManagerServer(accessKey, secretKey);
  }

  /** Returns the base URL, such as {@code http://127.0.0.1:40123}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Returns a copy of the requests received so far, in order. */
  public synchronized List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /** Returns the received requests of one method whose path starts with a prefix. */
  public synchronized List<RecordedRequest> requests(String method, String pathPrefix) {
    return requests.stream()
        .filter(request -> request.method().equals(method) && request.path().startsWith(pathPrefix))
        .toList();
  }

  /**
   * Replaces the next response to a request. The pattern is an exact path, or a prefix ending in
   * {@code *}. Each scripted response is used once, in the order they were added.
   */
  public synchronized void enqueue(String method, String pathPattern, Response response) {
    scriptedResponses.add(new ScriptedResponse(method, pathPattern, response));
  }

  /**
   * Adds the {@code result} object of the next execution request. A missing {@code runId} is filled
   * in from the request.
   */
  public synchronized void enqueueExecuteResult(String resultJson) {
    executeResults.add(resultJson);
  }

  /** Sets how many session polls it takes for a new session to leave PENDING. */
  public synchronized void setPollsUntilRunning(int polls) {
    pollsUntilRunning = polls;
  }

  /** Makes new sessions end in a status such as ERROR in place of RUNNING. */
  public synchronized void failSessions(String status, String statusInfo) {
    failureStatus = status;
    failureStatusInfo = statusInfo;
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      String query = exchange.getRequestURI().getRawQuery();
      Map<String, String> headers = new LinkedHashMap<>();
      exchange
          .getRequestHeaders()
          .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));

      String authError = verifySignature(method, path, query, headers, body);
      Response response;
      synchronized (this) {
        requests.add(new RecordedRequest(method, path, query, headers, body, authError == null));
        if (authError != null) {
          response = Response.problem(401, "auth-failed", "Authorization failed", authError);
        } else {
          response = route(method, path, query, body);
        }
      }
      byte[] responseBody = response.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", response.contentType());
      exchange.sendResponseHeaders(
          response.status(), responseBody.length == 0 ? -1 : responseBody.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(responseBody);
      }
    }
  }

  /** Returns null for a valid signature, or the reason the manager would reject it. */
  private String verifySignature(
      String method, String path, String query, Map<String, String> headers, byte[] body) {
    RequestSignature.Credential credential;
    OffsetDateTime date;
    try {
      credential = RequestSignature.parseAuthorization(headers.get("authorization"));
      date = RequestSignature.parseDate(headers.get("x-backendai-date"));
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    if (!RequestSignature.SIGN_METHOD.equals(credential.signMethod())) {
      return "unsupported signing method " + credential.signMethod();
    }
    String secretKey = keypairs.get(credential.accessKey());
    if (secretKey == null) {
      return "unknown access key " + credential.accessKey();
    }
    if (Duration.between(date, OffsetDateTime.now()).abs().compareTo(MAX_CLOCK_SKEW) > 0) {
      return "the request date "
          + headers.get("x-backendai-date")
          + " is too far from the server clock";
    }
    RequestSignature.SignedRequest signed =
        new RequestSignature.SignedRequest(
            method,
            query == null ? path : path + "?" + query,
            headers.get("x-backendai-date"),
            headers.getOrDefault("host", ""),
            headers.get("content-type"),
            headers.get("x-backendai-version"),
            RequestSignature.sha256Hex(body));
    String expected = RequestSignature.sign(secretKey, signed);
    if (!RequestSignature.signaturesEqual(expected, credential.signature())) {
      return "the signature does not match the request";
    }
    return null;
  }

  private Response route(String method, String path, String query, byte[] body) {
    for (int i = 0; i < scriptedResponses.size(); i++) {
      if (scriptedResponses.get(i).matches(method, path)) {
        return scriptedResponses.remove(i).response();
      }
    }
    try {
      if (path.equals("/") && method.equals("GET")) {
        return Response.json(
            200, "{\"version\": \"" + RequestSignature.API_VERSION + "\", \"manager\": \"fake\"}");
      }
      if (path.equals("/session") && method.equals("GET")) {
        return listSessions(query);
      }
      if (path.equals("/session") && method.equals("POST")) {
        return createSession(MAPPER.readTree(body));
      }
      if (path.startsWith("/session/")) {
        FakeSession session = findSession(path.substring("/session/".length()));
        if (session == null) {
          return Response.problem(
              404,
              "session-not-found",
              "Session not found",
              "no session with the id or name " + path.substring("/session/".length()));
        }
        switch (method) {
          case "GET":
            return getSession(session);
          case "POST":
            return execute(MAPPER.readTree(body));
          case "DELETE":
            session.status = "TERMINATED";
            session.terminatedAt = OffsetDateTime.now().withNano(0).toString();
            return Response.json(
                200, "{\"sessionId\": \"" + session.id + "\", \"status\": \"TERMINATED\"}");
          default:
            break;
        }
      }
      return Response.problem(404, "not-found", "Not found", method + " " + path);
    } catch (IOException e) {
      return Response.problem(400, "invalid-api-params", "Invalid API parameters", e.getMessage());
    }
  }

  private Response createSession(JsonNode request) {
    String image = request.path("image").asText("");
    if (image.isEmpty()) {
      return Response.problem(
          400, "invalid-api-params", "Invalid API parameters", "image is missing");
    }
    if (image.equals("no-such-image")) {
      return Response.problem(404, "image-not-found", "Image not found", "unknown image " + image);
    }
    String name = request.path("name").asText(null);
    if (name != null) {
      FakeSession existing = findSession(name);
      if (existing != null && !existing.status.equals("TERMINATED")) {
        return Response.json(200, createdJson(existing, false));
      }
    }
    FakeSession session = new FakeSession();
    session.name = name == null ? "session-" + session.id.substring(0, 8) : name;
    session.image = image;
    JsonNode resources = request.path("config").path("resources");
    session.requestedSlots = resources.isObject() ? resources : MAPPER.createObjectNode();
    sessions.put(session.id, session);
    return Response.json(201, createdJson(session, true));
  }

  private static String createdJson(FakeSession session, boolean created) {
    ObjectNode json = MAPPER.createObjectNode();
    json.put("sessionId", session.id);
    json.put("sessionName", session.name);
    json.put("status", session.status);
    json.put("created", created);
    return json.toString();
  }

  private Response getSession(FakeSession session) {
    session.polls++;
    if (session.status.equals("PENDING") && session.polls >= pollsUntilRunning) {
      session.status = failureStatus == null ? "RUNNING" : failureStatus;
      session.statusInfo = failureStatusInfo;
    }
    return Response.json(200, sessionJson(session).toString());
  }

  private Response listSessions(String query) {
    String statusFilter =
        query != null && query.startsWith("status=") ? query.substring("status=".length()) : null;
    ArrayNode items = MAPPER.createArrayNode();
    for (FakeSession session : sessions.values()) {
      if (statusFilter == null || statusFilter.equals(session.status)) {
        items.add(sessionJson(session));
      }
    }
    ObjectNode list = MAPPER.createObjectNode();
    list.set("items", items);
    list.put("totalCount", items.size());
    return Response.json(200, list.toString());
  }

  private Response execute(JsonNode request) throws IOException {
    String runId = request.path("runId").asText();
    ObjectNode result;
    if (executeResults.isEmpty()) {
      result = MAPPER.createObjectNode();
      result.put("status", "finished");
      result.set("console", MAPPER.createArrayNode());
      result.put("exitCode", 0);
    } else {
      result = (ObjectNode) MAPPER.readTree(executeResults.removeFirst());
    }
    if (!result.has("runId")) {
      result.put("runId", runId);
    }
    ObjectNode response = MAPPER.createObjectNode();
    response.set("result", result);
    return Response.json(200, response.toString());
  }

  private FakeSession findSession(String idOrName) {
    FakeSession byId = sessions.get(idOrName);
    if (byId != null) {
      return byId;
    }
    FakeSession byName = null;
    for (FakeSession session : sessions.values()) {
      if (session.name.equals(idOrName)) {
        byName = session;
      }
    }
    return byName;
  }

  private static ObjectNode sessionJson(FakeSession session) {
    ObjectNode json = MAPPER.createObjectNode();
    json.put("sessionId", session.id);
    json.put("sessionName", session.name);
    json.put("image", session.image);
    json.put("status", session.status);
    json.put("statusInfo", session.statusInfo);
    json.put("createdAt", session.createdAt);
    json.put("terminatedAt", session.terminatedAt);
    json.put("agent", session.status.equals("RUNNING") ? "agent-1" : null);
    json.set(
        "occupiedSlots",
        session.status.equals("RUNNING") ? session.requestedSlots : MAPPER.createObjectNode());
    json.set("requestedSlots", session.requestedSlots);
    return json;
  }
}
