package ai.backend.client.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** The {@code --json} option of the commands that print objects. */
final class JsonOption {

  /**
   * Contains the mapper, so that Jackson loads only when a command prints JSON. Picocli creates
   * this option for every command at startup, where loading Jackson cost about 0.1 s of CPU time.
   */
  private static final class Mapper {
    static final ObjectMapper INSTANCE =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  @Option(
      names = "--json",
      description = "Print the result as JSON with the API's field names, in place of text.")
  boolean enabled;

  /** Prints a record, list or JSON tree as indented JSON. */
  static void print(PrintWriter out, Object value) {
    try {
      out.println(Mapper.INSTANCE.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print " + value.getClass() + " as JSON", e);
    }
    out.flush();
  }

  /** Returns a record as a JSON tree, to which fields can be added. */
  static ObjectNode toTree(Object value) {
    return Mapper.INSTANCE.valueToTree(value);
  }
}
