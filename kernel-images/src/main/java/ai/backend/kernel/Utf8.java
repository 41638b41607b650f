package ai.backend.kernel;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** UTF-8 encoding that never produces invalid bytes. */
final class Utf8 {

  private static final byte[] REPLACEMENT_CHARACTER = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

  private Utf8() {}

  /**
   * Encodes text as UTF-8, replacing each lone surrogate with U+FFFD.
   *
   * <p>{@link String#getBytes} would replace it with '?' instead.
   */
  static byte[] encode(String text) {
    if (!hasSurrogate(text)) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
    CharsetEncoder encoder =
        StandardCharsets.UTF_8
            .newEncoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE)
            .replaceWith(REPLACEMENT_CHARACTER);
    try {
      ByteBuffer buffer = encoder.encode(CharBuffer.wrap(text));
      return Arrays.copyOfRange(buffer.array(), buffer.arrayOffset(), buffer.limit());
    } catch (CharacterCodingException e) {
      // REPLACE never reports errors.
      throw new IllegalStateException("UTF-8 encoding with replacement failed", e);
    }
  }

  private static boolean hasSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isSurrogate(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }
}
