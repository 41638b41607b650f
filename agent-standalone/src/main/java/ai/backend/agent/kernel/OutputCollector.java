package ai.backend.agent.kernel;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects the console items of one execute call in Backend.AI's form {@code [type, data]}, with a
 * byte limit per stream so that memory stays bounded whatever the code prints.
 *
 * <p>Consecutive {@code stdout}, {@code stderr} and {@code log} records merge into one item. These
 * text streams keep their first {@code limitBytes} bytes, cut at a UTF-8 character boundary. {@code
 * html} and {@code media} items are kept whole or dropped whole. Each stream that lost bytes gets
 * one marker item at the end of the console. Not thread-safe.
 */
public final class OutputCollector {

  /** Streams whose consecutive records merge and may be cut inside a record. */
  private static final Set<String> TEXT_STREAMS = Set.of("stdout", "stderr", "log");

  /** Items per call beyond which every further record is dropped, whatever its size. */
  static final int MAX_ITEMS = 10_000;

  private final long limitBytes;
  private final List<Item> items = new ArrayList<>();
  private final Map<String, StreamUsage> usage = new LinkedHashMap<>();
  private long itemCapDroppedBytes;

  /** One console item: text bytes for text and html items, or a media pair. */
  private static final class Item {
    final String type;
    final ByteArrayOutputStream text;
    final String mimeType;
    final String mediaData;

    Item(String type, ByteArrayOutputStream text, String mimeType, String mediaData) {
      this.type = type;
      this.text = text;
      this.mimeType = mimeType;
      this.mediaData = mediaData;
    }
  }

  /** Bytes kept and dropped for one stream; once it drops a byte it keeps no later ones. */
  private static final class StreamUsage {
    long keptBytes;
    long droppedBytes;
  }

  public OutputCollector(long limitBytes) {
    if (limitBytes < 1) {
      throw new IllegalArgumentException("output limit must be at least 1 byte: " + limitBytes);
    }
    this.limitBytes = limitBytes;
  }

  /** Tells whether nothing was collected or dropped yet. */
  public boolean isEmpty() {
    return items.isEmpty() && usage.isEmpty() && itemCapDroppedBytes == 0;
  }

  /**
   * Adds a {@code stdout}, {@code stderr}, {@code log} or {@code html} record.
   *
   * @param data the record's UTF-8 payload
   */
  public void addText(String stream, byte[] data) {
    if (data.length == 0) {
      return;
    }
    StreamUsage streamUsage = usage.computeIfAbsent(stream, name -> new StreamUsage());
    boolean mergeable = TEXT_STREAMS.contains(stream);
    Item last = items.isEmpty() ? null : items.get(items.size() - 1);
    boolean merges = mergeable && last != null && last.type.equals(stream);
    if (!merges && items.size() >= MAX_ITEMS) {
      itemCapDroppedBytes += data.length;
      return;
    }
    int keep = bytesToKeep(streamUsage, data, mergeable);
    streamUsage.droppedBytes += data.length - keep;
    if (keep == 0) {
      return;
    }
    streamUsage.keptBytes += keep;
    if (merges) {
      last.text.write(data, 0, keep);
    } else {
      ByteArrayOutputStream text = new ByteArrayOutputStream(Math.min(keep, 8192));
      text.write(data, 0, keep);
      items.add(new Item(stream, text, null, null));
    }
  }

  /** Adds a {@code media} record, counted by the UTF-8 size of its data. */
  public void addMedia(String mimeType, String data) {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    StreamUsage streamUsage = usage.computeIfAbsent("media", name -> new StreamUsage());
    if (items.size() >= MAX_ITEMS) {
      itemCapDroppedBytes += bytes.length;
      return;
    }
    int keep = bytesToKeep(streamUsage, bytes, false);
    if (keep == 0) {
      streamUsage.droppedBytes += bytes.length;
      return;
    }
    streamUsage.keptBytes += keep;
    items.add(new Item("media", null, mimeType, data));
  }

  /**
   * Returns how many bytes of {@code data} fit: all of them, none once the stream dropped anything,
   * or for text streams the longest prefix that fits and ends on a character boundary.
   */
  private int bytesToKeep(StreamUsage streamUsage, byte[] data, boolean cuttable) {
    if (streamUsage.droppedBytes > 0) {
      return 0;
    }
    long room = limitBytes - streamUsage.keptBytes;
    if (data.length <= room) {
      return data.length;
    }
    if (!cuttable || room <= 0) {
      return 0;
    }
    return utf8Boundary(data, (int) room);
  }

  /** Returns the largest index at most {@code max} that does not split a UTF-8 sequence. */
  static int utf8Boundary(byte[] data, int max) {
    int cut = Math.min(max, data.length);
    while (cut > 0 && cut < data.length && (data[cut] & 0xC0) == 0x80) {
      cut--;
    }
    return cut;
  }

  /** Returns the bytes dropped from {@code stream} so far. */
  public long droppedBytes(String stream) {
    StreamUsage streamUsage = usage.get(stream);
    return streamUsage == null ? 0 : streamUsage.droppedBytes;
  }

  /**
   * Builds the console items, followed by one marker per stream that dropped bytes. Invalid UTF-8
   * in a record becomes U+FFFD.
   */
  public List<List<Object>> console() {
    List<List<Object>> console = new ArrayList<>(items.size() + usage.size() + 1);
    for (Item item : items) {
      if (item.text != null) {
        console.add(List.of(item.type, item.text.toString(StandardCharsets.UTF_8)));
      } else {
        console.add(List.of(item.type, List.of(item.mimeType, item.mediaData)));
      }
    }
    for (Map.Entry<String, StreamUsage> entry : usage.entrySet()) {
      long dropped = entry.getValue().droppedBytes;
      if (dropped > 0) {
        String stream = entry.getKey();
        String markerType = TEXT_STREAMS.contains(stream) ? stream : "stderr";
        console.add(
            List.of(
                markerType,
                String.format(
                    "\n[output truncated: %d-byte limit per stream reached on %s; %d bytes"
                        + " dropped]\n",
                    limitBytes, stream, dropped)));
      }
    }
    if (itemCapDroppedBytes > 0) {
      console.add(
          List.of(
              "stderr",
              String.format(
                  "\n[output truncated: %d-item limit per call reached; %d bytes dropped]\n",
                  MAX_ITEMS, itemCapDroppedBytes)));
    }
    return console;
  }
}
