package ai.backend.client;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The manager endpoint, the API keypair and the HTTP timeouts of a {@link BackendClient}.
 *
 * <p>{@link #load} takes the keypair from the environment variables {@value #ACCESS_KEY_VARIABLE}
 * and {@value #SECRET_KEY_VARIABLE} when both are set. Otherwise it reads a Java properties file
 * with the keys {@code endpoint}, {@code access_key} and {@code secret_key}: the file that {@value
 * #KEYPAIR_FILE_VARIABLE} names, or {@code var/admin-keypair.properties} under the repository root.
 * {@value #ENDPOINT_VARIABLE} overrides the endpoint in either case.
 *
 * <p>{@link #withOwnerAccessKey} makes every session call act on behalf of another keypair, which
 * only admins may do.
 */
public final class BackendClientConfig {

  public static final String DEFAULT_ENDPOINT = "http://127.0.0.1:8080";
  public static final String ENDPOINT_VARIABLE = "BACKEND_ENDPOINT";
  public static final String ACCESS_KEY_VARIABLE = "BACKEND_ACCESS_KEY";
  public static final String SECRET_KEY_VARIABLE = "BACKEND_SECRET_KEY";
  public static final String KEYPAIR_FILE_VARIABLE = "BACKEND_KEYPAIR_FILE";

  /** The system property through which bin/bai passes the repository root. */
  public static final String HOME_PROPERTY = "bai.home";

  /** The keypair file's path relative to the repository root. */
  public static final String DEFAULT_KEYPAIR_FILE = "var/admin-keypair.properties";

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * The default time to wait for one response. The manager in this repository returns the result of
   * an execution step within its flush timeout plus a 15 s agent reply margin (defaults), and the
   * flush timeout is at most 60 s, so 120 s covers the slowest step.
   */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(120);

  private final URI endpoint;
  private final String accessKey;
  private final String secretKey;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final String keypairSource;
  private final String ownerAccessKey;

  /**
   * Creates a configuration.
   *
   * @param endpoint the manager's base URL, {@code http} or {@code https}, such as {@value
   *     #DEFAULT_ENDPOINT}
   * @param keypairSource where the keypair came from, for error messages
   * @throws BackendClientException if the endpoint is not such a URL or a key is blank
   */
  public BackendClientConfig(
      String endpoint,
      String accessKey,
      String secretKey,
      Duration connectTimeout,
      Duration requestTimeout,
      String keypairSource) {
    this(endpoint, accessKey, secretKey, connectTimeout, requestTimeout, keypairSource, null);
  }

  private BackendClientConfig(
      String endpoint,
      String accessKey,
      String secretKey,
      Duration connectTimeout,
      Duration requestTimeout,
      String keypairSource,
      String ownerAccessKey) {
    this.endpoint = parseEndpoint(Objects.requireNonNull(endpoint, "endpoint"));
    this.accessKey = requireKey(accessKey, "access key", keypairSource);
    this.secretKey = requireKey(secretKey, "secret key", keypairSource);
    this.connectTimeout = requirePositive(connectTimeout, "connect timeout");
    this.requestTimeout = requirePositive(requestTimeout, "request timeout");
    this.keypairSource = keypairSource == null ? "the given configuration" : keypairSource;
    this.ownerAccessKey = ownerAccessKey;
  }

  /** Creates a configuration with the default timeouts. */
  public static BackendClientConfig of(String endpoint, String accessKey, String secretKey) {
    return new BackendClientConfig(
        endpoint,
        accessKey,
        secretKey,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT,
        "the given configuration");
  }

  /**
   * Loads the configuration from this process's environment and the repository root that the
   * {@value #HOME_PROPERTY} system property names, or the working directory when it is unset.
   */
  public static BackendClientConfig fromEnvironment() {
    return load(System.getenv(), homeDirectory());
  }

  /** Returns the repository root that {@value #HOME_PROPERTY} names, or the working directory. */
  public static Path homeDirectory() {
    String home = System.getProperty(HOME_PROPERTY);
    return Path.of(home == null || home.isBlank() ? "." : home).toAbsolutePath().normalize();
  }

  /**
   * Loads the configuration from the given environment variables and keypair file.
   *
   * @param env the environment variables, such as {@link System#getenv()}
   * @param home the repository root under which the default keypair file lies
   * @throws BackendClientException if neither the variables nor the file give a keypair
   */
  public static BackendClientConfig load(Map<String, String> env, Path home) {
    String envEndpoint = nonBlank(env.get(ENDPOINT_VARIABLE));
    String envAccessKey = nonBlank(env.get(ACCESS_KEY_VARIABLE));
    String envSecretKey = nonBlank(env.get(SECRET_KEY_VARIABLE));

    if (envAccessKey != null && envSecretKey != null) {
      return new BackendClientConfig(
          envEndpoint == null ? DEFAULT_ENDPOINT : envEndpoint,
          envAccessKey,
          envSecretKey,
          DEFAULT_CONNECT_TIMEOUT,
          DEFAULT_REQUEST_TIMEOUT,
          "the environment variables " + ACCESS_KEY_VARIABLE + " and " + SECRET_KEY_VARIABLE);
    }
    if (envAccessKey != null || envSecretKey != null) {
      String missing = envAccessKey == null ? ACCESS_KEY_VARIABLE : SECRET_KEY_VARIABLE;
      String present = envAccessKey == null ? SECRET_KEY_VARIABLE : ACCESS_KEY_VARIABLE;
      throw new BackendClientException(
          present
              + " is set but "
              + missing
              + " is not: set both, or unset both to use a keypair file");
    }

    String fileVariable = nonBlank(env.get(KEYPAIR_FILE_VARIABLE));
    Path file = fileVariable != null ? Path.of(fileVariable) : home.resolve(DEFAULT_KEYPAIR_FILE);
    if (!Files.isRegularFile(file)) {
      throw new BackendClientException(missingKeypairMessage(file, fileVariable != null));
    }
    Properties properties = readProperties(file);
    String fileEndpoint = nonBlank(properties.getProperty("endpoint"));
    String endpoint = DEFAULT_ENDPOINT;
    if (envEndpoint != null) {
      endpoint = envEndpoint;
    } else if (fileEndpoint != null) {
      endpoint = fileEndpoint;
    }
    return new BackendClientConfig(
        endpoint,
        nonBlank(properties.getProperty("access_key")),
        nonBlank(properties.getProperty("secret_key")),
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT,
        "the keypair file " + file);
  }

  /**
   * Returns the manager endpoint that {@link #load} would use, without requiring a keypair: {@value
   * #ENDPOINT_VARIABLE}, else the {@code endpoint} of the keypair file when the key variables are
   * unset and that file exists, else {@value #DEFAULT_ENDPOINT}. {@code bai login} uses it before
   * any keypair exists.
   *
   * @throws BackendClientException if the endpoint is not an http or https URL, or the keypair file
   *     exists but cannot be read
   */
  public static URI loadEndpoint(Map<String, String> env, Path home) {
    String envEndpoint = nonBlank(env.get(ENDPOINT_VARIABLE));
    if (envEndpoint != null) {
      return parseEndpoint(envEndpoint);
    }
    if (nonBlank(env.get(ACCESS_KEY_VARIABLE)) != null
        && nonBlank(env.get(SECRET_KEY_VARIABLE)) != null) {
      return parseEndpoint(DEFAULT_ENDPOINT);
    }
    String fileVariable = nonBlank(env.get(KEYPAIR_FILE_VARIABLE));
    Path file = fileVariable != null ? Path.of(fileVariable) : home.resolve(DEFAULT_KEYPAIR_FILE);
    if (Files.isRegularFile(file)) {
      String fileEndpoint = nonBlank(readProperties(file).getProperty("endpoint"));
      if (fileEndpoint != null) {
        return parseEndpoint(fileEndpoint);
      }
    }
    return parseEndpoint(DEFAULT_ENDPOINT);
  }

  /** Returns a copy with other timeouts. */
  public BackendClientConfig withTimeouts(Duration newConnectTimeout, Duration newRequestTimeout) {
    return new BackendClientConfig(
        endpoint.toString(),
        accessKey,
        secretKey,
        newConnectTimeout,
        newRequestTimeout,
        keypairSource,
        ownerAccessKey);
  }

  /**
   * Returns a copy whose session calls act on behalf of another keypair: the client adds {@code
   * owner_access_key=ACCESS_KEY} to the query of every {@code /session} request and of {@code POST
   * /resource/check-presets}. The manager rejects it with 403 unless this keypair's user is an
   * admin of the owner's domain or a superadmin.
   *
   * @param ownerAccessKey the owner's access key, or null to act as this keypair again
   * @throws IllegalArgumentException if the access key is blank or contains whitespace or control
   *     characters
   */
  public BackendClientConfig withOwnerAccessKey(String ownerAccessKey) {
    if (ownerAccessKey != null) {
      if (ownerAccessKey.isBlank()) {
        throw new IllegalArgumentException("the owner access key is empty");
      }
      if (ownerAccessKey
          .chars()
          .anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
        throw new IllegalArgumentException(
            "the owner access key contains whitespace or control characters");
      }
    }
    return new BackendClientConfig(
        endpoint.toString(),
        accessKey,
        secretKey,
        connectTimeout,
        requestTimeout,
        keypairSource,
        ownerAccessKey);
  }

  /** Returns the manager's base URL, without a trailing slash. */
  public URI endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return accessKey;
  }

  /** Returns the secret key. Callers must never log or print it. */
  public String secretKey() {
    return secretKey;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Returns the time to wait for each response. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Returns where the keypair came from, such as {@code the keypair file /repo/var/...}. */
  public String keypairSource() {
    return keypairSource;
  }

  /**
   * Returns the access key whose sessions the session calls act on, or null when they act on this
   * keypair's own sessions.
   */
  public String ownerAccessKey() {
    return ownerAccessKey;
  }

  /** Describes the configuration without the secret key. */
  @Override
  public String toString() {
    return "BackendClientConfig[endpoint="
        + endpoint
        + ", accessKey="
        + accessKey
        + ", secretKey=(hidden), keypairSource="
        + keypairSource
        + (ownerAccessKey == null ? "" : ", ownerAccessKey=" + ownerAccessKey)
        + "]";
  }

  private static String missingKeypairMessage(Path file, boolean fromVariable) {
    if (fromVariable) {
      return "keypair file "
          + file
          + " not found: "
          + KEYPAIR_FILE_VARIABLE
          + " must name a properties file with access_key and secret_key";
    }
    return "no API keypair: set "
        + ACCESS_KEY_VARIABLE
        + " and "
        + SECRET_KEY_VARIABLE
        + " (and "
        + ENDPOINT_VARIABLE
        + " if the manager is not at "
        + DEFAULT_ENDPOINT
        + "), or set "
        + KEYPAIR_FILE_VARIABLE
        + " to a properties file with endpoint, access_key and secret_key. The default file "
        + file
        + " does not exist; ./quickstart.sh creates it.";
  }

  private static Properties readProperties(Path file) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException | IllegalArgumentException e) {
      throw new BackendClientException(
          "failed to read keypair file " + file + ": " + e.getMessage(), e);
    }
    return properties;
  }

  private static URI parseEndpoint(String value) {
    String trimmed = value.trim();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      throw new BackendClientException(invalidEndpointMessage(value, e.getReason()), e);
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
      throw new BackendClientException(
          invalidEndpointMessage(value, "the scheme must be http or https"));
    }
    if (uri.getHost() == null) {
      throw new BackendClientException(invalidEndpointMessage(value, "the host is missing"));
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new BackendClientException(
          invalidEndpointMessage(value, "user info, a query or a fragment is not allowed"));
    }
    return uri;
  }

  private static String invalidEndpointMessage(String value, String reason) {
    return "invalid manager endpoint '"
        + value
        + "': "
        + reason
        + "; expected a URL such as "
        + DEFAULT_ENDPOINT;
  }

  private static String requireKey(String key, String name, String source) {
    if (key == null || key.isBlank()) {
      throw new BackendClientException(
          "the " + name + " is missing in " + (source == null ? "the configuration" : source));
    }
    return key.trim();
  }

  private static Duration requirePositive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("the " + name + " must be positive, got " + duration);
    }
    return duration;
  }

  private static String nonBlank(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
