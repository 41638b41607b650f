package ai.backend.common.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessagesTest {

  @Test
  void commandRoundTripKeepsType() {
    AgentCommand command =
        new AgentCommand.CreateKernel(
            "s1", "k1", "backendai/python:3.11-debian12", Map.of("cpu", "1"), Map.of(), "AK");
    String json = Messages.toJson(command);
    assertTrue(json.contains("\"type\":\"create_kernel\""), json);
    AgentCommand parsed = Messages.fromJson(json, AgentCommand.class);
    assertEquals(command, parsed);
  }

  @Test
  void eventRoundTrip() {
    AgentEvent event =
        new AgentEvent.Heartbeat(
            "a1",
            "host",
            "0.1",
            "default",
            Map.of("cpu", "2"),
            Map.of(),
            List.of(new AgentEvent.KernelInfo("s", "k", "c", "running")),
            List.of(),
            5);
    AgentEvent parsed = Messages.fromJson(Messages.toJson(event), AgentEvent.class);
    assertInstanceOf(AgentEvent.Heartbeat.class, parsed);
    assertEquals(event, parsed);
  }

  @Test
  void rejectsUnknownType() {
    assertThrows(
        Messages.InvalidMessageException.class,
        () -> Messages.fromJson("{\"type\":\"format_disk\"}", AgentCommand.class));
    assertThrows(
        Messages.InvalidMessageException.class,
        () -> Messages.fromJson("not json", AgentEvent.class));
    assertThrows(
        Messages.InvalidMessageException.class, () -> Messages.fromJson(null, AgentEvent.class));
  }

  @Test
  void uploadOfSixtyFourMebibytesRoundTrips() {
    // 64 MiB Base64-encoded: about 90 million characters in one JSON string.
    String content = "A".repeat((64 << 20) / 3 * 4);
    String json =
        Messages.toJson(
            new AgentCommand.UploadFiles(
                "s", "k", java.util.List.of(new AgentCommand.FileData("big.bin", content))));
    AgentCommand parsed = Messages.fromJson(json, AgentCommand.class);
    AgentCommand.UploadFiles upload = (AgentCommand.UploadFiles) parsed;
    org.junit.jupiter.api.Assertions.assertEquals(
        content.length(), upload.files().get(0).contentBase64().length());
  }
}
