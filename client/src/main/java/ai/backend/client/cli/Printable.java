package ai.backend.client.cli;

import java.util.regex.Pattern;

/**
 * Text from a session or the manager made safe for a terminal: file names in a session are chosen
 * by its code, which could otherwise set the terminal's title, move the cursor or fake lines.
 */
final class Printable {

  /** C0 and C1 control characters and DEL, which terminals act on. */
  private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1f\\x7f-\\x9f]");

  private Printable() {}

  /** Returns the text with every control character replaced by {@code ?}. */
  static String of(String text) {
    return text == null ? null : CONTROL.matcher(text).replaceAll("?");
  }
}
