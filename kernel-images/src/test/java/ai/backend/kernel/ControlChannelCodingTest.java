package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.kernel.tools.RunnerClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Encoding of control-channel lines and of record payloads. */
class ControlChannelCodingTest {

  @Test
  void requestIsOneJsonLine() {
    assertEquals(
        "[\"code\",\"print(\\\"a\\\")\\nx = 1\"]",
        DriverProcess.encodeRequest("code", "print(\"a\")\nx = 1"));
  }

  @Test
  void stringPayloadIsDecoded() throws IOException {
    assertEquals(
        new Record("stdout", "a\nb é"),
        DriverProcess.decodeRecord("[\"stdout\", \"a\\nb \\u00e9\"]"));
  }

  @Test
  void jsonPayloadIsKeptAsJsonText() throws IOException {
    Record finished = DriverProcess.decodeRecord("[\"finished\", {\"exitCode\": 3}]");
    assertEquals("{\"exitCode\":3}", finished.payload());
    assertEquals(3, RunnerClient.exitCode(finished));
  }

  @Test
  void nullPayloadIsEmptyText() throws IOException {
    assertEquals(new Record("ready", ""), DriverProcess.decodeRecord("[\"ready\", null]"));
  }

  @Test
  void nonArrayLineIsRejected() {
    assertThrows(IOException.class, () -> DriverProcess.decodeRecord("{\"type\": \"stdout\"}"));
    assertThrows(IOException.class, () -> DriverProcess.decodeRecord("[\"stdout\", \"a\", 1]"));
  }

  @Test
  void loneSurrogateEncodesAsReplacementCharacter() {
    assertArrayEquals(
        new byte[] {'a', (byte) 0xEF, (byte) 0xBF, (byte) 0xBD, 'b'}, Utf8.encode("a\uDCFFb"));
    assertArrayEquals("😀".getBytes(StandardCharsets.UTF_8), Utf8.encode("\uD83D\uDE00"));
  }

  @Test
  void readyFeaturesAreDecoded() {
    assertEquals(
        Set.of("input", "complete"),
        DriverProcess.decodeFeatures("{\"features\":[\"input\",\"complete\"]}"));
    assertEquals(Set.of(), DriverProcess.decodeFeatures(""));
    assertEquals(Set.of(), DriverProcess.decodeFeatures("[\"input\"]"));
    assertEquals(Set.of(), DriverProcess.decodeFeatures("{\"features\": "));
  }

  @Test
  void decoderJoinsCharacterSplitAcrossPieces() {
    Utf8.Decoder decoder = new Utf8.Decoder();
    byte[] emoji = "a\uD83D\uDE00b".getBytes(StandardCharsets.UTF_8);
    assertEquals("a", decoder.decode(emoji, 0, 3));
    assertEquals("\uD83D\uDE00b", decoder.decode(emoji, 3, emoji.length - 3));
    assertEquals("", decoder.finish());
  }

  @Test
  void decoderReplacesInvalidBytesAndKeepsNul() {
    Utf8.Decoder decoder = new Utf8.Decoder();
    byte[] bytes = {'a', (byte) 0xFF, 0, (byte) 0xED, (byte) 0xB3, (byte) 0xA9, 'b'};
    String text = decoder.decode(bytes, 0, bytes.length);
    assertEquals('a', text.charAt(0));
    assertEquals('\uFFFD', text.charAt(1));
    assertEquals('\u0000', text.charAt(2));
    assertTrue(text.substring(3, text.length() - 1).chars().allMatch(c -> c == 0xFFFD), text);
    assertEquals('b', text.charAt(text.length() - 1));
  }

  @Test
  void decoderFinishReplacesTruncatedCharacter() {
    Utf8.Decoder decoder = new Utf8.Decoder();
    byte[] bytes = {'e', (byte) 0xE2, (byte) 0x82};
    assertEquals("e", decoder.decode(bytes, 0, bytes.length));
    assertEquals("\uFFFD", decoder.finish());
    assertEquals("x", decoder.decode(new byte[] {'x'}, 0, 1));
  }
}
