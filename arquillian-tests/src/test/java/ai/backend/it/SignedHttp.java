package ai.backend.it;

import ai.backend.common.auth.RequestSignature;
import ai.backend.common.auth.RequestSignature.SignedRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Raw HTTP calls to the manager, signed as Backend.AI's clients sign them, or deliberately signed
 * wrong, so that tests can see status codes and headers as they are.
 */
final class SignedHttp {

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String endpoint;

  /** A response with its body parsed as JSON when it is JSON, and its headers. */
  record Reply(int status, String contentType, String body, JsonNode json, HttpHeaders headers) {

    /** Returns a header's value, or null. */
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  SignedHttp(String endpoint) {
    this.endpoint = endpoint;
  }

  Reply send(String method, String pathAndQuery, Object body, String accessKey, String secretKey)
      throws IOException, InterruptedException {
    return send(method, pathAndQuery, body, accessKey, secretKey, secretKey);
  }

  /**
   * Sends a request signed with {@code signingSecret} while claiming {@code accessKey}; a {@code
   * null} access key sends no Authorization header at all.
   */
  Reply send(
      String method,
      String pathAndQuery,
      Object body,
      String accessKey,
      String secretKey,
      String signingSecret)
      throws IOException, InterruptedException {
    return send(method, pathAndQuery, body, accessKey, signingSecret, Tamper.NONE);
  }

  /**
   * What a request signs when it differs from what it sends: each non-null field replaces the sent
   * value in the signature only, as if the request had been changed after signing.
   *
   * @param signedMethod the method that was signed
   * @param signedPathAndQuery the path and query that were signed
   * @param signedBody the body that was signed, as JSON
   * @param signedHost the host that was signed
   * @param dateShift how far the request date (signed and sent) lies from now
   */
  record Tamper(
      String signedMethod,
      String signedPathAndQuery,
      Object signedBody,
      String signedHost,
      Duration dateShift) {
    static final Tamper NONE = new Tamper(null, null, null, null, null);
  }

  /** Sends a request whose signature covers the values that {@code tamper} gives. */
  Reply send(
      String method,
      String pathAndQuery,
      Object body,
      String accessKey,
      String signingSecret,
      Tamper tamper)
      throws IOException, InterruptedException {
    byte[] bytes =
        body == null ? new byte[0] : JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    byte[] signedBytes =
        tamper.signedBody() == null
            ? bytes
            : JSON.writeValueAsString(tamper.signedBody()).getBytes(StandardCharsets.UTF_8);
    URI uri = URI.create(endpoint + pathAndQuery);
    String host =
        tamper.signedHost() != null ? tamper.signedHost() : uri.getHost() + ":" + uri.getPort();
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    if (tamper.dateShift() != null) {
      now = now.plus(tamper.dateShift());
    }
    String date =
        now.truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    String contentType = body == null ? "" : "application/json";
    String signedMethod = tamper.signedMethod() != null ? tamper.signedMethod() : method;
    String signedPath =
        tamper.signedPathAndQuery() != null ? tamper.signedPathAndQuery() : pathAndQuery;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(60))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes))
            .header("X-BackendAI-Date", date)
            .header("X-BackendAI-Version", RequestSignature.API_VERSION);
    if (body != null) {
      request.header("Content-Type", contentType);
    }
    if (accessKey != null) {
      String signature =
          RequestSignature.sign(
              signingSecret,
              new SignedRequest(
                  signedMethod,
                  signedPath,
                  date,
                  host,
                  contentType,
                  RequestSignature.API_VERSION,
                  RequestSignature.sha256Hex(signedBytes)));
      request.header("Authorization", RequestSignature.authorizationHeader(accessKey, signature));
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    String type = response.headers().firstValue("Content-Type").orElse("");
    JsonNode json = null;
    if (type.contains("json") && !response.body().isEmpty()) {
      json = JSON.readTree(response.body());
    }
    return new Reply(response.statusCode(), type, response.body(), json, response.headers());
  }
}
