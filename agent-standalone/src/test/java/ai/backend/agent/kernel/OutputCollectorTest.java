package ai.backend.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputCollectorTest {

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void consecutiveRecordsOfOneStreamMerge() {
    OutputCollector collector = new OutputCollector(1024);
    collector.addText("stdout", utf8("a"));
    collector.addText("stdout", utf8("b"));
    collector.addText("stderr", utf8("c"));
    collector.addText("stdout", utf8("d"));
    collector.addText("stdout", utf8("e"));

    List<List<Object>> console = collector.console();

    assertEquals(
        List.of(List.of("stdout", "ab"), List.of("stderr", "c"), List.of("stdout", "de")), console);
  }

  @Test
  void htmlAndMediaStaySeparateItems() {
    OutputCollector collector = new OutputCollector(1024);
    collector.addText("html", utf8("<b>1</b>"));
    collector.addText("html", utf8("<b>2</b>"));
    collector.addMedia("image/svg+xml", "<svg/>");

    List<List<Object>> console = collector.console();

    assertEquals(3, console.size());
    assertEquals(List.of("html", "<b>1</b>"), console.get(0));
    assertEquals(List.of("html", "<b>2</b>"), console.get(1));
    assertEquals(List.of("media", List.of("image/svg+xml", "<svg/>")), console.get(2));
  }

  @Test
  void emptyRecordsAddNothing() {
    OutputCollector collector = new OutputCollector(16);
    collector.addText("stdout", new byte[0]);

    assertTrue(collector.isEmpty());
    assertEquals(List.of(), collector.console());
  }

  @Test
  void limitKeepsFirstBytesAndAppendsOneMarker() {
    OutputCollector collector = new OutputCollector(10);
    collector.addText("stdout", utf8("0123456"));
    collector.addText("stdout", utf8("789abc"));
    collector.addText("stdout", utf8("defghij"));

    List<List<Object>> console = collector.console();

    assertEquals(2, console.size());
    assertEquals(List.of("stdout", "0123456789"), console.get(0));
    assertEquals("stdout", console.get(1).get(0));
    assertEquals(
        "\n[output truncated: 10-byte limit per stream reached on stdout; 10 bytes dropped]\n",
        console.get(1).get(1));
    assertEquals(10, collector.droppedBytes("stdout"));
  }

  @Test
  void limitAppliesPerStream() {
    OutputCollector collector = new OutputCollector(4);
    collector.addText("stdout", utf8("aaaaaa"));
    collector.addText("stderr", utf8("bbb"));

    List<List<Object>> console = collector.console();

    assertEquals(List.of("stdout", "aaaa"), console.get(0));
    assertEquals(List.of("stderr", "bbb"), console.get(1));
    assertEquals(2, collector.droppedBytes("stdout"));
    assertEquals(0, collector.droppedBytes("stderr"));
    assertEquals(3, console.size());
  }

  @Test
  void nothingIsKeptAfterTheFirstDrop() {
    OutputCollector collector = new OutputCollector(4);
    collector.addText("stdout", utf8("abc"));
    collector.addText("stdout", utf8("defg"));
    collector.addText("stdout", utf8("h"));

    List<List<Object>> console = collector.console();

    assertEquals(List.of("stdout", "abcd"), console.get(0));
    assertEquals(4, collector.droppedBytes("stdout"));
  }

  @Test
  void cutNeverSplitsUtf8Character() {
    // "é" and "€" take 2 and 3 bytes, so a 4-byte limit falls inside the "€".
    OutputCollector collector = new OutputCollector(4);
    collector.addText("stdout", utf8("aé€b"));

    List<List<Object>> console = collector.console();

    assertEquals(List.of("stdout", "aé"), console.get(0));
    assertEquals(4, collector.droppedBytes("stdout"));
  }

  @Test
  void cutKeepsFourByteCharacterWhole() {
    OutputCollector collector = new OutputCollector(5);
    collector.addText("stderr", utf8("a😀b"));

    assertEquals(List.of("stderr", "a😀"), collector.console().get(0));
  }

  @Test
  void characterSplitAcrossRecordsIsJoined() {
    byte[] euro = utf8("€");
    OutputCollector collector = new OutputCollector(100);
    collector.addText("stdout", new byte[] {euro[0]});
    collector.addText("stdout", new byte[] {euro[1], euro[2]});

    assertEquals(List.of("stdout", "€"), collector.console().get(0));
  }

  @Test
  void utf8BoundaryBacksOffContinuationBytes() {
    byte[] data = utf8("x€");

    assertEquals(1, OutputCollector.utf8Boundary(data, 1));
    assertEquals(1, OutputCollector.utf8Boundary(data, 2));
    assertEquals(1, OutputCollector.utf8Boundary(data, 3));
    assertEquals(4, OutputCollector.utf8Boundary(data, 4));
    assertEquals(4, OutputCollector.utf8Boundary(data, 10));
  }

  @Test
  void oversizedMediaIsDroppedWhole() {
    OutputCollector collector = new OutputCollector(8);
    collector.addMedia("image/png", "0123456789");
    collector.addMedia("image/png", "abc");

    List<List<Object>> console = collector.console();

    assertEquals(1, console.size());
    assertEquals("stderr", console.get(0).get(0));
    assertTrue(console.get(0).get(1).toString().contains("on media; 13 bytes dropped"));
  }

  @Test
  void memoryStaysBoundedForEndlessOutput() {
    OutputCollector collector = new OutputCollector(1024);
    byte[] chunk = new byte[4096];
    java.util.Arrays.fill(chunk, (byte) 'x');
    for (int i = 0; i < 10_000; i++) {
      collector.addText("stdout", chunk);
    }

    List<List<Object>> console = collector.console();

    assertEquals(1024, console.get(0).get(1).toString().length());
    assertEquals(4096L * 10_000 - 1024, collector.droppedBytes("stdout"));
  }

  @Test
  void itemCountIsCapped() {
    OutputCollector collector = new OutputCollector(1 << 20);
    for (int i = 0; i < OutputCollector.MAX_ITEMS + 10; i++) {
      collector.addText(i % 2 == 0 ? "stdout" : "stderr", utf8("z"));
    }

    List<List<Object>> console = collector.console();

    // Past the cap, stderr records still merge into the last item, which is stderr, while the five
    // stdout records would need new items and are dropped.
    assertEquals(OutputCollector.MAX_ITEMS + 1, console.size());
    String marker = console.get(console.size() - 1).get(1).toString();
    assertTrue(marker.contains("10000-item limit per call reached; 5 bytes dropped"), marker);
  }
}
