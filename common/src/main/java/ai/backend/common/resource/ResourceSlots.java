package ai.backend.common.resource;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An immutable set of resource slots such as {@code cpu} (cores, fractional allowed) and {@code
 * mem} (bytes), with decimal values as Backend.AI sends them.
 */
public final class ResourceSlots {

  public static final String CPU = "cpu";
  public static final String MEM = "mem";

  private static final Pattern BINARY_SIZE =
      Pattern.compile("^\\s*([0-9]{1,18}(?:\\.[0-9]{1,9})?)\\s*([kmgtp]?)(?:i?b)?\\s*$");

  /** A plain decimal: no exponent, so that a short text cannot stand for a huge number. */
  private static final Pattern DECIMAL = Pattern.compile("^\\s*[0-9]{1,18}(?:\\.[0-9]{1,9})?\\s*$");

  /** Slots per set at most; agents and policies name a handful. */
  public static final int MAX_SLOTS = 32;

  private static final Pattern SLOT_NAME = Pattern.compile("^[a-z][a-z0-9_.-]{0,63}$");

  private final Map<String, BigDecimal> values;

  private ResourceSlots(Map<String, BigDecimal> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  /** Returns slots with no values. */
  public static ResourceSlots empty() {
    return new ResourceSlots(Map.of());
  }

  /** Returns slots with the given values. */
  public static ResourceSlots of(Map<String, BigDecimal> values) {
    return new ResourceSlots(values);
  }

  /**
   * Parses slots from user input: {@code mem} accepts binary sizes ({@code 512m}, {@code 1g},
   * {@code 1073741824}), every other slot a non-negative decimal number.
   *
   * @throws IllegalArgumentException naming the slot and value that are invalid
   */
  public static ResourceSlots parse(Map<String, ?> input) {
    Map<String, BigDecimal> parsed = new TreeMap<>();
    if (input == null) {
      return empty();
    }
    if (input.size() > MAX_SLOTS) {
      throw new IllegalArgumentException(
          input.size() + " resource slots given; at most " + MAX_SLOTS + " are accepted");
    }
    for (Map.Entry<String, ?> entry : input.entrySet()) {
      String name = entry.getKey();
      if (name == null || !SLOT_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "invalid resource slot name '" + name + "': use lower-case letters such as cpu, mem");
      }
      Object raw = entry.getValue();
      String text = raw == null ? "" : raw.toString();
      BigDecimal value = MEM.equals(name) ? parseBinarySize(text) : parseDecimal(name, text);
      parsed.put(name, value);
    }
    return new ResourceSlots(parsed);
  }

  /**
   * Parses a size in bytes with an optional binary suffix: {@code k}, {@code m}, {@code g}, {@code
   * t}, {@code p} (powers of 1024), case-insensitive.
   */
  public static BigDecimal parseBinarySize(String text) {
    Matcher matcher = BINARY_SIZE.matcher(text == null ? "" : text.toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "invalid memory size '" + shorten(text) + "': use bytes or a size such as 512m or 2g");
    }
    BigDecimal number = new BigDecimal(matcher.group(1));
    String suffix = matcher.group(2);
    int power = suffix.isEmpty() ? 0 : "kmgtp".indexOf(suffix) + 1;
    BigDecimal bytes = number.multiply(BigDecimal.valueOf(1024).pow(power));
    return bytes.setScale(0, java.math.RoundingMode.CEILING);
  }

  private static BigDecimal parseDecimal(String name, String text) {
    if (text.trim().startsWith("-")) {
      throw new IllegalArgumentException(
          "invalid value '"
              + shorten(text)
              + "' for resource slot "
              + name
              + ": it must not be negative");
    }
    if (!DECIMAL.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "invalid value '"
              + shorten(text)
              + "' for resource slot "
              + name
              + ": expected a plain decimal number such as 2 or 0.5");
    }
    return new BigDecimal(text.trim()).stripTrailingZeros();
  }

  private static String shorten(String text) {
    String printable = text.replaceAll("\\p{Cntrl}", "?");
    return printable.length() <= 40 ? printable : printable.substring(0, 37) + "...";
  }

  /** Returns the value of a slot, zero when it is absent. */
  public BigDecimal get(String name) {
    return values.getOrDefault(name, BigDecimal.ZERO);
  }

  /** Returns the slot values, sorted by name. */
  public Map<String, BigDecimal> asMap() {
    return values;
  }

  /** Returns these slots with {@code defaults} filled in for slots that are absent. */
  public ResourceSlots withDefaults(ResourceSlots defaults) {
    Map<String, BigDecimal> merged = new TreeMap<>(defaults.values);
    merged.putAll(values);
    return new ResourceSlots(merged);
  }

  /** Returns the sum of both, slot by slot. */
  public ResourceSlots add(ResourceSlots other) {
    Map<String, BigDecimal> sum = new TreeMap<>(values);
    other.values.forEach((name, value) -> sum.merge(name, value, BigDecimal::add));
    return new ResourceSlots(sum);
  }

  /** Returns these slots less {@code other}, slot by slot; results may be negative. */
  public ResourceSlots subtract(ResourceSlots other) {
    Map<String, BigDecimal> difference = new TreeMap<>(values);
    other.values.forEach((name, value) -> difference.merge(name, value.negate(), BigDecimal::add));
    return new ResourceSlots(difference);
  }

  /** Tells whether every slot of these is at most the same slot of {@code capacity}. */
  public boolean fitsIn(ResourceSlots capacity) {
    return values.entrySet().stream()
        .allMatch(e -> e.getValue().compareTo(capacity.get(e.getKey())) <= 0);
  }

  /** Returns the values as plain decimal strings, as the protocol carries them. */
  public Map<String, String> toStringMap() {
    Map<String, String> strings = new TreeMap<>();
    values.forEach((name, value) -> strings.put(name, value.toPlainString()));
    return strings;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof ResourceSlots slots)) {
      return false;
    }
    if (!values.keySet().equals(slots.values.keySet())) {
      return false;
    }
    return values.entrySet().stream()
        .allMatch(e -> e.getValue().compareTo(slots.values.get(e.getKey())) == 0);
  }

  @Override
  public int hashCode() {
    return values.keySet().hashCode();
  }

  @Override
  public String toString() {
    return toStringMap().toString();
  }
}
