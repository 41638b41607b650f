package ai.backend.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One record of a run's console output, sent as a two-element JSON array: {@code ["stdout",
 * "text"]}, {@code ["stderr", "text"]}, {@code ["media", ["image/svg+xml", "<svg ..."]]}, {@code
 * ["html", "<p>..."]} and so on.
 *
 * @param type the record type, such as {@code stdout}, {@code stderr}, {@code media} or {@code
 *     html}
 * @param data the record's payload as the manager sent it
 */
public record ConsoleItem(String type, JsonNode data) {

  public static final String STDOUT = "stdout";
  public static final String STDERR = "stderr";
  public static final String MEDIA = "media";

  public ConsoleItem {
    Objects.requireNonNull(type, "type");
    data = data == null ? JsonNodeFactory.instance.nullNode() : data;
  }

  /** Creates a text record such as {@code ["stdout", "3 45\n"]}. */
  public static ConsoleItem text(String type, String text) {
    return new ConsoleItem(type, JsonNodeFactory.instance.textNode(text));
  }

  /**
   * Reads the two-element array form.
   *
   * @throws IllegalArgumentException if the node is not an array whose first element is a string
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ConsoleItem fromJson(JsonNode node) {
    if (node == null || !node.isArray() || node.size() == 0 || !node.get(0).isTextual()) {
      throw new IllegalArgumentException(
          "invalid console record " + node + ": expected [\"<type>\", <data>]");
    }
    return new ConsoleItem(node.get(0).asText(), node.get(1));
  }

  /** Writes the two-element array form. */
  @JsonValue
  public ArrayNode toJson() {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    array.add(type);
    array.add(data);
    return array;
  }

  /** Returns the payload when it is a string, and its JSON text otherwise. */
  public String text() {
    return data.isTextual() ? data.asText() : data.toString();
  }

  /**
   * Returns a one-line description of the payload for records that are not plain text, such as
   * {@code [media image/svg+xml, 1234 bytes]}. The size is of the UTF-8 encoded payload text.
   */
  public String summary() {
    if (MEDIA.equals(type) && data.isArray() && data.size() >= 2) {
      String mimeType = data.get(0).asText();
      return "[" + type + " " + mimeType + ", " + utf8Length(payloadText(data.get(1))) + " bytes]";
    }
    return "[" + type + ", " + utf8Length(payloadText(data)) + " bytes]";
  }

  private static String payloadText(JsonNode node) {
    return node.isTextual() ? node.asText() : node.toString();
  }

  private static int utf8Length(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }
}
