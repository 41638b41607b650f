package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.backend.kernel.tools.RunnerClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
}
