package ai.backend.agent.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/** Keeps the last bytes of a log stream, at most its limit plus the size of one frame. */
final class LogTail extends ResultCallback.Adapter<Frame> {
  private final int maxBytes;
  private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
  private long keptBytes;
  private long totalBytes;
  volatile Throwable failure;

  LogTail(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public synchronized void onNext(Frame frame) {
    byte[] payload = frame.getPayload();
    if (payload == null || payload.length == 0) {
      return;
    }
    chunks.addLast(payload);
    keptBytes += payload.length;
    totalBytes += payload.length;
    while (keptBytes - chunks.peekFirst().length >= maxBytes) {
      keptBytes -= chunks.removeFirst().length;
    }
  }

  @Override
  public void onError(Throwable throwable) {
    failure = throwable;
    super.onError(throwable);
  }

  synchronized ContainerLog result() {
    ByteArrayOutputStream joined = new ByteArrayOutputStream((int) Math.min(keptBytes, maxBytes));
    for (byte[] chunk : chunks) {
      joined.write(chunk, 0, chunk.length);
    }
    byte[] bytes = joined.toByteArray();
    int start = Math.max(0, bytes.length - maxBytes);
    // Skips UTF-8 continuation bytes so that the text does not start inside a character.
    while (start > 0 && start < bytes.length && (bytes[start] & 0xC0) == 0x80) {
      start++;
    }
    String text = new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
    return new ContainerLog(text, totalBytes, totalBytes - (bytes.length - start));
  }
}
