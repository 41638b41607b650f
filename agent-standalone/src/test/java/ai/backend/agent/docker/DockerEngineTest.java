package ai.backend.agent.docker;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.agent.docker.DockerEngineException.EngineUnreachableException;
import org.junit.jupiter.api.Test;

class DockerEngineTest {

  @Test
  void missingSocketIsUnreachable() {
    try (DockerEngine engine = new DockerEngine("unix:///nonexistent/docker.sock")) {
      EngineUnreachableException error =
          assertThrows(EngineUnreachableException.class, engine::version);

      assertTrue(
          error.getMessage().contains("unix:///nonexistent/docker.sock"), error.getMessage());
      assertTrue(error.getMessage().contains("--docker-host"), error.getMessage());
    }
  }
}
