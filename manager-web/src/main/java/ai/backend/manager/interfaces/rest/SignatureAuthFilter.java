package ai.backend.manager.interfaces.rest;

import ai.backend.common.auth.RequestSignature;
import ai.backend.common.auth.RequestSignature.Credential;
import ai.backend.common.auth.RequestSignature.SignedRequest;
import ai.backend.manager.application.KeyPairService;
import ai.backend.manager.application.KeyPairService.ActiveKeyPair;
import ai.backend.manager.application.ManagerException;
import ai.backend.manager.application.ManagerSettings;
import ai.backend.manager.domain.model.UserRole;
import jakarta.annotation.Priority;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.ext.Provider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.Principal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Checks Backend.AI's HMAC-SHA256 signature on every request except {@code GET /}. The date must be
 * within 15 minutes of the server clock, either way; the body is hashed as received.
 */
@Provider
@ApplicationScoped
@Priority(Priorities.AUTHENTICATION)
public class SignatureAuthFilter implements ContainerRequestFilter {

  private static final Logger LOG = Logger.getLogger(SignatureAuthFilter.class);

  /** Largest request body the manager reads, in bytes, except for uploads. */
  static final int MAX_BODY_BYTES = 16 << 20;

  /** Room for multipart headers around the files of an upload, in bytes. */
  private static final long MULTIPART_OVERHEAD = 1 << 20;

  private static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(15);

  /** One message for an unknown key and a wrong signature, so that keys cannot be probed. */
  private static final String KEY_OR_SIGNATURE =
      "the access key is unknown or inactive, or the signature does not match the request;"
          + " check the keypair, the signing of the host with its port, and the clock";

  /** API versions v4 to v8, whose signing scheme is the one implemented here. */
  private static final Pattern SUPPORTED_VERSION = Pattern.compile("^v[4-8]\\.\\d{8}$");

  /** Request property holding the {@link RateLimiter.Decision} of an authenticated request. */
  static final String RATE_LIMIT_PROPERTY = "backendai.rate-limit";

  private static final long LAST_USE_INTERVAL_MILLIS = 60_000;

  private final Map<String, Long> lastUseWritten = new ConcurrentHashMap<>();

  @EJB private KeyPairService keyPairs;

  @Inject private RateLimiter rateLimiter;

  @Override
  public void filter(ContainerRequestContext request) throws IOException {
    String path = request.getUriInfo().getRequestUri().getRawPath();
    if ("GET".equals(request.getMethod()) && ("/".equals(path) || path.isEmpty())) {
      return;
    }
    String version = request.getHeaderString("X-BackendAI-Version");
    if (version == null || !SUPPORTED_VERSION.matcher(version).matches()) {
      request.abortWith(
          Problem.response(
              400,
              "unsupported-api-version",
              "Unsupported API version",
              (version == null
                      ? "the X-BackendAI-Version header is missing"
                      : "API version '" + ManagerException.shorten(version) + "' is not supported")
                  + "; send v4.20181215 or later, up to "
                  + RequestSignature.API_VERSION));
      return;
    }
    if ("POST".equals(request.getMethod()) && "/auth/authorize".equals(path)) {
      // A password login: the password is the credential, and the client has no keypair yet.
      return;
    }
    try {
      authenticate(request, path);
    } catch (AuthenticationException e) {
      request.abortWith(
          Problem.response(401, "auth-failed", "Authentication failed", e.getMessage()));
    }
  }

  private void authenticate(ContainerRequestContext request, String path)
      throws IOException, AuthenticationException {
    Credential credential = parseCredential(request);
    String date = checkDate(request);
    String host = request.getHeaderString("Host");
    if (host == null || host.isBlank()) {
      throw new AuthenticationException("the Host header is missing");
    }
    long limit =
        path.endsWith("/upload")
            ? ManagerSettings.maxUploadBytes() + MULTIPART_OVERHEAD
            : MAX_BODY_BYTES;
    byte[] body = readBody(request, limit);
    if (body == null) {
      request.abortWith(
          Problem.response(
              413,
              "request-too-large",
              "Request too large",
              "the request body is over " + limit + " bytes"));
      return;
    }

    ActiveKeyPair keyPair =
        keyPairs
            .findActive(credential.accessKey())
            .orElseThrow(() -> new AuthenticationException(KEY_OR_SIGNATURE));
    String rawQuery = request.getUriInfo().getRequestUri().getRawQuery();
    SignedRequest signed =
        new SignedRequest(
            request.getMethod(),
            rawQuery == null ? path : path + "?" + rawQuery,
            date,
            host,
            request.getHeaderString("Content-Type"),
            request.getHeaderString("X-BackendAI-Version"),
            RequestSignature.sha256Hex(body));
    String expected = RequestSignature.sign(keyPair.secretKey(), signed);
    if (!RequestSignature.signaturesEqual(expected, credential.signature())) {
      LOG.debugf(
          "Signature mismatch for access key %s on %s %s",
          credential.accessKey(), request.getMethod(), path);
      throw new AuthenticationException(KEY_OR_SIGNATURE);
    }
    RateLimiter.Decision decision =
        rateLimiter.acquire(keyPair.rateLimitKey(), keyPair.rateLimit());
    request.setProperty(RATE_LIMIT_PROPERTY, decision);
    if (!decision.allowed()) {
      LOG.infof(
          "Rate limit: refused %s %s of access key %s (%d per %d s)",
          request.getMethod(),
          path,
          keyPair.accessKey(),
          decision.limit(),
          decision.windowSeconds());
      request.abortWith(
          Problem.builder(
                  429,
                  "too-many-requests",
                  "Too many requests",
                  "access key "
                      + keyPair.accessKey()
                      + " made "
                      + decision.limit()
                      + " requests in the last "
                      + decision.windowSeconds()
                      + " s, its rate limit; retry after "
                      + decision.retryAfter()
                      + " s")
              .header("Retry-After", decision.retryAfter())
              .build());
      return;
    }
    request.setSecurityContext(new KeyPairSecurityContext(keyPair, request));
    noteUse(keyPair.accessKey());
  }

  /** Writes a keypair's last use at most once a minute, so that busy keys cost no extra writes. */
  private void noteUse(String accessKey) {
    long now = System.currentTimeMillis();
    Long last = lastUseWritten.get(accessKey);
    if (last != null && now - last < LAST_USE_INTERVAL_MILLIS) {
      return;
    }
    if (lastUseWritten.size() > 100_000) {
      lastUseWritten.clear();
    }
    lastUseWritten.put(accessKey, now);
    try {
      keyPairs.markUsed(accessKey);
    } catch (RuntimeException e) {
      LOG.debugf(e, "Cannot record the last use of access key %s", accessKey);
    }
  }

  /** Adds the rate-limit headers to every response of an authenticated request. */
  @Provider
  public static class RateLimitHeaders implements ContainerResponseFilter {
    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
      // Keypairs without a limit (rate limit 0) get no headers: there is nothing to count down.
      if (request.getProperty(RATE_LIMIT_PROPERTY) instanceof RateLimiter.Decision decision
          && decision.limit() > 0) {
        response.getHeaders().putSingle("X-RateLimit-Limit", decision.limit());
        response.getHeaders().putSingle("X-RateLimit-Remaining", decision.remaining());
        response.getHeaders().putSingle("X-RateLimit-Window", decision.windowSeconds());
      }
    }
  }

  private static Credential parseCredential(ContainerRequestContext request)
      throws AuthenticationException {
    Credential credential;
    try {
      credential = RequestSignature.parseAuthorization(request.getHeaderString("Authorization"));
    } catch (IllegalArgumentException e) {
      throw new AuthenticationException(e.getMessage());
    }
    if (!RequestSignature.SIGN_METHOD.equalsIgnoreCase(credential.signMethod())) {
      throw new AuthenticationException(
          "unsupported signMethod '" + credential.signMethod() + "': use HMAC-SHA256");
    }
    return credential;
  }

  /** Returns the raw date header after checking it is within the allowed clock skew. */
  private static String checkDate(ContainerRequestContext request) throws AuthenticationException {
    String date = request.getHeaderString("X-BackendAI-Date");
    if (date == null) {
      date = request.getHeaderString("Date");
    }
    OffsetDateTime sentAt;
    try {
      sentAt = RequestSignature.parseDate(date);
    } catch (IllegalArgumentException e) {
      throw new AuthenticationException(e.getMessage());
    }
    Duration skew = Duration.between(sentAt, OffsetDateTime.now(ZoneOffset.UTC)).abs();
    if (skew.compareTo(MAX_CLOCK_SKEW) > 0) {
      throw new AuthenticationException(
          "the request date "
              + date
              + " is more than 15 minutes from the server clock; check the client's clock");
    }
    return date;
  }

  private static byte[] readBody(ContainerRequestContext request, long limit) throws IOException {
    if (!request.hasEntity()) {
      return new byte[0];
    }
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (InputStream in = request.getEntityStream()) {
      byte[] chunk = new byte[8192];
      int read;
      while ((read = in.read(chunk)) != -1) {
        if (buffer.size() + read > limit) {
          return null;
        }
        buffer.write(chunk, 0, read);
      }
    }
    byte[] body = buffer.toByteArray();
    request.setEntityStream(new ByteArrayInputStream(body));
    return body;
  }

  /** A request that fails authentication; its message goes to the client. */
  private static final class AuthenticationException extends Exception {
    AuthenticationException(String message) {
      super(message);
    }
  }

  /** The authenticated keypair and its user; its name is the access key. */
  record KeyPairPrincipal(ActiveKeyPair keyPair) implements Principal {
    @Override
    public String getName() {
      return keyPair.accessKey();
    }
  }

  /** The authenticated keypair, as the caller's principal. */
  record KeyPairSecurityContext(ActiveKeyPair keyPair, ContainerRequestContext request)
      implements SecurityContext {

    @Override
    public Principal getUserPrincipal() {
      return new KeyPairPrincipal(keyPair);
    }

    @Override
    public boolean isUserInRole(String role) {
      return ("admin".equals(role) && keyPair.admin())
          || ("superadmin".equals(role) && keyPair.role() == UserRole.SUPERADMIN);
    }

    @Override
    public boolean isSecure() {
      return "https".equals(request.getUriInfo().getRequestUri().getScheme());
    }

    @Override
    public String getAuthenticationScheme() {
      return "BackendAI";
    }
  }
}
