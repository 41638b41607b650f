package ai.backend.client.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Labeled values printed one per line, with the values aligned, such as {@code Name: default}. */
final class FieldList {

  private final List<String> labels = new ArrayList<>();
  private final List<String> values = new ArrayList<>();

  /** Adds a field; a null or empty value prints as {@code -}. */
  FieldList add(String label, Object value) {
    String text = value == null ? "" : value.toString();
    labels.add(label + ":");
    values.add(text.isEmpty() ? "-" : text.replace('\n', ' '));
    return this;
  }

  void print(PrintWriter out) {
    int width = labels.stream().mapToInt(String::length).max().orElse(0);
    for (int i = 0; i < labels.size(); i++) {
      out.println(labels.get(i) + " ".repeat(width - labels.get(i).length() + 1) + values.get(i));
    }
    out.flush();
  }

  /** Returns {@code yes}, {@code no}, or null when the value is unknown. */
  static String yesNo(Boolean value) {
    if (value == null) {
      return null;
    }
    return value ? "yes" : "no";
  }

  /** Formats slots like {@code bai images}; an empty map prints as {@code unlimited}. */
  static String slotsOrUnlimited(Map<String, String> slots) {
    return slots.isEmpty() ? "unlimited" : ImagesCommand.formatSlots(slots);
  }
}
