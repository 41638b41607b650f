package ai.backend.client.admin;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Copies of resource slot maps for the records of this package. */
final class Slots {

  private Slots() {}

  /** Returns an unmodifiable copy in the same order, or an empty map for null. */
  static Map<String, String> copyOf(Map<String, String> slots) {
    return slots == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(slots));
  }

  /** Returns an unmodifiable copy in the same order, or null for null. */
  static Map<String, String> copyOrNull(Map<String, String> slots) {
    return slots == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(slots));
  }
}
