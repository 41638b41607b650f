package ai.backend.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads the file name of a {@code Content-Disposition} response header (RFC 6266). */
final class ContentDisposition {

  private ContentDisposition() {}

  /**
   * Returns the value of {@code filename*} when it is {@code UTF-8''} percent-encoded text,
   * otherwise the value of {@code filename}, quoted or not, or null when the header has neither.
   */
  static String fileName(String header) {
    String plain = null;
    String extended = null;
    for (String parameter : splitParameters(header)) {
      int equals = parameter.indexOf('=');
      if (equals < 0) {
        continue;
      }
      String name = parameter.substring(0, equals).trim().toLowerCase(Locale.ROOT);
      String value = parameter.substring(equals + 1).trim();
      if (name.equals("filename")) {
        plain = unquote(value);
      } else if (name.equals("filename*") && value.toLowerCase(Locale.ROOT).startsWith("utf-8''")) {
        extended = percentDecode(value.substring("utf-8''".length()));
      }
    }
    return extended != null ? extended : plain;
  }

  /** Splits at semicolons outside quoted strings. */
  private static List<String> splitParameters(String header) {
    List<String> parameters = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < header.length(); i++) {
      char c = header.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '\\' && quoted && i + 1 < header.length()) {
        current.append(c).append(header.charAt(++i));
        continue;
      } else if (c == ';' && !quoted) {
        parameters.add(current.toString());
        current.setLength(0);
        continue;
      }
      current.append(c);
    }
    parameters.add(current.toString());
    return parameters;
  }

  private static String unquote(String value) {
    if (value.length() < 2 || !value.startsWith("\"") || !value.endsWith("\"")) {
      return value;
    }
    StringBuilder text = new StringBuilder();
    for (int i = 1; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c == '\\' && i + 1 < value.length() - 1) {
        c = value.charAt(++i);
      }
      text.append(c);
    }
    return text.toString();
  }

  /** Decodes {@code %XX} escapes as UTF-8, keeping malformed escapes as they are. */
  private static String percentDecode(String value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int i = 0;
    while (i < value.length()) {
      if (value.charAt(i) == '%' && isHex(value, i + 1) && isHex(value, i + 2)) {
        bytes.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
        i += 3;
      } else {
        int codePoint = value.codePointAt(i);
        bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(codePoint);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static boolean isHex(String value, int index) {
    return index < value.length() && Character.digit(value.charAt(index), 16) >= 0;
  }
}
