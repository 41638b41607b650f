package ai.backend.agent.files;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkPathsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "main.py",
        "a/b/c.txt",
        "..hidden",
        "a/.profile",
        "name with spaces",
        "ünïcödé/☃",
        "-starts-with-dash",
        "back\\slash"
      })
  void validPathsPass(String path) {
    assertDoesNotThrow(() -> WorkPaths.check(path));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        ".",
        "..",
        "../x",
        "a/../../x",
        "a/..",
        "./x",
        "a/./b",
        "/etc/passwd",
        "a//b",
        "a/",
        "x\u0000y",
        "x\ny",
        "x\ty",
        "x\u007fy",
        "x\ud800y"
      })
  void invalidPathsAreRejected(String path) {
    FileCommandException error =
        assertThrows(FileCommandException.class, () -> WorkPaths.check(path));

    assertEquals(FileCommandException.INVALID_PATH, error.code());
    assertTrue(error.getMessage().startsWith("invalid path '"), error.getMessage());
  }

  @Test
  void loneDotIsAFolderToList() throws Exception {
    WorkPaths.checkFolder(".");
    assertThrows(FileCommandException.class, () -> WorkPaths.checkFolder("./sub"));
    assertEquals("/home/work", WorkPaths.absolute("."));
    assertEquals("/home/work/sub/dir", WorkPaths.absolute("sub/dir"));
  }

  @Test
  void namesAndPathsHaveByteLimits() throws Exception {
    WorkPaths.check("n".repeat(255));
    WorkPaths.check("é".repeat(127));
    FileCommandException name =
        assertThrows(FileCommandException.class, () -> WorkPaths.check("é".repeat(128)));
    assertTrue(name.getMessage().contains("256 bytes"), name.getMessage());
    assertTrue(name.getMessage().contains("255"), name.getMessage());

    String longest = ("n".repeat(99) + "/").repeat(40) + "n".repeat(95);
    assertEquals(4095, longest.length());
    WorkPaths.check(longest + "n");
    FileCommandException path =
        assertThrows(FileCommandException.class, () -> WorkPaths.check(longest + "nn"));
    assertTrue(path.getMessage().contains("4096"), path.getMessage());
  }

  @Test
  void countIsLimited() throws Exception {
    WorkPaths.checkCount(Collections.nCopies(1000, "x"), "upload");
    FileCommandException tooMany =
        assertThrows(
            FileCommandException.class,
            () -> WorkPaths.checkCount(Collections.nCopies(1001, "x"), "upload"));
    assertEquals(FileCommandException.TOO_LARGE, tooMany.code());
    assertTrue(tooMany.getMessage().contains("1000"), tooMany.getMessage());

    FileCommandException none =
        assertThrows(FileCommandException.class, () -> WorkPaths.checkCount(List.of(), "upload"));
    assertEquals(FileCommandException.INVALID_PATH, none.code());
  }

  @Test
  void shownPathEscapesControlCharactersAndShortens() {
    assertEquals("a\\u000ab", WorkPaths.shown("a\nb"));
    String shown = WorkPaths.shown("x".repeat(500));
    assertEquals(203, shown.length());
    assertTrue(shown.endsWith("..."));
    assertEquals("(none)", WorkPaths.shown(null));
  }
}
