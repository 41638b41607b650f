package ai.backend.common.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceSlotsTest {

  @Test
  void parsesBinarySizes() {
    assertEquals(new BigDecimal("536870912"), ResourceSlots.parseBinarySize("512m"));
    assertEquals(new BigDecimal("2147483648"), ResourceSlots.parseBinarySize("2G"));
    assertEquals(new BigDecimal("1536"), ResourceSlots.parseBinarySize("1.5k"));
    assertEquals(new BigDecimal("1000"), ResourceSlots.parseBinarySize("1000"));
    assertEquals(new BigDecimal("1073741824"), ResourceSlots.parseBinarySize("1GiB"));
  }

  @Test
  void rejectsInvalidValues() {
    assertThrows(IllegalArgumentException.class, () -> ResourceSlots.parseBinarySize("lots"));
    assertThrows(IllegalArgumentException.class, () -> ResourceSlots.parse(Map.of("cpu", "-1")));
    assertThrows(IllegalArgumentException.class, () -> ResourceSlots.parse(Map.of("cpu", "one")));
    assertThrows(IllegalArgumentException.class, () -> ResourceSlots.parse(Map.of("CPU!", "1")));
  }

  @Test
  void fitsAndArithmetic() {
    ResourceSlots capacity = ResourceSlots.parse(Map.of("cpu", "2", "mem", "1g"));
    ResourceSlots request = ResourceSlots.parse(Map.of("cpu", "1", "mem", "512m"));
    assertTrue(request.fitsIn(capacity));
    ResourceSlots left = capacity.subtract(request).subtract(request);
    assertEquals(BigDecimal.ZERO, left.get("cpu").stripTrailingZeros());
    assertFalse(request.fitsIn(left));
    assertEquals("1", request.toStringMap().get("cpu"));
    assertEquals("536870912", request.toStringMap().get("mem"));
  }

  @Test
  void absentSlotIsZeroCapacity() {
    ResourceSlots capacity = ResourceSlots.parse(Map.of("cpu", "4"));
    ResourceSlots gpu = ResourceSlots.parse(Map.of("cuda.device", "1"));
    assertFalse(gpu.fitsIn(capacity));
  }

  @Test
  void exponentsAndHugeNumbersAreRejected() {
    for (String value : List.of("1e1000000", "1E3", "0x10", "1".repeat(19), "1.0000000001", "")) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> ResourceSlots.parse(Map.of("cpu", value)));
      assertTrue(e.getMessage().length() < 200, e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> ResourceSlots.parse(Map.of("mem", "1e9g")));
    assertThrows(
        IllegalArgumentException.class, () -> ResourceSlots.parse(Map.of("mem", "9".repeat(19))));
  }

  @Test
  void moreThanMaxSlotsIsRejected() {
    Map<String, String> many = new java.util.HashMap<>();
    for (int i = 0; i <= ResourceSlots.MAX_SLOTS; i++) {
      many.put("slot" + i, "1");
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResourceSlots.parse(many));
    assertTrue(e.getMessage().contains("at most " + ResourceSlots.MAX_SLOTS), e.getMessage());
  }
}
