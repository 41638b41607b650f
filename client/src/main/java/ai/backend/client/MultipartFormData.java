package ai.backend.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * A {@code multipart/form-data} body (RFC 7578) of file parts, built in memory so the request
 * signature can cover its exact bytes.
 *
 * @param contentType the {@code Content-Type} header, with the boundary
 * @param bytes the whole body
 */
record MultipartFormData(String contentType, byte[] bytes) {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] CRLF = {'\r', '\n'};

  /**
   * Builds a body with one part per file, each named {@code fieldName} and carrying the map key as
   * its {@code filename}. File names are written as UTF-8 without escaping, so they must not
   * contain a double quote, CR or LF, which {@link SessionPaths#requireRelative} rejects.
   */
  static MultipartFormData ofFiles(String fieldName, Map<String, byte[]> files) {
    String boundary = newBoundary();
    while (occursInAny(boundary, files)) {
      boundary = newBoundary();
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      write(body, "--" + boundary);
      body.writeBytes(CRLF);
      write(
          body,
          "Content-Disposition: form-data; name=\""
              + fieldName
              + "\"; filename=\""
              + file.getKey()
              + "\"");
      body.writeBytes(CRLF);
      write(body, "Content-Type: application/octet-stream");
      body.writeBytes(CRLF);
      body.writeBytes(CRLF);
      body.writeBytes(file.getValue());
      body.writeBytes(CRLF);
    }
    write(body, "--" + boundary + "--");
    body.writeBytes(CRLF);
    return new MultipartFormData("multipart/form-data; boundary=" + boundary, body.toByteArray());
  }

  private static String newBoundary() {
    byte[] random = new byte[16];
    RANDOM.nextBytes(random);
    return "BackendAIFormBoundary" + HexFormat.of().formatHex(random);
  }

  /** Returns true when a file's content contains the boundary, which would end its part early. */
  private static boolean occursInAny(String boundary, Map<String, byte[]> files) {
    byte[] needle = boundary.getBytes(StandardCharsets.US_ASCII);
    for (byte[] content : files.values()) {
      if (indexOf(content, needle) >= 0) {
        return true;
      }
    }
    return false;
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static void write(ByteArrayOutputStream body, String text) {
    body.writeBytes(text.getBytes(StandardCharsets.UTF_8));
  }
}
