package ai.backend.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Backend.AI's HMAC-SHA256 request signature.
 *
 * <p>The signing key is {@code HMAC(HMAC(secretKey, yyyyMMdd), host)}, where the date is the
 * request date in the offset the client sent and the host includes the port. The signed string
 * joins with {@code \n}: the upper-case method, the path with its query string, the raw date header
 * value, {@code host:<host>}, {@code content-type:<lower-case type>}, {@code
 * x-backendai-version:<version>} and the hex SHA-256 of the body. The signature is the hex HMAC of
 * that string under the signing key.
 */
public final class RequestSignature {

  /** The only signing method the product accepts. */
  public static final String SIGN_METHOD = "HMAC-SHA256";

  /** The API version that the manager speaks and the client sends. */
  public static final String API_VERSION = "v8.20240915";

  private static final Pattern AUTHORIZATION =
      Pattern.compile(
          "^BackendAI\\s+signMethod=([A-Za-z0-9-]+)\\s*,\\s*credential=([^:\\s]+):([0-9a-fA-F]+)\\s*$");

  private static final DateTimeFormatter SIGNING_DATE = DateTimeFormatter.ofPattern("yyyyMMdd");

  private RequestSignature() {}

  /**
   * The parts of a request that the signature covers.
   *
   * @param pathAndQuery the request path as sent, with {@code ?query} when there is one
   * @param date the raw value of the {@code X-BackendAI-Date} or {@code Date} header
   * @param host the {@code Host} header, with the port when the client sent one
   * @param bodySha256 hex SHA-256 of the request body, of zero bytes when there is none
   */
  public record SignedRequest(
      String method,
      String pathAndQuery,
      String date,
      String host,
      String contentType,
      String apiVersion,
      String bodySha256) {

    public SignedRequest {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(pathAndQuery, "pathAndQuery");
      Objects.requireNonNull(date, "date");
      Objects.requireNonNull(host, "host");
      contentType = contentType == null ? "" : contentType;
      apiVersion = apiVersion == null ? "" : apiVersion;
      Objects.requireNonNull(bodySha256, "bodySha256");
    }

    /** Builds the string that the HMAC is computed over. */
    public String stringToSign() {
      return String.join(
          "\n",
          method.toUpperCase(Locale.ROOT),
          pathAndQuery,
          date,
          "host:" + host,
          "content-type:" + contentType.toLowerCase(Locale.ROOT),
          "x-backendai-version:" + apiVersion,
          bodySha256);
    }
  }

  /** The parsed value of an {@code Authorization: BackendAI ...} header. */
  public record Credential(String signMethod, String accessKey, String signature) {}

  /** Computes the hex signature of a request under a secret key. */
  public static String sign(String secretKey, SignedRequest request) {
    OffsetDateTime date = parseDate(request.date());
    byte[] dateKey =
        hmac(
            secretKey.getBytes(StandardCharsets.UTF_8),
            SIGNING_DATE.format(date).getBytes(StandardCharsets.UTF_8));
    byte[] signingKey = hmac(dateKey, request.host().getBytes(StandardCharsets.UTF_8));
    byte[] signature = hmac(signingKey, request.stringToSign().getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(signature);
  }

  /** Builds the {@code Authorization} header value for a signature. */
  public static String authorizationHeader(String accessKey, String signature) {
    return "BackendAI signMethod=" + SIGN_METHOD + ", credential=" + accessKey + ":" + signature;
  }

  /**
   * Parses an {@code Authorization} header.
   *
   * @throws IllegalArgumentException if the header is not of Backend.AI's form
   */
  public static Credential parseAuthorization(String header) {
    if (header == null || header.isBlank()) {
      throw new IllegalArgumentException("the Authorization header is missing");
    }
    Matcher matcher = AUTHORIZATION.matcher(header.trim());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "the Authorization header is not of the form"
              + " 'BackendAI signMethod=HMAC-SHA256, credential=<accessKey>:<signature>'");
    }
    return new Credential(matcher.group(1), matcher.group(2), matcher.group(3).toLowerCase());
  }

  /**
   * Parses a request date given as ISO-8601 with an offset ({@code 2026-12-04T10:00:00+00:00}) or
   * as an HTTP date ({@code Fri, 04 Dec 2026 10:00:00 GMT}).
   *
   * @throws IllegalArgumentException if it is neither
   */
  public static OffsetDateTime parseDate(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("the request date is missing");
    }
    String trimmed = value.trim();
    try {
      return OffsetDateTime.parse(trimmed, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } catch (DateTimeParseException notIso) {
      try {
        return OffsetDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME);
      } catch (DateTimeParseException notHttp) {
        throw new IllegalArgumentException(
            "invalid request date '"
                + trimmed
                + "': send ISO-8601 with an offset, for example 2026-12-04T10:00:00+00:00");
      }
    }
  }

  /** Returns the hex SHA-256 of the bytes. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  }

  /** Compares two hex signatures in time independent of where they differ. */
  public static boolean signaturesEqual(String expected, String actual) {
    return MessageDigest.isEqual(
        expected.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII),
        actual.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}
