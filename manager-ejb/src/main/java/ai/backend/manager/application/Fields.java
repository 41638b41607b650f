package ai.backend.manager.application;

import ai.backend.common.resource.ResourceSlots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The fields of a JSON object in a create or update request, checked one by one with errors that
 * name the field and the accepted values. A field that is absent reads as null, which an update
 * takes as "leave unchanged".
 */
public final class Fields {

  /** Names of domains, groups, policies and presets. */
  static final Pattern OBJECT_NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{1,63}$");

  private final Map<String, Object> values;

  private Fields(Map<String, Object> values) {
    this.values = values;
  }

  /**
   * Wraps a request body after checking that it names only accepted fields.
   *
   * @throws ManagerException 400 for a missing body or an unknown field
   */
  public static Fields of(Map<String, Object> body, Set<String> accepted) throws ManagerException {
    if (body == null) {
      throw ManagerException.invalidParameters("the request body is missing: send a JSON object");
    }
    for (String name : body.keySet()) {
      if (!accepted.contains(name)) {
        throw ManagerException.invalidParameters(
            "unknown field '"
                + ManagerException.shorten(name)
                + "'; accepted fields: "
                + String.join(", ", new TreeSet<>(accepted)));
      }
    }
    return new Fields(body);
  }

  boolean has(String name) {
    return values.get(name) != null;
  }

  /** Returns a string field, trimmed, or null when absent. */
  String string(String name, int maxLength) throws ManagerException {
    Object value = values.get(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw ManagerException.invalidParameters(name + " must be a string");
    }
    // Checked before stripping: trim() would remove NUL and other control characters silently.
    if (text.chars().anyMatch(Character::isISOControl)) {
      throw ManagerException.invalidParameters(name + " contains control characters");
    }
    String trimmed = text.strip();
    if (trimmed.length() > maxLength) {
      throw ManagerException.invalidParameters(
          name + " is longer than " + maxLength + " characters");
    }
    return trimmed;
  }

  /** Returns a string field that must be present and not blank. */
  String requiredString(String name, int maxLength, String hint) throws ManagerException {
    String value = string(name, maxLength);
    if (value == null || value.isEmpty()) {
      throw ManagerException.invalidParameters(name + " is missing: " + hint);
    }
    return value;
  }

  /** Returns a name field checked against {@link #OBJECT_NAME}. */
  String name(String name, boolean required) throws ManagerException {
    String value = string(name, 64);
    if (value == null) {
      if (required) {
        throw ManagerException.invalidParameters(name + " is missing");
      }
      return null;
    }
    checkName(name, value);
    return value;
  }

  static void checkName(String field, String value) throws ManagerException {
    if (!OBJECT_NAME.matcher(value).matches()) {
      throw ManagerException.invalidParameters(
          "invalid "
              + field
              + " '"
              + ManagerException.shorten(value)
              + "': use 2 to 64 lower-case letters, digits, '.', '_' or '-', starting with a"
              + " letter or digit");
    }
  }

  /** Returns a boolean field, or null when absent. */
  Boolean bool(String name) throws ManagerException {
    Object value = values.get(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Boolean flag)) {
      throw ManagerException.invalidParameters(name + " must be true or false");
    }
    return flag;
  }

  /** Returns a whole-number field within a range, or null when absent. */
  Integer integer(String name, int min, int max) throws ManagerException {
    Object value = values.get(name);
    if (value == null) {
      return null;
    }
    long number;
    if (value instanceof Integer || value instanceof Long) {
      number = ((Number) value).longValue();
    } else {
      throw ManagerException.invalidParameters(name + " must be a whole number");
    }
    if (number < min || number > max) {
      throw ManagerException.invalidParameters(
          name + " " + number + " is out of range: use " + min + " to " + max);
    }
    return (int) number;
  }

  /** Returns a resource slot object such as {@code {"cpu": "4", "mem": "8g"}}, or null. */
  ResourceSlots slots(String name) throws ManagerException {
    Object value = values.get(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw ManagerException.invalidParameters(
          name + " must be an object such as {\"cpu\": \"4\", \"mem\": \"8g\"}");
    }
    try {
      @SuppressWarnings("unchecked")
      Map<String, ?> typed = (Map<String, ?>) map;
      return ResourceSlots.parse(typed);
    } catch (IllegalArgumentException | ClassCastException e) {
      throw ManagerException.invalidParameters(name + ": " + e.getMessage());
    }
  }

  /** Returns a list of strings, or null when absent. */
  List<String> strings(String name, int maxItems) throws ManagerException {
    Object value = values.get(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof List<?> list)) {
      throw ManagerException.invalidParameters(name + " must be a list of strings");
    }
    if (list.size() > maxItems) {
      throw ManagerException.invalidParameters(
          name + " has " + list.size() + " items, at most " + maxItems);
    }
    List<String> result = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof String text) || text.isBlank()) {
        throw ManagerException.invalidParameters(name + " must be a list of non-empty strings");
      }
      result.add(text.trim());
    }
    return result;
  }
}
