package ai.backend.manager.domain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImageNamesTest {

  @Test
  void aliasesOfNamespacedImage() {
    assertEquals(
        List.of("backendai/python:3.11-debian12", "python:3.11-debian12", "python:3.11", "python"),
        ImageNames.aliasesOf("backendai/python:3.11-debian12"));
  }

  @Test
  void aliasesOfUntaggedImage() {
    assertEquals(List.of("backendai/c", "c"), ImageNames.aliasesOf("backendai/c"));
  }

  @Test
  void aliasesOfForeignImage() {
    assertEquals(
        List.of("lab/r:4.2", "lab/r:4.2", "lab/r:4.2", "lab/r"), ImageNames.aliasesOf("lab/r:4.2"));
  }
}
