package ai.backend.common.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkPathsTest {

  @Test
  void acceptsRelativePaths() {
    assertEquals("main.c", WorkPaths.requireRelative("main.c"));
    assertEquals("src/util/a b.txt", WorkPaths.requireRelative("src/util/a b.txt"));
    assertEquals(".hidden", WorkPaths.requireRelative(".hidden"));
  }

  @Test
  void rejectsEscapingPaths() {
    for (String path :
        List.of(
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "a//b",
            "a/",
            "..",
            "a\u0000b",
            "a\nb",
            "a\\..\\b",
            "x".repeat(256),
            "a/".repeat(2100) + "b")) {
      assertThrows(IllegalArgumentException.class, () -> WorkPaths.requireRelative(path), path);
    }
  }
}
