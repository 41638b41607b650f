package ai.backend.client;

import ai.backend.common.auth.RequestSignature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Sends signed JSON requests to the manager and turns its responses into JSON trees or {@link
 * BackendApiException}s. A transport created without a keypair sends only unsigned requests, for
 * {@code POST /auth/authorize}.
 */
final class SignedHttpTransport {

  static final String JSON = "application/json";

  /** ISO-8601 with a numeric offset, so UTC is written {@code +00:00} and not {@code Z}. */
  private static final DateTimeFormatter REQUEST_DATE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx");

  private static final int MAX_ERROR_BODY_CHARS = 300;

  /** The maximum number of bytes read from the body of an error response to a stream request. */
  private static final int MAX_ERROR_READ_BYTES = 64 * 1024;

  /** The keypair that signs requests, or null for a transport of unsigned requests only. */
  private final BackendClientConfig config;

  private final URI endpoint;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final HttpClient http;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final String userAgent;

  SignedHttpTransport(BackendClientConfig config, ObjectMapper mapper, Clock clock) {
    this(
        config, config.endpoint(), config.connectTimeout(), config.requestTimeout(), mapper, clock);
  }

  /** Creates a transport without a keypair, which can send only unsigned requests. */
  SignedHttpTransport(
      URI endpoint, Duration connectTimeout, Duration requestTimeout, ObjectMapper mapper) {
    this(null, endpoint, connectTimeout, requestTimeout, mapper, Clock.systemUTC());
  }

  private SignedHttpTransport(
      BackendClientConfig config,
      URI endpoint,
      Duration connectTimeout,
      Duration requestTimeout,
      ObjectMapper mapper,
      Clock clock) {
    this.config = config;
    this.endpoint = endpoint;
    this.connectTimeout = connectTimeout;
    this.requestTimeout = requestTimeout;
    this.mapper = mapper;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    String version = SignedHttpTransport.class.getPackage().getImplementationVersion();
    this.userAgent = "Backend.AI Client for Java/" + (version == null ? "dev" : version);
  }

  /**
   * Sends one request and returns the parsed JSON body of a successful response.
   *
   * @param method the HTTP method
   * @param pathAndQuery the path below the endpoint, starting with {@code /}, with its encoded
   *     query string when there is one
   * @param body the object to send as JSON, or null to send no body
   * @return the response body, or a missing node when the body is empty
   * @throws BackendApiException if the manager responds with an error status
   * @throws BackendClientException if the manager cannot be reached or its response is not JSON
   */
  JsonNode send(String method, String pathAndQuery, Object body) {
    return send(method, pathAndQuery, body, requestTimeout);
  }

  /** Sends a JSON request like {@link #send(String, String, Object)} with its own timeout. */
  JsonNode send(String method, String pathAndQuery, Object body, Duration timeout) {
    byte[] bodyBytes = body == null ? null : writeJson(body);
    HttpResponse<byte[]> response =
        exchange(method, pathAndQuery, body == null ? null : JSON, bodyBytes, JSON, timeout, true);
    return parseBody(response.body(), method + " " + pathAndQuery);
  }

  /**
   * Sends a JSON request without a signature like {@link #send(String, String, Object)}: with the
   * {@code X-BackendAI-Version} header, but without {@code Authorization} and {@code
   * X-BackendAI-Date}. Only {@code POST /auth/authorize} accepts such a request.
   */
  JsonNode sendUnsigned(String method, String pathAndQuery, Object body) {
    byte[] bodyBytes = body == null ? null : writeJson(body);
    HttpResponse<byte[]> response =
        exchange(
            method,
            pathAndQuery,
            body == null ? null : JSON,
            bodyBytes,
            JSON,
            requestTimeout,
            false);
    return parseBody(response.body(), method + " " + pathAndQuery);
  }

  /**
   * Sends a request with a body of any type, signed over exactly these bytes, and returns the
   * parsed JSON body of a successful response.
   */
  JsonNode sendBytes(
      String method, String pathAndQuery, String contentType, byte[] body, Duration timeout) {
    HttpResponse<byte[]> response =
        exchange(method, pathAndQuery, contentType, body, JSON, timeout, true);
    return parseBody(response.body(), method + " " + pathAndQuery);
  }

  /**
   * Sends a request without a body and returns the successful response as it is, for responses that
   * are not JSON, such as downloaded files.
   *
   * @param accept the {@code Accept} header
   * @throws BackendApiException if the manager responds with an error status
   */
  HttpResponse<byte[]> fetch(String method, String pathAndQuery, String accept, Duration timeout) {
    return exchange(method, pathAndQuery, null, null, accept, timeout, true);
  }

  /**
   * Sends a signed {@code GET} request for a streamed body, such as server-sent events, and returns
   * the successful response as soon as its headers have arrived. The caller reads the body stream
   * and closes it. The timeout covers only the wait for the headers, because the JDK's HTTP client
   * stops its request timer then (checked with JDK 17), so a stream may stay idle for any time.
   *
   * @param accept the {@code Accept} header, such as {@code text/event-stream}
   * @throws BackendApiException if the manager responds with an error status
   */
  HttpResponse<InputStream> openStream(String pathAndQuery, String accept, Duration timeout) {
    PreparedRequest prepared = prepare("GET", pathAndQuery, null, null, accept, timeout, true);
    HttpResponse<InputStream> response =
        httpSend(
            prepared.request(),
            HttpResponse.BodyHandlers.ofInputStream(),
            prepared.requestLine(),
            timeout);
    if (response.statusCode() / 100 == 2) {
      return response;
    }
    byte[] errorBody;
    try (InputStream body = response.body()) {
      errorBody = body.readNBytes(MAX_ERROR_READ_BYTES);
    } catch (IOException e) {
      // The status alone still makes a useful error, so a body that cannot be read is left out.
      errorBody = new byte[0];
    }
    throw toApiException(response.statusCode(), errorBody);
  }

  /**
   * Sends one request, signed unless {@code signed} is false, and returns a response with a 2xx
   * status.
   *
   * @param contentType the body's type, or null when there is no body
   * @param body the body bytes, which the signature covers exactly, or null to send no body
   * @throws IllegalStateException if a signed request is asked of a transport without a keypair
   */
  private HttpResponse<byte[]> exchange(
      String method,
      String pathAndQuery,
      String contentType,
      byte[] body,
      String accept,
      Duration timeout,
      boolean signed) {
    PreparedRequest prepared =
        prepare(method, pathAndQuery, contentType, body, accept, timeout, signed);
    HttpResponse<byte[]> response =
        httpSend(
            prepared.request(),
            HttpResponse.BodyHandlers.ofByteArray(),
            prepared.requestLine(),
            timeout);
    if (response.statusCode() / 100 != 2) {
      throw toApiException(response.statusCode(), response.body());
    }
    return response;
  }

  /** A request ready to send, with its method and signed path for messages. */
  private record PreparedRequest(HttpRequest request, String requestLine) {}

  /** Builds a request with the API headers, signed unless {@code signed} is false. */
  private PreparedRequest prepare(
      String method,
      String pathAndQuery,
      String contentType,
      byte[] body,
      String accept,
      Duration timeout,
      boolean signed) {
    byte[] bodyBytes = body == null ? new byte[0] : body;
    URI uri = URI.create(endpoint.toString() + pathAndQuery);
    String signedPath =
        uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());

    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Accept", accept)
            .header("User-Agent", userAgent)
            .header("X-BackendAI-Version", RequestSignature.API_VERSION);
    if (signed) {
      if (config == null) {
        throw new IllegalStateException(
            "cannot sign " + method + " " + signedPath + ": this transport has no keypair");
      }
      String date =
          OffsetDateTime.now(clock)
              .withOffsetSameInstant(ZoneOffset.UTC)
              .truncatedTo(ChronoUnit.SECONDS)
              .format(REQUEST_DATE);
      RequestSignature.SignedRequest signedRequest =
          new RequestSignature.SignedRequest(
              method,
              signedPath,
              date,
              hostHeader(uri),
              contentType,
              RequestSignature.API_VERSION,
              RequestSignature.sha256Hex(bodyBytes));
      String signature = RequestSignature.sign(config.secretKey(), signedRequest);
      request
          .header("X-BackendAI-Date", date)
          .header(
              "Authorization", RequestSignature.authorizationHeader(config.accessKey(), signature));
    }
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", contentType);
      request.method(method, HttpRequest.BodyPublishers.ofByteArray(bodyBytes));
    }
    return new PreparedRequest(request.build(), method + " " + signedPath);
  }

  /**
   * Returns the {@code Host} header value that {@link HttpClient} sends for a URI: the host, and
   * the port unless the URI has none or it is the scheme's default (80 for http, 443 for https).
   * The signature must cover exactly this value.
   */
  static String hostHeader(URI uri) {
    int port = uri.getPort();
    boolean defaultPort =
        port == -1
            || ("http".equalsIgnoreCase(uri.getScheme()) && port == 80)
            || ("https".equalsIgnoreCase(uri.getScheme()) && port == 443);
    return defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
  }

  /** Converts a JSON tree of a response into a record, naming the request on failure. */
  <T> T convert(JsonNode node, Class<T> type, String requestLine) {
    try {
      return mapper.treeToValue(node, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new BackendClientException(
          "unexpected response to " + requestLine + " from " + endpoint + ": " + e.getMessage(), e);
    }
  }

  /**
   * Converts the list of a response into records: the array in {@code field} of an object, or a
   * bare array.
   */
  <T> List<T> convertList(JsonNode node, String field, Class<T> type, String requestLine) {
    JsonNode items = node.isArray() ? node : node.get(field);
    if (items == null || !items.isArray()) {
      throw unexpected(requestLine, "the '" + field + "' list is missing");
    }
    List<T> converted = new ArrayList<>(items.size());
    for (JsonNode item : items) {
      converted.add(convert(item, type, requestLine));
    }
    return Collections.unmodifiableList(converted);
  }

  /** Returns the exception for a response that does not match the API. */
  BackendClientException unexpected(String requestLine, String problem) {
    return new BackendClientException(
        "unexpected response to " + requestLine + " from " + endpoint + ": " + problem);
  }

  private <T> HttpResponse<T> httpSend(
      HttpRequest request,
      HttpResponse.BodyHandler<T> bodyHandler,
      String requestLine,
      Duration timeout) {
    try {
      return http.send(request, bodyHandler);
    } catch (HttpConnectTimeoutException e) {
      throw new BackendClientException(
          "timed out after "
              + Durations.format(connectTimeout)
              + " connecting to the manager at "
              + endpoint,
          e);
    } catch (HttpTimeoutException e) {
      throw new BackendClientException(
          "timed out after "
              + Durations.format(timeout)
              + " waiting for the response to "
              + requestLine
              + " from the manager at "
              + endpoint,
          e);
    } catch (ConnectException e) {
      throw new BackendClientException(
          "cannot connect to the manager at "
              + endpoint
              + " ("
              + connectFailureReason(e)
              + "). Start it with ./quickstart.sh, or set "
              + BackendClientConfig.ENDPOINT_VARIABLE
              + " to the address where it runs.",
          e);
    } catch (IOException e) {
      throw new BackendClientException(requestLine + " to " + endpoint + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendClientException(
          "interrupted while waiting for the response to " + requestLine, e);
    }
  }

  private static String connectFailureReason(ConnectException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
        return cause.getMessage().toLowerCase(Locale.ROOT);
      }
    }
    return "connection refused";
  }

  private BackendApiException toApiException(int status, byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    JsonNode problem = tryParse(text);
    if (problem != null && problem.isObject() && problem.hasNonNull("title")) {
      return new BackendApiException(
          status,
          textOrNull(problem.get("type")),
          textOrNull(problem.get("title")),
          textOrNull(problem.get("detail")));
    }
    String excerpt = text.strip();
    if (excerpt.length() > MAX_ERROR_BODY_CHARS) {
      excerpt = excerpt.substring(0, MAX_ERROR_BODY_CHARS) + "...";
    }
    return new BackendApiException(
        status,
        null,
        "the manager at " + endpoint + " returned HTTP " + status,
        excerpt.isEmpty() ? null : excerpt);
  }

  private JsonNode parseBody(byte[] body, String requestLine) {
    if (body.length == 0) {
      return MissingNode.getInstance();
    }
    try {
      return mapper.readTree(body);
    } catch (IOException e) {
      throw new BackendClientException(
          "the response to "
              + requestLine
              + " from "
              + endpoint
              + " is not valid JSON: "
              + e.getMessage(),
          e);
    }
  }

  private JsonNode tryParse(String text) {
    try {
      return text.isBlank() ? null : mapper.readTree(text);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private byte[] writeJson(Object body) {
    try {
      return mapper.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "cannot encode the request body as JSON: " + e.getMessage(), e);
    }
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }
}
