package ai.backend.client.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/** One {@code KEY=VALUE} argument of a repeatable option such as {@code -r} or {@code -e}. */
record KeyValue(String key, String value) {

  /** Parses {@code KEY=VALUE}, splitting at the first {@code =}. */
  static final class Converter implements ITypeConverter<KeyValue> {
    @Override
    public KeyValue convert(String argument) {
      int separator = argument.indexOf('=');
      if (separator < 0) {
        throw new TypeConversionException(
            "'" + argument + "' is not of the form KEY=VALUE, for example mem=512m");
      }
      String key = argument.substring(0, separator).trim();
      if (key.isEmpty()) {
        throw new TypeConversionException(
            "'" + argument + "' has an empty key; expected KEY=VALUE, for example mem=512m");
      }
      return new KeyValue(key, argument.substring(separator + 1));
    }
  }

  /**
   * Collects pairs into a map in their command line order.
   *
   * @param option the option name for error messages, such as {@code -r}
   * @param allowEmptyValue whether {@code KEY=} is valid
   * @throws ParameterException if a key repeats or a value is empty where it must not be
   */
  static Map<String, String> toMap(
      List<KeyValue> pairs, String option, boolean allowEmptyValue, CommandLine commandLine) {
    Map<String, String> map = new LinkedHashMap<>();
    for (KeyValue pair : pairs) {
      if (!allowEmptyValue && pair.value().isBlank()) {
        throw new ParameterException(
            commandLine,
            "invalid value '"
                + pair.key()
                + "=' for option '"
                + option
                + "': the value is empty; expected KEY=VALUE, for example mem=512m");
      }
      if (map.containsKey(pair.key())) {
        throw new ParameterException(
            commandLine,
            "option '" + option + "' sets '" + pair.key() + "' twice; give each key once");
      }
      map.put(pair.key(), allowEmptyValue ? pair.value() : pair.value().trim());
    }
    return map;
  }
}
