package ai.backend.agent.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.protocol.AgentEvent;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatedImagesTest {

  @Test
  void builtInListHasPythonWithMinimumSlots() {
    AgentEvent.ImageInfo python =
        SimulatedImages.BUILT_IN.stream()
            .filter(image -> image.name().equals("backendai/python:3.11-debian12"))
            .findFirst()
            .orElseThrow();

    Map<String, String> labels = python.labels();
    assertEquals("1", labels.get("ai.backend.kernelspec"));
    assertEquals("python", labels.get("ai.backend.runtime-type"));
    assertEquals("1", labels.get("ai.backend.resource.min.cpu"));
    assertEquals("256m", labels.get("ai.backend.resource.min.mem"));
  }

  @Test
  void unreachableEngineGivesBuiltInList() {
    assertEquals(SimulatedImages.BUILT_IN, SimulatedImages.load("unix:///nonexistent/docker.sock"));
  }

  @Test
  void builtInImagesAreMarkedSimulated() {
    for (AgentEvent.ImageInfo image : SimulatedImages.BUILT_IN) {
      assertEquals(SimulatedImages.BUILT_IN_ID, image.id(), image.name());
      assertTrue(image.labels().containsKey("ai.backend.kernelspec"), image.name());
    }
  }
}
