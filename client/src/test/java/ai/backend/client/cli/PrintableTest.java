package ai.backend.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class PrintableTest {

  @Test
  void controlCharactersBecomeQuestionMarks() {
    assertEquals("d/?]0;TITLE??[31mred", Printable.of("d/\u001b]0;TITLE\u0007\u001b[31mred"));
    assertEquals("f?x", Printable.of("f\nx"));
    assertEquals("a?b?c", Printable.of("a\u009bb\u007fc"));
  }

  @Test
  void plainTextStays() {
    assertEquals("résumé 名前 -rf.txt", Printable.of("résumé 名前 -rf.txt"));
    assertNull(Printable.of(null));
  }
}
