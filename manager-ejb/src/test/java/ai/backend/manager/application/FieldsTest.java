package ai.backend.manager.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FieldsTest {

  private static Fields fields(Map<String, Object> body) throws ManagerException {
    return Fields.of(body, Set.of("name", "count", "flag", "slots", "list", "text"));
  }

  private static String failure(ThrowingCall call) {
    ManagerException e = assertThrows(ManagerException.class, call::run);
    assertEquals(400, e.getHttpStatus());
    return e.getMessage();
  }

  interface ThrowingCall {
    void run() throws ManagerException;
  }

  @Test
  void unknownFieldIsNamedWithTheAcceptedOnes() {
    String message = failure(() -> fields(Map.of("nmae", "x")));
    assertTrue(message.contains("'nmae'"), message);
    assertTrue(message.contains("count, flag, list, name, slots, text"), message);
  }

  @Test
  void missingBodyIsRefused() {
    assertTrue(failure(() -> fields(null)).contains("body is missing"));
  }

  @Test
  void absentFieldsReadAsNull() throws ManagerException {
    Fields empty = fields(Map.of());
    assertNull(empty.string("text", 10));
    assertNull(empty.integer("count", 0, 5));
    assertNull(empty.bool("flag"));
    assertNull(empty.slots("slots"));
    assertNull(empty.strings("list", 3));
    assertNull(empty.name("name", false));
  }

  @Test
  void wrongTypesAreRefusedByName() {
    assertTrue(
        failure(() -> fields(Map.of("count", "3")).integer("count", 0, 5)).contains("count"));
    assertTrue(
        failure(() -> fields(Map.of("count", 2.5)).integer("count", 0, 5)).contains("count"));
    assertTrue(failure(() -> fields(Map.of("flag", "true")).bool("flag")).contains("flag"));
    assertTrue(failure(() -> fields(Map.of("text", 7)).string("text", 10)).contains("text"));
    assertTrue(failure(() -> fields(Map.of("slots", "4")).slots("slots")).contains("slots"));
    assertTrue(failure(() -> fields(Map.of("list", "a")).strings("list", 3)).contains("list"));
  }

  @Test
  void rangesLengthsAndControlCharactersAreChecked() {
    assertTrue(failure(() -> fields(Map.of("count", 9)).integer("count", 0, 5)).contains("0 to 5"));
    assertTrue(
        failure(() -> fields(Map.of("text", "x".repeat(11))).string("text", 10))
            .contains("longer than 10"));
    assertTrue(
        failure(() -> fields(Map.of("text", "a\nb")).string("text", 10))
            .contains("control characters"));
    assertTrue(
        failure(() -> fields(Map.of("list", List.of("a", "b", "c", "d"))).strings("list", 3))
            .contains("at most 3"));
  }

  @Test
  void namesFollowTheObjectNameRule() throws ManagerException {
    assertEquals("lab-1", fields(Map.of("name", "lab-1")).name("name", true));
    for (String bad : List.of("A", "Lab", "-lab", "la b", "../etc", "x".repeat(65))) {
      Map<String, Object> body = new HashMap<>();
      body.put("name", bad);
      String message = failure(() -> fields(body).name("name", true));
      assertTrue(message.contains("invalid name") || message.contains("longer"), message);
    }
  }

  @Test
  void slotsAreParsedWithBinarySizes() throws ManagerException {
    var slots = fields(Map.of("slots", Map.of("cpu", "2", "mem", "1g"))).slots("slots");
    assertEquals("2", slots.toStringMap().get("cpu"));
    assertEquals("1073741824", slots.toStringMap().get("mem"));
    assertTrue(
        failure(() -> fields(Map.of("slots", Map.of("cpu", "-1"))).slots("slots"))
            .contains("slots"));
  }
}
