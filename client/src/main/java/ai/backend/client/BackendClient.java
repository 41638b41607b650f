package ai.backend.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

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

  /**
   * The maximum total size of the files of one {@link #upload}, in bytes: 64 MiB, the manager's
   * default limit ({@code backendai.files.max-upload-bytes}).
   */
  public static final long MAX_UPLOAD_BYTES = 64L << 20;

  /**
   * The minimum time to wait for {@link #restart}: the manager waits up to its kernel start timeout
   * (180 s by default) plus 30 s for the agent.
   */
  public static final Duration RESTART_TIMEOUT = Duration.ofSeconds(240);

  /**
   * The minimum time to wait for {@link #upload} and {@link #download}: the manager gives the agent
   * 120 s, and the transfer between this client and the manager comes on top.
   */
  public static final Duration FILE_TRANSFER_TIMEOUT = Duration.ofSeconds(300);

  /**
   * The time added to {@link SessionSpec#maxWaitSeconds} for the response of {@link
   * #createSession}, for the manager's work before and after the wait.
   */
  public static final Duration CREATE_WAIT_MARGIN = Duration.ofSeconds(30);

  /** The media type of server-sent events. */
  private static final String EVENT_STREAM = "text/event-stream";

  private static final String UPLOAD_FIELD = "src";
  private static final String TAR = "application/x-tar";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final BackendClientConfig config;
  private final ObjectMapper mapper;
  private final SignedHttpTransport transport;
  private final AdminClient admin;

  public BackendClient(BackendClientConfig config) {
    this(config, Clock.systemUTC());
  }

  /** Creates a client that dates its requests by the given clock. */
  public BackendClient(BackendClientConfig config, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.mapper = newMapper();
    this.transport = new SignedHttpTransport(config, mapper, clock);
    this.admin = new AdminClient(transport, mapper);
  }

  private static ObjectMapper newMapper() {
    return new ObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
        .setSerializationInclusion(JsonInclude.Include.NON_NULL);
  }

  public BackendClientConfig config() {
    return config;
  }

  /** Returns the calls of the admin API, signed with this client's keypair. */
  public AdminClient admin() {
    return admin;
  }

  /**
   * Exchanges a user's password for a new keypair ({@code POST /auth/authorize}). The request is
   * not signed, so it needs no keypair, and the password travels only in its body. The manager
   * rejects a wrong password, an unknown user and an inactive user alike with 401 {@code
   * auth-failed}, and any login with 429 after 10 failed logins for one username within 15 minutes.
   *
   * @param endpoint the manager's base URL, such as {@link BackendClientConfig#loadEndpoint}
   *     returns
   * @param domain the user's domain, such as {@code default}
   * @param username the user's email or username
   * @return the new keypair, which expires after the manager's login keypair lifetime (24 hours by
   *     default)
   * @throws IllegalArgumentException if the domain, username or password is empty
   */
  public static LoginKeyPair authorize(
      URI endpoint, String domain, String username, String password) {
    Objects.requireNonNull(endpoint, "endpoint");
    if (domain == null || domain.isBlank()) {
      throw new IllegalArgumentException("the domain name is empty");
    }
    if (username == null || username.isBlank()) {
      throw new IllegalArgumentException("the username is empty");
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("the password is empty");
    }
    ObjectMapper mapper = newMapper();
    SignedHttpTransport transport =
        new SignedHttpTransport(
            endpoint,
            BackendClientConfig.DEFAULT_CONNECT_TIMEOUT,
            BackendClientConfig.DEFAULT_REQUEST_TIMEOUT,
            mapper);
    ObjectNode body = mapper.createObjectNode();
    body.put("type", "keypair");
    body.put("domain", domain.trim());
    body.put("username", username.trim());
    body.put("password", password);

    String requestLine = "POST /auth/authorize";
    JsonNode data = transport.sendUnsigned("POST", "/auth/authorize", body).get("data");
    if (data == null || !data.isObject()) {
      throw transport.unexpected(requestLine, "the 'data' object is missing");
    }
    LoginKeyPair keyPair = transport.convert(data, LoginKeyPair.class, requestLine);
    if (keyPair.accessKey() == null || keyPair.secretKey() == null) {
      throw transport.unexpected(requestLine, "the access key or the secret key is missing");
    }
    return keyPair;
  }

  /** Fetches the API version and the manager's release version ({@code GET /}). */
  public ApiVersion apiVersion() {
    return call("GET", "/", null, ApiVersion.class);
  }

  /**
   * Creates a session ({@code POST /session}). The session starts PENDING; use {@link
   * #waitUntilRunning} before running code in it. With {@link SessionSpec#maxWaitSeconds} the
   * manager responds once the session has started or failed, or when the wait is over, and this
   * call waits at least that long plus {@link #CREATE_WAIT_MARGIN}.
   */
  public SessionCreated createSession(SessionSpec spec) {
    String path = owned("/session");
    Duration timeout = config.requestTimeout();
    if (spec.maxWaitSeconds() != null && !Boolean.TRUE.equals(spec.enqueueOnly())) {
      timeout = atLeast(Duration.ofSeconds(spec.maxWaitSeconds()).plus(CREATE_WAIT_MARGIN));
    }
    JsonNode response = transport.send("POST", path, createSessionBody(spec), timeout);
    return transport.convert(response, SessionCreated.class, "POST " + path);
  }

  /** Fetches one session by id or name ({@code GET /session/{idOrName}}). */
  public SessionInfo getSession(String idOrName) {
    return call("GET", owned(sessionPath(idOrName)), null, SessionInfo.class);
  }

  /** Lists the caller's sessions ({@code GET /session}). */
  public SessionList listSessions() {
    return listSessions(null, false);
  }

  /**
   * Lists the caller's sessions in one status ({@code GET /session?status=...}).
   *
   * @param status a status such as {@code RUNNING}, or null for all sessions
   */
  public SessionList listSessions(String status) {
    return listSessions(status, false);
  }

  /**
   * Lists sessions ({@code GET /session?status=...&all=true}).
   *
   * @param status a status such as {@code RUNNING}, or null for sessions in any status
   * @param all true for every session the caller may reach: an admin's includes the sessions of the
   *     users of their domain, a superadmin's every session, a user's only their own
   */
  public SessionList listSessions(String status, boolean all) {
    StringBuilder path = new StringBuilder("/session");
    char separator = '?';
    if (status != null && !status.isBlank()) {
      path.append(separator).append("status=").append(PathSegments.encode(status.trim()));
      separator = '&';
    }
    if (all) {
      path.append(separator).append("all=true");
    }
    return call("GET", owned(path.toString()), null, SessionList.class);
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

    String path = owned(sessionPath(idOrName));
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
    return call("DELETE", owned(sessionPath(idOrName)), null, SessionDestroyed.class);
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
   * @param options options of the first request, such as {@code execTimeout} in seconds
   * @return the last step's status and exit code, with the output of all steps in order
   */
  public RunResult runCode(
      String idOrName, String code, String runId, Map<String, ?> options, RunListener listener) {
    return follow(idOrName, ExecutionMode.QUERY, code, runId, options, listener);
  }

  /**
   * Runs the session's batch commands on files uploaded before, and follows the run like {@link
   * #runCode(String, String, String, Map, RunListener)}. After {@code clean-finished} the run goes
   * on. After {@code build-finished} it goes on when the build's exit code is 0 or missing, and
   * ends otherwise, because the kernel skips the exec step of a failed build.
   *
   * @param options further options of the first request, such as {@code execTimeout} in seconds;
   *     the commands replace any {@code clean}, {@code build} and {@code exec} among them
   * @return the last step's status and exit code: {@code build-finished} with the build's exit code
   *     when the build failed
   */
  public RunResult runBatch(
      String idOrName,
      BatchCommands commands,
      String runId,
      Map<String, ?> options,
      RunListener listener) {
    Objects.requireNonNull(commands, "commands");
    Map<String, Object> batchOptions = new LinkedHashMap<>();
    if (options != null) {
      batchOptions.putAll(options);
    }
    batchOptions.remove("clean");
    batchOptions.remove("build");
    batchOptions.putAll(commands.toOptions());
    return follow(idOrName, ExecutionMode.BATCH, "", runId, batchOptions, listener);
  }

  private RunResult follow(
      String idOrName,
      ExecutionMode mode,
      String code,
      String runId,
      Map<String, ?> options,
      RunListener listener) {
    Objects.requireNonNull(listener, "listener");
    List<ConsoleItem> console = new ArrayList<>();
    ExecutionResult result = execute(idOrName, mode, code, runId, options);
    int steps = 1;
    while (true) {
      for (ConsoleItem item : result.console()) {
        console.add(item);
        listener.onConsole(item);
      }
      if (result.isWaitingInput()) {
        String line = listener.onInputRequest(result);
        result = execute(idOrName, ExecutionMode.INPUT, line, runId, Map.of());
      } else if (result.isContinued() || goesOnAfterStep(result, listener)) {
        result = execute(idOrName, ExecutionMode.CONTINUE, "", runId, Map.of());
      } else {
        return new RunResult(runId, result.status(), result.exitCode(), console, steps);
      }
      steps++;
    }
  }

  /**
   * Reports a finished clean or build step to the listener and returns true when the run goes on
   * with the next step.
   */
  private static boolean goesOnAfterStep(ExecutionResult result, RunListener listener) {
    boolean clean = ExecutionResult.CLEAN_FINISHED.equals(result.status());
    boolean build = ExecutionResult.BUILD_FINISHED.equals(result.status());
    if (!clean && !build) {
      return false;
    }
    listener.onStepFinished(result);
    return clean || result.exitCode() == null || result.exitCode() == 0;
  }

  /**
   * Sends SIGINT to the code running in a session ({@code POST /session/{idOrName}/interrupt}). The
   * manager does not wait for the code to stop, so only the run's next result shows whether it did.
   */
  public void interrupt(String idOrName) {
    transport.send("POST", owned(sessionPath(idOrName) + "/interrupt"), null);
  }

  /**
   * Restarts a session's kernel ({@code PATCH /session/{idOrName}}): the interpreter state is lost
   * and the files in {@code /home/work} stay. Waits at least {@link #RESTART_TIMEOUT}.
   */
  public void restart(String idOrName) {
    transport.send("PATCH", owned(sessionPath(idOrName)), null, atLeast(RESTART_TIMEOUT));
  }

  /**
   * Returns completions for the code before the cursor ({@code POST /session/{idOrName}/complete}).
   *
   * @param options Backend.AI's completion options, such as {@code post}, {@code line}, {@code row}
   *     and {@code col}, or null for none
   * @return the matches in the kernel's order, empty when the kernel has none
   */
  public List<String> complete(String idOrName, String code, Map<String, ?> options) {
    ObjectNode body = mapper.createObjectNode();
    body.put("code", code == null ? "" : code);
    body.set("options", mapper.valueToTree(options == null ? Map.of() : options));
    String path = owned(sessionPath(idOrName) + "/complete");
    JsonNode result = transport.send("POST", path, body).get("result");
    if (result == null || !result.isArray()) {
      throw unexpected("POST " + path, "the 'result' list is missing");
    }
    List<String> completions = new ArrayList<>();
    result.forEach(item -> completions.add(item.asText()));
    return completions;
  }

  /**
   * Uploads local files into a session's {@code /home/work} ({@code POST
   * /session/{idOrName}/upload}) as one {@code multipart/form-data} request. Existing files are
   * overwritten and missing folders created.
   *
   * <p>All files are checked and read before anything is sent, and the request body is built in
   * memory, because the signature covers its bytes.
   *
   * @param files each destination path, relative to {@code /home/work} such as {@code src/util.c},
   *     with the local file to send, following symbolic links
   * @throws IllegalArgumentException if there are no files, a destination path is invalid (see
   *     {@link SessionPaths#requireRelative}), a local file is missing or not a regular file, or
   *     the files total more than {@link #MAX_UPLOAD_BYTES}
   * @throws BackendClientException if a local file cannot be read
   */
  public void upload(String idOrName, Map<String, Path> files) {
    Map<String, byte[]> contents = readUploadFiles(files);
    MultipartFormData body = MultipartFormData.ofFiles(UPLOAD_FIELD, contents);
    transport.sendBytes(
        "POST",
        owned(sessionPath(idOrName) + "/upload"),
        body.contentType(),
        body.bytes(),
        atLeast(FILE_TRANSFER_TIMEOUT));
  }

  private static Map<String, byte[]> readUploadFiles(Map<String, Path> files) {
    if (files == null || files.isEmpty()) {
      throw new IllegalArgumentException("no files to upload");
    }
    long total = 0;
    for (Map.Entry<String, Path> file : files.entrySet()) {
      SessionPaths.requireRelative(file.getKey());
      Path local = file.getValue();
      if (!Files.isRegularFile(local)) {
        throw new IllegalArgumentException(
            Files.exists(local)
                ? "cannot upload " + local + ": it is not a regular file"
                : "cannot upload " + local + ": the file does not exist");
      }
      try {
        total += Files.size(local);
      } catch (IOException e) {
        throw new BackendClientException("cannot read " + local + ": " + e.getMessage(), e);
      }
    }
    if (total > MAX_UPLOAD_BYTES) {
      throw new IllegalArgumentException(
          "the files total "
              + total
              + " bytes, over the upload limit of "
              + MAX_UPLOAD_BYTES
              + " bytes (64 MiB); upload fewer or smaller files");
    }
    Map<String, byte[]> contents = new LinkedHashMap<>();
    for (Map.Entry<String, Path> file : files.entrySet()) {
      try {
        contents.put(file.getKey(), Files.readAllBytes(file.getValue()));
      } catch (IOException e) {
        throw new BackendClientException(
            "cannot read " + file.getValue() + ": " + e.getMessage(), e);
      }
    }
    return contents;
  }

  /**
   * Downloads files from a session ({@code GET /session/{idOrName}/download}) into a local folder,
   * which is created when it is missing.
   *
   * <p>The manager sends one regular file as it is, and it is written under the file name that the
   * manager gives. Several files, or a folder, come as a tar archive that is extracted below the
   * folder with the entries' relative paths. The archive is checked first: an absolute path or a
   * {@code ..} segment rejects it before anything is written, and links in it are skipped. No write
   * follows a symbolic link in the target folder, and existing files are overwritten.
   *
   * @param files paths relative to {@code /home/work}
   * @return the files written, and the archive entries that were skipped
   * @throws BackendClientException if the response cannot be written safely
   */
  public DownloadResult download(String idOrName, List<String> files, Path targetDir) {
    if (files == null || files.isEmpty()) {
      throw new IllegalArgumentException("no files to download");
    }
    Objects.requireNonNull(targetDir, "targetDir");
    StringBuilder path = new StringBuilder(sessionPath(idOrName)).append("/download");
    char separator = '?';
    for (String file : files) {
      path.append(separator).append("file=").append(PathSegments.encode(file));
      separator = '&';
    }
    String pathAndQuery = owned(path.toString());
    String requestLine = "GET " + pathAndQuery;
    HttpResponse<byte[]> response =
        transport.fetch("GET", pathAndQuery, "*/*", atLeast(FILE_TRANSFER_TIMEOUT));
    String contentType = response.headers().firstValue("Content-Type").orElse("");
    if (contentType.toLowerCase(Locale.ROOT).startsWith(TAR)) {
      return TarExtractor.extract(response.body(), targetDir, requestLine);
    }
    return writeSingleFile(response, files, targetDir, requestLine);
  }

  /** Writes a download that is one file, named by its {@code Content-Disposition} header. */
  private DownloadResult writeSingleFile(
      HttpResponse<byte[]> response, List<String> files, Path targetDir, String requestLine) {
    String fileName = attachmentFileName(response);
    if (fileName == null) {
      if (files.size() != 1) {
        throw unexpected(
            requestLine,
            "expected a tar archive for several files, got "
                + response.headers().firstValue("Content-Type").orElse("no Content-Type"));
      }
      String requested = files.get(0);
      fileName = requested.substring(requested.lastIndexOf('/') + 1);
    }
    if (fileName.isEmpty()
        || fileName.equals(".")
        || fileName.equals("..")
        || fileName.contains("/")
        || fileName.contains("\\")
        || fileName.indexOf('\0') >= 0) {
      throw unexpected(requestLine, "invalid file name '" + SessionPaths.printable(fileName) + "'");
    }
    try {
      Path written = new SafeFileWriter(targetDir).write(fileName, response.body(), -1);
      return new DownloadResult(List.of(written), List.of());
    } catch (IOException | InvalidPathException e) {
      throw new BackendClientException(
          "failed to write " + fileName + " from " + requestLine + ": " + e.getMessage(), e);
    }
  }

  /** Lists one folder of a session ({@code GET /session/{idOrName}/files?path=...}). */
  public FileListing listFiles(String idOrName, String path) {
    String folder = path == null || path.isBlank() ? "." : path;
    return call(
        "GET",
        owned(sessionPath(idOrName) + "/files?path=" + PathSegments.encode(folder)),
        null,
        FileListing.class);
  }

  /** Returns the log of a session's kernel container ({@code GET /session/{idOrName}/logs}). */
  public String logs(String idOrName) {
    String path = owned(sessionPath(idOrName) + "/logs");
    JsonNode logs = transport.send("GET", path, null).path("result").get("logs");
    if (logs == null || !logs.isTextual()) {
      throw unexpected("GET " + path, "the 'result.logs' text is missing");
    }
    return logs.asText();
  }

  /** Lists the kernel images that sessions can use ({@code GET /images}). */
  public ImageList images() {
    return call("GET", "/images", null, ImageList.class);
  }

  /** Lists the resource presets, which every keypair may read ({@code GET /resource/presets}). */
  public List<ResourcePreset> resourcePresets() {
    JsonNode response = transport.send("GET", "/resource/presets", null);
    return transport.convertList(
        response, "presets", ResourcePreset.class, "GET /resource/presets");
  }

  /**
   * Checks which resource presets a new session of this keypair could use now ({@code POST
   * /resource/check-presets}), with the keypair's limits and usage. With an owner access key in the
   * configuration, the check is for the owner's keypair.
   *
   * @param scalingGroup the scaling group to check, or null for the manager's default
   */
  public PresetCheck checkPresets(String scalingGroup) {
    ObjectNode body = mapper.createObjectNode();
    if (scalingGroup != null && !scalingGroup.isBlank()) {
      body.put("scaling_group", scalingGroup.trim());
    }
    return call("POST", owned("/resource/check-presets"), body, PresetCheck.class);
  }

  /**
   * Opens the stream of session events ({@code GET /events/session}): one {@link SessionEvent} for
   * each status change of the sessions the caller may reach, from now on. With an owner access key
   * in the configuration, the stream has the events of the owner's sessions.
   *
   * <p>The configured request timeout covers only the wait for the manager's first response, and an
   * open stream has no timeout. Close the stream when done, from any thread.
   *
   * @param sessionNameOrId a session name or id to follow only that session, or null for all
   * @throws BackendApiException if the manager rejects the request, such as 404 {@code
   *     session-not-found} for an unknown session or 503 when the node serves too many streams
   */
  public SessionEventStream openSessionEvents(String sessionNameOrId) {
    String path = "/events/session";
    if (sessionNameOrId != null && !sessionNameOrId.isBlank()) {
      path += "?name=" + PathSegments.encode(sessionNameOrId.trim());
    }
    String pathAndQuery = owned(path);
    String requestLine = "GET " + pathAndQuery;
    HttpResponse<InputStream> response =
        transport.openStream(pathAndQuery, EVENT_STREAM, config.requestTimeout());
    String contentType = response.headers().firstValue("Content-Type").orElse("");
    if (!contentType.toLowerCase(Locale.ROOT).startsWith(EVENT_STREAM)) {
      try {
        response.body().close();
      } catch (IOException e) {
        // Closing only frees the connection, because the response is rejected anyway.
      }
      throw unexpected(
          requestLine,
          "expected "
              + EVENT_STREAM
              + ", got "
              + (contentType.isEmpty() ? "no Content-Type" : contentType));
    }
    return new SessionEventStream(response.body(), mapper, requestLine, config.endpoint());
  }

  /**
   * Streams session events to a listener like {@link #openSessionEvents}, on the calling thread,
   * until the manager ends the stream. An exception that the listener raises closes the stream and
   * propagates. To stop from another thread, use {@link #openSessionEvents} and close the stream,
   * because interrupting the thread does not wake it (see {@link SessionEventStream}).
   *
   * @param sessionNameOrId a session name or id to follow only that session, or null for all
   * @throws BackendClientException if the connection fails
   */
  public void streamSessionEvents(String sessionNameOrId, Consumer<SessionEvent> listener) {
    Objects.requireNonNull(listener, "listener");
    try (SessionEventStream stream = openSessionEvents(sessionNameOrId)) {
      SessionEvent event;
      while ((event = stream.next()) != null) {
        listener.accept(event);
      }
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
    if (spec.network() != null && !spec.network().isBlank()) {
      sessionConfig.put("network", spec.network().trim());
    }
    if (!sessionConfig.isEmpty()) {
      body.set("config", sessionConfig);
    }
    if (spec.scalingGroup() != null && !spec.scalingGroup().isBlank()) {
      body.put("scalingGroup", spec.scalingGroup().trim());
    }
    if (spec.enqueueOnly() != null) {
      body.put("enqueueOnly", spec.enqueueOnly());
    }
    if (spec.maxWaitSeconds() != null) {
      body.put("maxWaitSeconds", spec.maxWaitSeconds());
    }
    return body;
  }

  private <T> T call(String method, String path, Object body, Class<T> type) {
    JsonNode response = transport.send(method, path, body);
    return transport.convert(response, type, method + " " + path);
  }

  private Duration atLeast(Duration minimum) {
    return config.requestTimeout().compareTo(minimum) >= 0 ? config.requestTimeout() : minimum;
  }

  private BackendClientException unexpected(String requestLine, String problem) {
    return new BackendClientException(
        "unexpected response to " + requestLine + " from " + config.endpoint() + ": " + problem);
  }

  /**
   * Returns the file name of a {@code Content-Disposition: attachment} header, preferring RFC
   * 6266's {@code filename*=UTF-8''...} over {@code filename="..."}, or null when there is none.
   */
  static String attachmentFileName(HttpResponse<?> response) {
    String header = response.headers().firstValue("Content-Disposition").orElse(null);
    return header == null ? null : ContentDisposition.fileName(header);
  }

  /**
   * Adds {@code owner_access_key} to the query of a session call or a preset check when the
   * configuration names an owner. The signature covers the query, so the parameter is part of the
   * signed path.
   */
  private String owned(String pathAndQuery) {
    String owner = config.ownerAccessKey();
    if (owner == null) {
      return pathAndQuery;
    }
    char separator = pathAndQuery.indexOf('?') < 0 ? '?' : '&';
    return pathAndQuery + separator + "owner_access_key=" + PathSegments.encode(owner);
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
