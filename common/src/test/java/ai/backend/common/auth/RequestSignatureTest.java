package ai.backend.common.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.auth.RequestSignature.Credential;
import ai.backend.common.auth.RequestSignature.SignedRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Checks the signature against vectors computed with OpenSSL, outside this code:
 *
 * <pre>
 * K1=$(printf 20261204 | openssl dgst -sha256 -mac HMAC -macopt key:$SECRET -r | cut -d' ' -f1)
 * K2=$(printf 127.0.0.1:8080 | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K1 -r | cut -d' ' -f1)
 * printf 'POST\n/session?x=1\n...' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K2 -r
 * </pre>
 */
class RequestSignatureTest {

  private static final String SECRET = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
  private static final String BODY = "{\"image\":\"python\",\"clientSessionToken\":\"s1\"}";

  private static SignedRequest postRequest() {
    return new SignedRequest(
        "post",
        "/session?x=1",
        "2026-12-04T10:20:30+00:00",
        "127.0.0.1:8080",
        "application/json",
        "v8.20240915",
        RequestSignature.sha256Hex(BODY.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void bodyHashMatchesOpenssl() {
    assertEquals(
        "81b8c5d0b71e7d269837c9937add57e3a26404fa1323b1d95e2679bdf510e37c",
        RequestSignature.sha256Hex(BODY.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void signatureMatchesOpensslVector() {
    assertEquals(
        "33c7f77ec698af2d544e810a12fe1b2ae91a37957a23090f677a4ec73d6d4fa1",
        RequestSignature.sign(SECRET, postRequest()));
  }

  @Test
  void signingDateUsesOffsetOfHeader() {
    // 23:59:59 at -05:00 is already the 4th in UTC, but the key uses the 3rd as sent.
    SignedRequest request =
        new SignedRequest(
            "GET",
            "/session",
            "2026-12-03T23:59:59-05:00",
            "localhost:8080",
            null,
            "v8.20240915",
            RequestSignature.sha256Hex(new byte[0]));
    assertEquals(
        "7621f206f8dd300e4c07644f147366217848a7df3a7d1c6951ba7ac3b27f1a24",
        RequestSignature.sign(SECRET, request));
  }

  @Test
  void tamperedPartsChangeSignature() {
    String original = RequestSignature.sign(SECRET, postRequest());
    SignedRequest base = postRequest();
    SignedRequest otherPath =
        new SignedRequest(
            base.method(),
            "/session?x=2",
            base.date(),
            base.host(),
            base.contentType(),
            base.apiVersion(),
            base.bodySha256());
    SignedRequest otherHost =
        new SignedRequest(
            base.method(),
            base.pathAndQuery(),
            base.date(),
            "127.0.0.1:8081",
            base.contentType(),
            base.apiVersion(),
            base.bodySha256());
    assertNotEquals(original, RequestSignature.sign(SECRET, otherPath));
    assertNotEquals(original, RequestSignature.sign(SECRET, otherHost));
    assertNotEquals(original, RequestSignature.sign(SECRET + "x", base));
  }

  @Test
  void parsesAuthorizationHeader() {
    Credential credential =
        RequestSignature.parseAuthorization(
            "BackendAI signMethod=HMAC-SHA256, credential=AKIAEXAMPLE:ABCDEF0123");
    assertEquals("HMAC-SHA256", credential.signMethod());
    assertEquals("AKIAEXAMPLE", credential.accessKey());
    assertEquals("abcdef0123", credential.signature());
  }

  @Test
  void rejectsMalformedAuthorization() {
    assertThrows(IllegalArgumentException.class, () -> RequestSignature.parseAuthorization(null));
    assertThrows(
        IllegalArgumentException.class, () -> RequestSignature.parseAuthorization("Bearer x"));
    assertThrows(
        IllegalArgumentException.class,
        () -> RequestSignature.parseAuthorization("BackendAI signMethod=HMAC-SHA256"));
  }

  @Test
  void parsesHttpDate() {
    assertEquals(
        RequestSignature.parseDate("2026-12-04T10:20:30Z").toInstant(),
        RequestSignature.parseDate("Fri, 04 Dec 2026 10:20:30 GMT").toInstant());
    assertThrows(IllegalArgumentException.class, () -> RequestSignature.parseDate("yesterday"));
  }

  @Test
  void comparesSignaturesIgnoringCase() {
    assertTrue(RequestSignature.signaturesEqual("abcd", "ABCD"));
    assertFalse(RequestSignature.signaturesEqual("abcd", "abce"));
  }
}
