package ai.backend.common.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Converts protocol messages to and from their JSON text. */
public final class Messages {

  /**
   * Longest JSON string a message may carry, in characters. File transfers carry their content
   * Base64-encoded in one string: a 64 MiB upload, the default limit, is about 90 million
   * characters, past Jackson's default of 20 million.
   */
  public static final int MAX_STRING_LENGTH = 200_000_000;

  private static final ObjectMapper MAPPER =
      new ObjectMapper(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxStringLength(MAX_STRING_LENGTH).build())
                  .build())
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private Messages() {}

  /** Serializes a command, reply or event to JSON. */
  public static String toJson(Object message) {
    try {
      return MAPPER.writeValueAsString(message);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialize " + message.getClass(), e);
    }
  }

  /**
   * Parses JSON text into a message of the given type.
   *
   * @throws InvalidMessageException if the text is not valid JSON or not a known message
   */
  public static <T> T fromJson(String json, Class<T> type) {
    if (json == null) {
      throw new InvalidMessageException("message body is missing");
    }
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new InvalidMessageException(
          "invalid " + type.getSimpleName() + " message: " + e.getOriginalMessage(), e);
    }
  }

  /** A message that cannot be parsed; it is logged and dropped, never retried. */
  public static final class InvalidMessageException extends RuntimeException {
    public InvalidMessageException(String message) {
      super(message);
    }

    public InvalidMessageException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
