package ai.backend.kernel;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** UTF-8 encoding that never produces invalid bytes, and decoding that never fails. */
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

  /**
   * Incremental UTF-8 decoder for a byte stream that arrives in pieces, such as a process's output.
   * A character split across two pieces is decoded once its last byte arrives, and each invalid
   * byte sequence becomes U+FFFD. Not thread-safe.
   */
  static final class Decoder {

    /** Bytes of an incomplete character at the end of the last piece, at most 3. */
    private ByteBuffer pending = ByteBuffer.allocate(0);

    private final CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);

    /** Returns the text of the complete characters so far, keeping an incomplete last one. */
    String decode(byte[] bytes, int offset, int length) {
      ByteBuffer input = ByteBuffer.allocate(pending.remaining() + length);
      input.put(pending).put(bytes, offset, length).flip();
      // UTF-8 never decodes to more chars than bytes, replacements included.
      CharBuffer output = CharBuffer.allocate(input.remaining());
      decoder.decode(input, output, false);
      // A copy, so the piece's buffer is not kept alive by the few pending bytes.
      pending = ByteBuffer.allocate(input.remaining()).put(input).flip();
      return output.flip().toString();
    }

    /** Returns U+FFFD for an incomplete character left at the end, and resets the decoder. */
    String finish() {
      CharBuffer output = CharBuffer.allocate(pending.remaining() + 1);
      decoder.decode(pending, output, true);
      decoder.flush(output);
      decoder.reset();
      pending = ByteBuffer.allocate(0);
      return output.flip().toString();
    }
  }
}
