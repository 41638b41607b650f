package ai.backend.client;

import ai.backend.common.auth.RequestSignature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

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
 *
 * <p>Each session also has files in memory, which {@code upload}, {@code download} and {@code
 * files} use, checking paths and the upload limit as the manager does. Requests are handled on a
 * thread pool, so a test hook may send a request while another one is in progress.
 *
 * <p>Sessions belong to the keypair that created them, or to the one that {@code owner_access_key}
 * names; {@code GET /session} lists the owner's sessions, or every session with {@code all=true}.
 * The admin API, {@code POST /auth/authorize} and the {@code /resource} calls are served by {@link
 * FakeAdminApi}, whose keypairs sign requests here like the first one. {@code POST /auth/authorize}
 * is the only call accepted without a signature.
 *
 * <p>{@code GET /events/session} sends the server-sent event text that {@link #setEventStream}
 * scripts, chunk by chunk with a pause before each, and then either ends the response or keeps it
 * open with a comment line every {@link #KEEPALIVE_INTERVAL} until the client closes it.
 */
public final class FakeManagerServer implements AutoCloseable {

  /** The maximum difference between a request's date and the server clock. */
  static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(15);

  /** The pause between two comment lines of an event stream that stays open. */
  static final Duration KEEPALIVE_INTERVAL = Duration.ofMillis(100);

  private static final String PROBLEM_JSON = "application/problem+json";

  /** The result of {@link #route} for a request that gets the scripted event stream. */
  private static final Response EVENT_STREAM =
      new Response(200, "text/event-stream", new byte[0], Map.of());

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

  /** A scripted response, with extra headers such as {@code Content-Disposition}. */
  public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {

    public Response(int status, String contentType, String body) {
      this(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    public static Response json(int status, String body) {
      return new Response(status, "application/json", body);
    }

    /** Creates a 204 response without a body. */
    public static Response noContent() {
      return new Response(204, "application/json", new byte[0], Map.of());
    }

    /** Creates a 200 response with a binary body. */
    public static Response bytes(String contentType, byte[] body, Map<String, String> headers) {
      return new Response(200, contentType, body, headers);
    }

    /** Returns a copy with one more header, such as {@code Retry-After}. */
    public Response withHeader(String name, String value) {
      Map<String, String> newHeaders = new LinkedHashMap<>(headers);
      newHeaders.put(name, value);
      return new Response(status, contentType, body, newHeaders);
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

  /** One part of a {@code multipart/form-data} body. */
  public record Part(String name, String filename, String contentType, byte[] content) {}

  private static final class FakeSession {
    final String id = UUID.randomUUID().toString();
    final Map<String, byte[]> files = new TreeMap<>();
    String logs = "";
    String name;
    String image;
    String status = "PENDING";
    String statusInfo;
    String createdAt = OffsetDateTime.now().withNano(0).toString();
    String terminatedAt;
    int polls;
    JsonNode requestedSlots;
    String owner;
    String scalingGroup;
  }

  /** What {@code GET /events/session} sends; see {@link #setEventStream}. */
  private record EventScript(Duration pause, boolean end, List<String> chunks) {}

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
  private final Map<String, String> keypairs = new ConcurrentHashMap<>();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final List<ScriptedResponse> scriptedResponses = new ArrayList<>();
  private final Deque<String> executeResults = new ArrayDeque<>();
  private final Map<String, FakeSession> sessions = new LinkedHashMap<>();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private Consumer<RecordedRequest> requestHook = request -> {};
  private List<String> completions = List.of();
  private long maxUploadBytes = 64L << 20;
  private int pollsUntilRunning = 1;
  private String failureStatus;
  private String failureStatusInfo;
  private EventScript eventScript = new EventScript(Duration.ZERO, false, List.of());
  private int openEventStreams;
  private final FakeAdminApi admin;

  private FakeManagerServer(String accessKey, String secretKey) throws IOException {
    // Without TCP_NODELAY, the JDK server's separate header and body writes meet the client's
    // delayed ACK, and every response takes about 40 ms more.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    keypairs.put(accessKey, secretKey);
    admin =
        new FakeAdminApi(
            keypairs,
            accessKey,
            this::hasLiveSessions,
            this::liveSessionsIn,
            this::pendingSessionsIn);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
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

  /**
   * Sets code that receives each request after its signature check and before the response, outside
   * the server's lock, such as a simulated Ctrl-C that sends a request of its own.
   */
  public synchronized void setRequestHook(Consumer<RecordedRequest> hook) {
    requestHook = hook;
  }

  /** Sets the result of {@code POST /session/{id}/complete}. */
  public synchronized void setCompletions(List<String> items) {
    completions = List.copyOf(items);
  }

  /** Sets the limit of the total size of one upload, in bytes. */
  public synchronized void setMaxUploadBytes(long bytes) {
    maxUploadBytes = bytes;
  }

  /**
   * Scripts {@code GET /events/session}: the response sends each chunk as it is and flushes it,
   * waiting {@code pause} before each chunk after the first, so that one event can be split across
   * reads.
   *
   * @param end true to end the response after the last chunk, false to keep it open with comment
   *     lines until the client closes it
   */
  public synchronized void setEventStream(Duration pause, boolean end, String... chunks) {
    eventScript = new EventScript(pause, end, List.of(chunks));
  }

  /** Returns the number of event streams whose client has not closed them yet. */
  public synchronized int openEventStreams() {
    return openEventStreams;
  }

  /**
   * Adds or replaces an agent of {@code GET /admin/agents}.
   *
   * @param status {@code ALIVE} or {@code LOST}
   * @param memory bytes
   */
  public synchronized void putAgent(
      String id,
      String status,
      String scalingGroup,
      String cpu,
      String memory,
      String freeCpu,
      String freeMemory) {
    admin.putAgent(id, status, scalingGroup, cpu, memory, freeCpu, freeMemory);
  }

  /** Sets the JSON object of {@code GET /admin/scheduler}. */
  public synchronized void setSchedulerMetrics(String json) throws IOException {
    admin.setSchedulerMetrics(json);
  }

  /** Stores a file in a session, as if the code had written it. */
  public synchronized void putFile(String idOrName, String path, byte[] content) {
    requireSession(idOrName).files.put(path, content);
  }

  /** Returns a copy of a session's files by path. */
  public synchronized Map<String, byte[]> files(String idOrName) {
    return new TreeMap<>(requireSession(idOrName).files);
  }

  /** Sets the text of {@code GET /session/{id}/logs}. */
  public synchronized void setLogs(String idOrName, String logs) {
    requireSession(idOrName).logs = logs;
  }

  private FakeSession requireSession(String idOrName) {
    FakeSession session = findSession(idOrName);
    if (session == null) {
      throw new IllegalArgumentException("no session " + idOrName);
    }
    return session;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
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

      boolean unsigned = method.equals("POST") && path.equals("/auth/authorize");
      String authError = unsigned ? null : verifySignature(method, path, query, headers, body);
      String caller = null;
      if (authError == null && !unsigned) {
        caller = RequestSignature.parseAuthorization(headers.get("authorization")).accessKey();
        synchronized (this) {
          authError = admin.inactiveReason(caller);
        }
      }
      RecordedRequest request =
          new RecordedRequest(method, path, query, headers, body, authError == null);
      Consumer<RecordedRequest> hook;
      synchronized (this) {
        requests.add(request);
        hook = requestHook;
      }
      hook.accept(request);
      Response response;
      EventScript script;
      synchronized (this) {
        if (authError != null) {
          response = Response.problem(401, "auth-failed", "Authorization failed", authError);
        } else {
          response = route(caller, method, path, query, headers, body);
        }
        script = eventScript;
      }
      if (response == EVENT_STREAM) {
        sendEventStream(exchange, script);
        return;
      }
      byte[] responseBody = response.body();
      exchange.getResponseHeaders().set("Content-Type", response.contentType());
      response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      exchange.sendResponseHeaders(
          response.status(), responseBody.length == 0 ? -1 : responseBody.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(responseBody);
      }
    }
  }

  /** Sends a scripted event stream, outside the server's lock. */
  private void sendEventStream(HttpExchange exchange, EventScript script) throws IOException {
    synchronized (this) {
      openEventStreams++;
    }
    try {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      for (int i = 0; i < script.chunks().size(); i++) {
        if (i > 0) {
          Thread.sleep(script.pause().toMillis());
        }
        out.write(script.chunks().get(i).getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      if (script.end()) {
        out.close();
        return;
      }
      // A write fails once the client has closed the connection.
      while (true) {
        Thread.sleep(KEEPALIVE_INTERVAL.toMillis());
        out.write(": keep-alive\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException clientClosed) {
      // The client closed the stream, which is how every open stream ends.
    } catch (InterruptedException serverStopped) {
      Thread.currentThread().interrupt();
    } finally {
      synchronized (this) {
        openEventStreams--;
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

  private Response route(
      String caller,
      String method,
      String path,
      String query,
      Map<String, String> headers,
      byte[] body) {
    for (int i = 0; i < scriptedResponses.size(); i++) {
      if (scriptedResponses.get(i).matches(method, path)) {
        return scriptedResponses.remove(i).response();
      }
    }
    String contentType = headers.get("content-type");
    try {
      if (path.startsWith("/admin/")
          || path.startsWith("/auth/")
          || path.startsWith("/resource/")) {
        return admin.route(caller, method, path, query, headers, body);
      }
      String owner = caller;
      if (path.equals("/session") || path.startsWith("/session/")) {
        List<String> owners = queryValues(query, "owner_access_key");
        owner = owners.isEmpty() ? caller : owners.get(0);
        String ownerError = ownerError(caller, owner);
        if (ownerError != null) {
          return Response.problem(403, "forbidden", "Forbidden", ownerError);
        }
      }
      if (path.equals("/") && method.equals("GET")) {
        return Response.json(
            200, "{\"version\": \"" + RequestSignature.API_VERSION + "\", \"manager\": \"fake\"}");
      }
      if (path.equals("/session") && method.equals("GET")) {
        return listSessions(query, owner);
      }
      if (path.equals("/session") && method.equals("POST")) {
        return createSession(MAPPER.readTree(body), owner);
      }
      if (path.equals("/images") && method.equals("GET")) {
        return images();
      }
      if (path.equals("/events/session") && method.equals("GET")) {
        List<String> names = queryValues(query, "name");
        if (!names.isEmpty() && findSession(names.get(0)) == null) {
          return Response.problem(
              404,
              "session-not-found",
              "No such session",
              "no session '" + names.get(0) + "' among the caller's sessions");
        }
        return EVENT_STREAM;
      }
      if (path.startsWith("/session/")) {
        String rest = path.substring("/session/".length());
        int slash = rest.indexOf('/');
        String idOrName = decode(slash < 0 ? rest : rest.substring(0, slash));
        FakeSession session = findSession(idOrName);
        if (session == null) {
          return Response.problem(
              404,
              "session-not-found",
              "Session not found",
              "no session with the id or name " + idOrName);
        }
        if (slash >= 0) {
          return routeSessionOperation(
              session, method + " " + rest.substring(slash + 1), query, contentType, body);
        }
        switch (method) {
          case "GET":
            return getSession(session);
          case "POST":
            return execute(MAPPER.readTree(body));
          case "PATCH":
            return Response.noContent();
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

  private Response routeSessionOperation(
      FakeSession session, String operation, String query, String contentType, byte[] body)
      throws IOException {
    switch (operation) {
      case "POST interrupt":
        return Response.noContent();
      case "POST complete":
        ObjectNode result = MAPPER.createObjectNode();
        result.set("result", MAPPER.valueToTree(completions));
        return Response.json(200, result.toString());
      case "POST upload":
        return upload(session, contentType, body);
      case "GET download":
        return download(session, queryValues(query, "file"));
      case "GET files":
        List<String> paths = queryValues(query, "path");
        return listFiles(session, paths.isEmpty() ? "." : paths.get(0));
      case "GET logs":
        ObjectNode logs = MAPPER.createObjectNode();
        logs.putObject("result").put("logs", session.logs);
        return Response.json(200, logs.toString());
      default:
        return Response.problem(404, "not-found", "Not found", operation);
    }
  }

  private Response upload(FakeSession session, String contentType, byte[] body) {
    List<Part> parts;
    try {
      parts = parseMultipart(contentType, body);
    } catch (IllegalArgumentException e) {
      return invalidParameters(e.getMessage());
    }
    long total = 0;
    Map<String, byte[]> received = new LinkedHashMap<>();
    for (Part part : parts) {
      if (!"src".equals(part.name()) || part.filename() == null) {
        return invalidParameters("unexpected part '" + part.name() + "' without a file name");
      }
      String error = pathError(part.filename());
      if (error != null) {
        return invalidParameters(error);
      }
      total += part.content().length;
      if (total > maxUploadBytes) {
        return Response.problem(
            413,
            "request-too-large",
            "Request too large",
            "the upload is over the limit of " + maxUploadBytes + " bytes");
      }
      received.put(part.filename(), part.content());
    }
    session.files.putAll(received);
    return Response.noContent();
  }

  private Response download(FakeSession session, List<String> paths) throws IOException {
    if (paths.isEmpty()) {
      return invalidParameters("no files named: give one or more 'file' query parameters");
    }
    for (String path : paths) {
      String error = pathError(path);
      if (error != null) {
        return invalidParameters(error);
      }
      if (!session.files.containsKey(path)) {
        return Response.problem(404, "file-not-found", "File not found", "no file " + path);
      }
    }
    if (paths.size() == 1) {
      String path = paths.get(0);
      return Response.bytes(
          "application/octet-stream",
          session.files.get(path),
          Map.of(
              "Content-Disposition",
              "attachment; filename=\"" + path.substring(path.lastIndexOf('/') + 1) + "\""));
    }
    Map<String, byte[]> selected = new LinkedHashMap<>();
    for (String path : paths) {
      selected.put(path, session.files.get(path));
    }
    return Response.bytes("application/x-tar", tarOf(selected), Map.of());
  }

  /** Builds a tar archive of regular files with mode 644, as the agent sends downloads. */
  public static byte[] tarOf(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(buffer)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
        entry.setSize(file.getValue().length);
        entry.setMode(0100644);
        tar.putArchiveEntry(entry);
        tar.write(file.getValue());
        tar.closeArchiveEntry();
      }
    }
    return buffer.toByteArray();
  }

  private Response listFiles(FakeSession session, String folder) {
    String prefix = folder.equals(".") ? "" : folder + "/";
    if (!prefix.isEmpty()) {
      String error = pathError(folder);
      if (error != null) {
        return invalidParameters(error);
      }
    }
    Map<String, ObjectNode> entries = new TreeMap<>();
    for (Map.Entry<String, byte[]> file : session.files.entrySet()) {
      if (!file.getKey().startsWith(prefix)) {
        continue;
      }
      String rest = file.getKey().substring(prefix.length());
      int slash = rest.indexOf('/');
      ObjectNode entry = MAPPER.createObjectNode();
      entry.put("filename", slash < 0 ? rest : rest.substring(0, slash));
      entry.put("type", slash < 0 ? "file" : "dir");
      entry.put("size", slash < 0 ? file.getValue().length : 4096);
      entry.put("mode", slash < 0 ? "644" : "755");
      entry.put("mtime", "2026-12-04T15:27:01.123456+00:00");
      entries.putIfAbsent(entry.get("filename").asText(), entry);
    }
    if (!prefix.isEmpty() && entries.isEmpty()) {
      return Response.problem(404, "file-not-found", "File not found", "no folder " + folder);
    }
    ObjectNode listing = MAPPER.createObjectNode();
    listing.put("path", prefix.isEmpty() ? "/home/work" : "/home/work/" + folder);
    listing.set("files", MAPPER.valueToTree(entries.values()));
    return Response.json(200, listing.toString());
  }

  private static Response images() {
    return Response.json(
        200,
        "{\"items\": [{\"name\": \"backendai/python:3.11-debian12\","
            + " \"aliases\": [\"python:3.11-debian12\", \"python:3.11\", \"python\"],"
            + " \"runtimeType\": \"python\", \"labels\": {\"ai.backend.runtime-type\": \"python\"},"
            + " \"minSlots\": {\"cpu\": \"1\", \"mem\": \"268435456\"}},"
            + " {\"name\": \"backendai/c:12-debian12\", \"aliases\": [\"c\"],"
            + " \"runtimeType\": \"c\", \"labels\": {},"
            + " \"minSlots\": {\"cpu\": \"1\", \"mem\": \"134217728\"}}]}");
  }

  private static Response invalidParameters(String detail) {
    return Response.problem(400, "invalid-api-params", "Invalid API parameters", detail);
  }

  /** Returns why the manager rejects a file path, or null when it accepts it. */
  private static String pathError(String path) {
    if (path.isEmpty() || path.startsWith("/")) {
      return "file path '" + path + "' is absolute or empty; give it relative to /home/work";
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return "file path '"
            + path
            + "' has an empty, '.' or '..' segment; paths must stay inside /home/work";
      }
    }
    return null;
  }

  /** Returns the decoded values of one query parameter, in order. */
  static List<String> queryValues(String query, String name) {
    List<String> values = new ArrayList<>();
    if (query == null) {
      return values;
    }
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0 && pair.substring(0, equals).equals(name)) {
        values.add(decode(pair.substring(equals + 1)));
      }
    }
    return values;
  }

  private static String decode(String encoded) {
    return URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /**
   * Parses a {@code multipart/form-data} body (RFC 7578) strictly: CRLF line ends, a {@code
   * Content-Disposition} header in each part, and the closing delimiter at the end.
   *
   * @throws IllegalArgumentException if the body does not have that form
   */
  public static List<Part> parseMultipart(String contentType, byte[] body) {
    if (contentType == null || !contentType.startsWith("multipart/form-data; boundary=")) {
      throw new IllegalArgumentException("not multipart/form-data with a boundary: " + contentType);
    }
    byte[] delimiter =
        ("--" + contentType.substring("multipart/form-data; boundary=".length()))
            .getBytes(StandardCharsets.US_ASCII);
    List<Part> parts = new ArrayList<>();
    int position = expect(body, 0, delimiter);
    while (true) {
      if (startsWith(body, position, "--\r\n".getBytes(StandardCharsets.US_ASCII))) {
        if (position + 4 != body.length) {
          throw new IllegalArgumentException("data after the closing delimiter");
        }
        return parts;
      }
      position = expect(body, position, "\r\n".getBytes(StandardCharsets.US_ASCII));
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), position);
      if (headersEnd < 0) {
        throw new IllegalArgumentException("a part has no end of headers");
      }
      String headers = new String(body, position, headersEnd - position, StandardCharsets.UTF_8);
      int contentStart = headersEnd + 4;
      byte[] nextDelimiter =
          ("\r\n" + new String(delimiter, StandardCharsets.US_ASCII))
              .getBytes(StandardCharsets.US_ASCII);
      int contentEnd = indexOf(body, nextDelimiter, contentStart);
      if (contentEnd < 0) {
        throw new IllegalArgumentException("a part has no closing delimiter");
      }
      parts.add(toPart(headers, Arrays.copyOfRange(body, contentStart, contentEnd)));
      position = contentEnd + nextDelimiter.length;
    }
  }

  private static Part toPart(String headers, byte[] content) {
    String name = null;
    String filename = null;
    String partType = null;
    for (String header : headers.split("\r\n")) {
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-disposition: form-data;")) {
        name = parameter(header, "name");
        filename = parameter(header, "filename");
      } else if (lower.startsWith("content-type:")) {
        partType = header.substring("content-type:".length()).trim();
      } else {
        throw new IllegalArgumentException("unexpected part header '" + header + "'");
      }
    }
    if (name == null) {
      throw new IllegalArgumentException("a part has no Content-Disposition name");
    }
    return new Part(name, filename, partType, content);
  }

  private static String parameter(String header, String name) {
    String marker = "; " + name + "=\"";
    int start = header.indexOf(marker);
    if (start < 0) {
      return null;
    }
    int valueStart = start + marker.length();
    int end = header.indexOf('"', valueStart);
    return end < 0 ? null : header.substring(valueStart, end);
  }

  private static int expect(byte[] body, int position, byte[] expected) {
    if (!startsWith(body, position, expected)) {
      throw new IllegalArgumentException(
          "expected '"
              + new String(expected, StandardCharsets.US_ASCII).replace("\r\n", "\\r\\n")
              + "' at byte "
              + position);
    }
    return position + expected.length;
  }

  private static boolean startsWith(byte[] body, int position, byte[] prefix) {
    if (position + prefix.length > body.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (body[position + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] body, byte[] needle, int from) {
    for (int i = from; i <= body.length - needle.length; i++) {
      if (startsWith(body, i, needle)) {
        return i;
      }
    }
    return -1;
  }

  /** Returns why the caller may not act on the owner's sessions, or null when it may. */
  private String ownerError(String caller, String owner) {
    if (owner.equals(caller)) {
      return null;
    }
    String role = admin.roleOf(caller);
    if (!"admin".equals(role) && !"superadmin".equals(role)) {
      return "only admins may act on behalf of another keypair";
    }
    return admin.roleOf(owner) == null ? "the owner access key is outside your reach" : null;
  }

  private synchronized boolean hasLiveSessions(String accessKey) {
    return sessions.values().stream()
        .anyMatch(
            session -> accessKey.equals(session.owner) && !session.status.equals("TERMINATED"));
  }

  private synchronized long liveSessionsIn(String scalingGroup) {
    return sessions.values().stream()
        .filter(
            session ->
                scalingGroup.equals(session.scalingGroup) && !session.status.equals("TERMINATED"))
        .count();
  }

  private synchronized long pendingSessionsIn(String scalingGroup) {
    return sessions.values().stream()
        .filter(
            session ->
                scalingGroup.equals(session.scalingGroup) && session.status.equals("PENDING"))
        .count();
  }

  private Response createSession(JsonNode request, String owner) {
    String image = request.path("image").asText("");
    if (image.isEmpty()) {
      return Response.problem(
          400, "invalid-api-params", "Invalid API parameters", "image is missing");
    }
    int maxWait = request.path("maxWaitSeconds").asInt(0);
    if (maxWait < 0 || maxWait > 300) {
      return invalidParameters("maxWaitSeconds " + maxWait + " is out of range: use 0 to 300");
    }
    String scalingGroup = request.path("scalingGroup").asText("default");
    String scalingGroupError = admin.scalingGroupError(scalingGroup);
    if (scalingGroupError != null) {
      return invalidParameters(scalingGroupError);
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
    session.owner = owner;
    session.name = name == null ? "session-" + session.id.substring(0, 8) : name;
    session.image = image;
    session.scalingGroup = scalingGroup;
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

  private Response listSessions(String query, String owner) {
    List<String> statuses = queryValues(query, "status");
    String statusFilter = statuses.isEmpty() ? null : statuses.get(0);
    boolean all = queryValues(query, "all").contains("true");
    ArrayNode items = MAPPER.createArrayNode();
    for (FakeSession session : sessions.values()) {
      if ((all || owner.equals(session.owner))
          && (statusFilter == null || statusFilter.equals(session.status))) {
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
    json.put("scalingGroup", session.scalingGroup);
    json.put("agent", session.status.equals("RUNNING") ? "agent-1" : null);
    json.set(
        "occupiedSlots",
        session.status.equals("RUNNING") ? session.requestedSlots : MAPPER.createObjectNode());
    json.set("requestedSlots", session.requestedSlots);
    return json;
  }
}
